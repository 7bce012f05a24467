// Checks and loops shared by the linear algebra tests, on top of linalg_reference.h: the test
// thresholds and dtypes, the seed, size, shape, order, dtype and matrix-type loops of the batch
// tests, batches of LAPACK's matrix types, LAPACK's solve ratios (xGET02, xGET04), the check of
// packed LU factors (xGET01), and the poisoned guard regions of the kernel tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/linalg_reference.h"
#include "support/test_support.h"

namespace bitnet::testing::linalg_reference {

// For the tests, which say `using namespace testing::linalg_reference`.
using bitnet::testing::elements;
using bitnet::testing::seed_trace;

// LAPACK's threshold for its dimensionless test ratios, and the one of its eigenvalue and SVD
// drivers (xDRVST, xDRVBD).
constexpr double kThreshold = 30.0;
constexpr double kSpectralThreshold = 60.0;

// The dtypes linear algebra takes, and the triangles a symmetric routine reads.
constexpr DType kDTypes[] = {DType::kF32, DType::kF64};
constexpr linalg::Triangle kTriangles[] = {linalg::Triangle::kLower, linalg::Triangle::kUpper};

// Written around and after a kernel's output; the kernel must leave it as it is.
constexpr double kPoison = -12345.5;
constexpr int64_t kGuard = 1024;

// Expects every element of `buffer` from `size` on (the guard after the output) still poison.
template <typename T>
void expect_guard(const std::vector<T>& buffer, size_t size) {
  for (size_t i = size; i < buffer.size(); ++i) {
    ASSERT_EQ(buffer[i], static_cast<T>(kPoison)) << "guard " << i - size;
  }
}

// For each seed of two_seeds(), traced on failure: check.template operator()<float>(engine), then
// the same for double, each with an engine seeded afresh from the seed. Takes a lambda such as
// [&]<typename T>(std::mt19937_64& engine) { ... }.
template <typename Check>
void for_each_seed_and_precision(Check&& check) {
  for (const uint64_t seed : two_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    std::mt19937_64 f32_engine(seed);
    check.template operator()<float>(f32_engine);
    std::mt19937_64 f64_engine(seed);
    check.template operator()<double>(f64_engine);
  }
}

// One batch of a test: `count` matrices of order n in `dtype`, drawn from `engine`.
using BatchCheck =
    std::function<void(int64_t n, int64_t count, DType dtype, std::mt19937_64& engine)>;

// For each seed of two_seeds() (one engine each), each size of random_sizes() and f32 then f64:
// check with half of the size's count (each seed draws half), at least 1. The seed and
// "n={} {dtype}" are traced on failure.
void for_each_random_size(const BatchCheck& check);

// The same for each of `seeds` over every order from first_order to last_order, `count` matrices
// per order and seed.
void for_each_order(const std::vector<uint64_t>& seeds, int64_t first_order, int64_t last_order,
                    int64_t count, const BatchCheck& check);

// One batch of a test over shapes: `count` matrices of one of shapes_for(n) in `dtype`, drawn from
// `engine`.
using ShapeBatchCheck = std::function<void(int64_t n, const MatrixShape& shape, int64_t count,
                                           DType dtype, std::mt19937_64& engine)>;

// As for_each_random_size, over each shape of the size (square, tall, wide) before the dtype; the
// seed and "{rows}x{columns} {dtype}" are traced on failure.
void for_each_random_shape(const ShapeBatchCheck& check);

// The fixed seed of the matrix-type tests.
[[nodiscard]] uint64_t matrix_type_seed();

// One case of a matrix-type test: LAPACK's `type` at order n in `dtype`, drawn from `engine`.
using TypeCheck =
    std::function<void(MatrixType type, int64_t n, DType dtype, std::mt19937_64& engine)>;

// For each of `types`, f32 then f64, and each order of LAPACK's type tests (1, 2, 3, 5, 10, 17,
// 50): check, all with one engine seeded with matrix_type_seed(). The seed and
// "{type} n={} {dtype}" are traced on failure.
void for_each_matrix_type(const std::vector<MatrixType>& types, const TypeCheck& check);

// Whether `type` is built with a set condition number (type_condition): 2, sqrt(0.1/eps), 0.1/eps.
[[nodiscard]] bool conditioned_type(MatrixType type);

// Whether `type` is the Hilbert matrix past the orders `dtype` can hold: its condition (about
// e^(3.5 n)) passes 1/eps past n = 10 in f64 and n = 5 in f32.
[[nodiscard]] bool hilbert_past_precision(MatrixType type, int64_t n, DType dtype);

// `count` rows x columns matrices of `type` (general_matrix), rounded to `dtype`.
[[nodiscard]] std::vector<Matrix> general_batch(int64_t count, MatrixType type, int64_t rows,
                                                int64_t columns, DType dtype,
                                                std::mt19937_64& engine);

// `count` symmetric n x n matrices of `type` (symmetric_matrix), positive definite when asked.
[[nodiscard]] std::vector<Matrix> symmetric_batch(int64_t count, MatrixType type, int64_t n,
                                                  DType dtype, bool positive_definite,
                                                  std::mt19937_64& engine);

// max over columns of ||b - a x||_1 / (||a||_1 ||x||_1 eps), LAPACK's xGET02; a column with
// ||a|| ||x|| = 0 counts 1 / eps unless its residual is exactly zero.
[[nodiscard]] double solve_ratio(const Matrix& a, const Matrix& x, const Matrix& b, DType dtype);

// ||x - x_true||_1 / (||x_true||_1 cond_1(a) eps), LAPACK's xGET04.
[[nodiscard]] double forward_ratio(const Matrix& a, const Matrix& x, const Matrix& x_true,
                                   DType dtype);

// Checks LU factors packed row-major in `packed` (L below the diagonal, unit diagonal implied, U
// on and above) with LAPACK-order row swaps `pivots` (0-based) against a: each pivot in [i, m),
// |L| <= 1 (partial pivoting), and ||P A - L U|| / (n ||A|| eps) below 30, recorded in `worst`.
void check_lu_factors(const Matrix& a, const Matrix& packed, const std::vector<int64_t>& pivots,
                      DType dtype, WorstRatio& worst);

}  // namespace bitnet::testing::linalg_reference

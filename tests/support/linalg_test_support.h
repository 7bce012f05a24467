// Checks and loops shared by the linear algebra tests, on top of linalg_reference.h: the seed,
// order and dtype loops of the batch tests, LAPACK's solve ratios (xGET02, xGET04), the check of
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

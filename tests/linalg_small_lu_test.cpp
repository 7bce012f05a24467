// The small LU kernels (linalg/small_lu.h) against LAPACK ?getrf / ?gesv on the same matrices, at
// every shape m x n with m, n from 0 to just past kSmallLuOrder (square, tall, wide), f32 and f64,
// 50 random matrices per shape: ||P A - L U|| / (n ||A|| eps) below 30 (xGET01) with |L| <= 1;
// LAPACK's pivots in f64; solutions with 1 and 3 right-hand sides with ||B - A X|| / (||A|| ||X||
// eps) below 30 (xGET02) and within 30 cond_1(A) eps of LAPACK's; one right-hand side solved
// bit for bit as a column of several; LAPACK's info and pivots for exactly singular matrices and
// for ties in the pivot column; nothing written past the matrices (guard regions).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "linalg/lapack_adapter.h"
#include "linalg/small_lu.h"
#include "support/linalg_reference.h"
#include "support/linalg_test_support.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using namespace testing::linalg_reference;
using linalg::detail::kSmallLuOrder;
using linalg::detail::small_lu;
using linalg::detail::small_lu_solve;

constexpr int64_t kCount = 50;

// a row-major, followed by a poisoned guard region.
template <typename T>
std::vector<T> guarded(const Matrix& a) {
  std::vector<T> buffer(a.values.begin(), a.values.end());
  buffer.resize(a.values.size() + kGuard, static_cast<T>(kPoison));
  return buffer;
}

template <typename T>
Matrix to_matrix(const std::vector<T>& values, int64_t rows, int64_t columns) {
  Matrix result(rows, columns);
  for (size_t i = 0; i < result.values.size(); ++i) result.values[i] = values[i];
  return result;
}

// LAPACK's factorisation of a (column-major copy): info, and pivots 0-based.
template <typename T>
int lapack_lu(const Matrix& a, std::vector<int64_t>& pivots) {
  const int64_t m = a.rows;
  const int64_t n = a.columns;
  std::vector<T> columns(static_cast<size_t>(std::max<int64_t>(1, m * n)));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j)
      columns[static_cast<size_t>(i + j * m)] = static_cast<T>(a(i, j));
  }
  std::vector<linalg::lapack::LapackInt> ipiv(static_cast<size_t>(std::max<int64_t>(1, m)));
  const int info =
      linalg::lapack::getrf<T>(m, n, columns.data(), std::max<int64_t>(1, m), ipiv.data());
  pivots.assign(static_cast<size_t>(std::min(m, n)), 0);
  for (size_t i = 0; i < pivots.size(); ++i) pivots[i] = ipiv[i] - 1;
  return info;
}

// LAPACK's solution of a x = b (gesv on column-major copies).
template <typename T>
Matrix lapack_solve(const Matrix& a, const Matrix& b) {
  const int64_t n = a.rows;
  const int64_t k = b.columns;
  std::vector<T> a_columns(static_cast<size_t>(n * n));
  std::vector<T> b_columns(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) a_columns[static_cast<size_t>(i + j * n)] = a(i, j);
    for (int64_t j = 0; j < k; ++j) b_columns[static_cast<size_t>(i + j * n)] = b(i, j);
  }
  std::vector<linalg::lapack::LapackInt> ipiv(static_cast<size_t>(n));
  EXPECT_EQ(linalg::lapack::gesv<T>(n, k, a_columns.data(), n, ipiv.data(), b_columns.data(), n),
            0);
  Matrix x(n, k);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < k; ++j) x(i, j) = b_columns[static_cast<size_t>(i + j * n)];
  }
  return x;
}

template <typename T>
void check_random_shapes(std::mt19937_64& engine, WorstRatio& worst) {
  const DType dtype = dtype_of<T>;
  for (int64_t size = 0; size <= kSmallLuOrder + 2; ++size) {
    // Square, and tall and wide ones with the other dimension up to the cutoff.
    std::vector<MatrixShape> shapes = {{size, size}};
    if (size <= kSmallLuOrder) {
      shapes.push_back({kSmallLuOrder, size});
      shapes.push_back({size, kSmallLuOrder});
    }
    for (const MatrixShape& shape : shapes) {
      const int64_t m = shape.rows;
      const int64_t n = shape.columns;
      for (int64_t index = 0; index < kCount; ++index) {
        SCOPED_TRACE(fmt::format("{}x{} {} matrix {}", m, n, dtype_name(dtype), index));
        const Matrix a = rounded(random_matrix(m, n, engine), dtype);
        std::vector<T> packed = guarded<T>(a);
        std::vector<int64_t> pivots(static_cast<size_t>(std::min(m, n)) + 1, -1);
        ASSERT_EQ(small_lu<T>(packed.data(), m, n, n, pivots.data()), 0);
        expect_guard(packed, a.values.size());
        ASSERT_EQ(pivots.back(), -1) << "a pivot past min(m, n) was written";
        pivots.pop_back();
        check_lu_factors(a, to_matrix(packed, m, n), pivots, dtype, worst);
        std::vector<int64_t> lapack_pivots;
        ASSERT_EQ(lapack_lu<T>(a, lapack_pivots), 0);
        // In f64 a near-tie that rounding could resolve either way has probability ~1e-13. In f32
        // (~1e-5 per matrix) LAPACK's left-looking order may legitimately pick the other row.
        if (dtype == DType::kF64) EXPECT_EQ(pivots, lapack_pivots) << "LAPACK's pivots";
        if (m != n || n == 0) continue;
        // Solves with the factors: three right-hand sides, and the first alone.
        const Matrix b = rounded(random_matrix(n, 3, engine), dtype);
        std::vector<T> x = guarded<T>(b);
        small_lu_solve<T>(packed.data(), n, n, pivots.data(), x.data(), 3, 3);
        expect_guard(x, b.values.size());
        std::vector<T> x_one(static_cast<size_t>(n) + kGuard, static_cast<T>(kPoison));
        for (int64_t i = 0; i < n; ++i) x_one[static_cast<size_t>(i)] = static_cast<T>(b(i, 0));
        small_lu_solve<T>(packed.data(), n, n, pivots.data(), x_one.data(), 1, 1);
        expect_guard(x_one, static_cast<size_t>(n));
        const Matrix solution = to_matrix(x, n, 3);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(static_cast<double>(x_one[static_cast<size_t>(i)]), solution(i, 0))
              << "one right-hand side differs from the first of three at row " << i;
        }
        const double ratio = solve_ratio(a, solution, b, dtype);
        worst.record(ratio);
        EXPECT_LT(ratio, kThreshold) << "||B - A X|| ratio";
        // Both are backward stable, so they differ by at most about cond(A) eps (xGET04's scale).
        const double agreement = forward_ratio(a, solution, lapack_solve<T>(a, b), dtype);
        worst.record(agreement);
        EXPECT_LT(agreement, kThreshold) << "||X - X_lapack|| / (||X_lapack|| cond eps)";
      }
    }
  }
}

TEST(LinalgSmallLu, MatchesLapackAtEveryShape) {
  WorstRatio worst("small lu vs getrf/gesv");
  for_each_seed_and_precision(
      [&]<typename T>(std::mt19937_64& engine) { check_random_shapes<T>(engine, worst); });
}

template <typename T>
void check_singular(std::mt19937_64& engine, WorstRatio& worst) {
  const DType dtype = dtype_of<T>;
  for (int64_t n = 1; n <= kSmallLuOrder + 1; ++n) {
    for (int64_t column = 0; column < n; ++column) {
      SCOPED_TRACE(fmt::format("n={} {} zero column {}", n, dtype_name(dtype), column));
      // Eliminating with rows that are zero in this column keeps it zero: U(column, column) is
      // exactly zero, and the columns before it are random (non-zero pivots).
      Matrix a = rounded(random_matrix(n, n, engine), dtype);
      for (int64_t i = 0; i < n; ++i) a(i, column) = 0.0;
      std::vector<T> packed = guarded<T>(a);
      std::vector<int64_t> pivots(static_cast<size_t>(n));
      EXPECT_EQ(small_lu<T>(packed.data(), n, n, n, pivots.data()), column + 1);
      expect_guard(packed, a.values.size());
      EXPECT_EQ(packed[static_cast<size_t>(column * n + column)], T{0});
      std::vector<int64_t> lapack_pivots;
      EXPECT_EQ(lapack_lu<T>(a, lapack_pivots), column + 1) << "LAPACK's info";
      // The factorisation is completed past the zero pivot, as LAPACK's.
      check_lu_factors(a, to_matrix(packed, n, n), pivots, dtype, worst);
    }
    // All zeros: info 1, no row ever swapped (the first of equal magnitudes is the pivot).
    const Matrix zeros(n, n);
    std::vector<T> packed = guarded<T>(zeros);
    std::vector<int64_t> pivots(static_cast<size_t>(n));
    EXPECT_EQ(small_lu<T>(packed.data(), n, n, n, pivots.data()), 1);
    std::vector<int64_t> lapack_pivots;
    EXPECT_EQ(lapack_lu<T>(zeros, lapack_pivots), 1);
    EXPECT_EQ(pivots, lapack_pivots) << "n=" << n;
  }
}

TEST(LinalgSmallLu, SingularMatricesAsLapackReportsThem) {
  WorstRatio worst("small lu singular");
  for_each_seed_and_precision(
      [&]<typename T>(std::mt19937_64& engine) { check_singular<T>(engine, worst); });
}

TEST(LinalgSmallLu, TiesTakeTheFirstRowOfLargestMagnitude) {
  // Column 0 has |2| twice (rows 1 and 2): the first, row 1, is the pivot. Column 1 then holds
  // -0.5 (row 1, the former row 0) and 2 (row 2): row 2.
  Matrix a(3, 3);
  a.values = {1, 0, 0, 2, 1, 0, -2, 1, 1};
  for (const DType dtype : {DType::kF32, DType::kF64}) {
    std::vector<int64_t> pivots(3);
    std::vector<int64_t> lapack_pivots;
    if (dtype == DType::kF32) {
      std::vector<float> packed = guarded<float>(a);
      EXPECT_EQ(small_lu<float>(packed.data(), 3, 3, 3, pivots.data()), 0);
      EXPECT_EQ(lapack_lu<float>(a, lapack_pivots), 0);
    } else {
      std::vector<double> packed = guarded<double>(a);
      EXPECT_EQ(small_lu<double>(packed.data(), 3, 3, 3, pivots.data()), 0);
      EXPECT_EQ(lapack_lu<double>(a, lapack_pivots), 0);
    }
    EXPECT_EQ(pivots, (std::vector<int64_t>{1, 2, 2})) << dtype_name(dtype);
    EXPECT_EQ(pivots, lapack_pivots) << dtype_name(dtype);
  }
}

}  // namespace
}  // namespace bitnet

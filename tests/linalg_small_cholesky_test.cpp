// The small Cholesky kernel (linalg/small_cholesky.h) against LAPACK ?potrf on the same matrices,
// at every order from 0 to just past kSmallCholeskyOrder, f32 and f64, 50 random SPD matrices per
// order: ||A - L L^T|| / (n ||A|| eps) below 30 (xPOT01), the factor within 30 n eps of LAPACK's
// (the matrices have condition at most 2, so the factor is that well determined), the upper
// orientation the exact transpose of the lower, nothing written outside the named triangle;
// LAPACK's info for matrices that stop being positive definite at a known order.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "linalg/lapack_adapter.h"
#include "linalg/small_cholesky.h"
#include "support/linalg_reference.h"
#include "support/linalg_test_support.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using namespace testing::linalg_reference;
using linalg::detail::kSmallCholeskyOrder;
using linalg::detail::small_cholesky;

constexpr int64_t kCount = 50;

// The orders every test covers: all the kernel serves in the library, and two past the cutoff.
std::vector<int64_t> orders() {
  std::vector<int64_t> result;
  for (int64_t n = 0; n <= kSmallCholeskyOrder + 2; ++n) result.push_back(n);
  return result;
}

// a's lower (else upper) triangle in a row-major buffer of n n + kGuard elements, the rest poison.
template <typename T>
std::vector<T> triangle_buffer(const Matrix& a, bool lower) {
  const int64_t n = a.rows;
  std::vector<T> buffer(static_cast<size_t>(n * n + kGuard), static_cast<T>(kPoison));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (lower ? j <= i : j >= i) buffer[static_cast<size_t>(i * n + j)] = static_cast<T>(a(i, j));
    }
  }
  return buffer;
}

// Expects every element outside the lower (else upper) triangle still poison, guard included.
template <typename T>
void expect_untouched(const std::vector<T>& buffer, int64_t n, bool lower) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (lower ? j > i : j < i) {
        ASSERT_EQ(buffer[static_cast<size_t>(i * n + j)], static_cast<T>(kPoison)) << i << "," << j;
      }
    }
  }
  expect_guard(buffer, static_cast<size_t>(n * n));
}

// L from a buffer whose element (i, j), i >= j, is at values[i * row_stride + j * column_stride].
template <typename T>
Matrix lower_of(const std::vector<T>& values, int64_t n, int64_t row_stride,
                int64_t column_stride) {
  Matrix l(n, n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      l(i, j) =
          static_cast<double>(values[static_cast<size_t>(i * row_stride + j * column_stride)]);
    }
  }
  return l;
}

// LAPACK's lower factor of a (symmetric, so its row-major values are also its column-major ones).
template <typename T>
int lapack_factor(const Matrix& a, Matrix& l) {
  const int64_t n = a.rows;
  std::vector<T> values(a.values.begin(), a.values.end());
  values.resize(std::max<size_t>(1, values.size()));
  const int info = linalg::lapack::potrf<T>(false, n, values.data(), std::max<int64_t>(1, n));
  l = lower_of(values, n, 1, n);
  return info;
}

template <typename T>
void check_random_orders(std::mt19937_64& engine, WorstRatio& worst) {
  const DType dtype = dtype_of<T>;
  for (const int64_t n : orders()) {
    for (int64_t index = 0; index < kCount; ++index) {
      SCOPED_TRACE(fmt::format("n={} {} matrix {}", n, dtype_name(dtype), index));
      const Matrix a = symmetric_matrix(MatrixType::kRandom, n, dtype, true, engine);
      // Lower: row-major, as cholesky(kLower) calls it.
      std::vector<T> lower = triangle_buffer<T>(a, true);
      ASSERT_EQ(small_cholesky<T>(lower.data(), n, n, 1), 0);
      expect_untouched(lower, n, true);
      const Matrix l = lower_of(lower, n, n, 1);
      // Upper: the transposed strides, as cholesky(kUpper) calls it; u = l^T to the bit.
      std::vector<T> upper = triangle_buffer<T>(a, false);
      ASSERT_EQ(small_cholesky<T>(upper.data(), n, 1, n), 0);
      expect_untouched(upper, n, false);
      testing::expect_same_values(lower_of(upper, n, 1, n).values, l.values, "upper = lower^T");
      const double ratio = reconstruction_ratio(a, multiply(l, transpose(l)), n, dtype);
      worst.record(ratio);
      EXPECT_LT(ratio, kThreshold) << "||A - L L^T|| ratio";
      Matrix reference;
      ASSERT_EQ(lapack_factor<T>(a, reference), 0);
      const double agreement = reconstruction_ratio(reference, l, n, dtype);
      worst.record(agreement);
      EXPECT_LT(agreement, kThreshold) << "||L - L_lapack|| / (n ||L_lapack|| eps)";
    }
  }
}

TEST(LinalgSmallCholesky, MatchesLapackAtEveryOrder) {
  WorstRatio worst("small cholesky vs potrf");
  for_each_seed_and_precision(
      [&]<typename T>(std::mt19937_64& engine) { check_random_orders<T>(engine, worst); });
}

template <typename T>
void check_failing_minors(std::mt19937_64& engine) {
  const DType dtype = dtype_of<T>;
  for (int64_t n = 1; n <= kSmallCholeskyOrder + 1; ++n) {
    for (int64_t order = 1; order <= n; ++order) {
      SCOPED_TRACE(fmt::format("n={} {} failing order {}", n, dtype_name(dtype), order));
      // The leading minors below `order` keep their positive definiteness; a negative diagonal
      // element makes pivot `order` at most -1.
      Matrix a = symmetric_matrix(MatrixType::kRandom, n, dtype, true, engine);
      a(order - 1, order - 1) = -1.0;
      std::vector<T> lower = triangle_buffer<T>(a, true);
      EXPECT_EQ(small_cholesky<T>(lower.data(), n, n, 1), order);
      std::vector<T> upper = triangle_buffer<T>(a, false);
      EXPECT_EQ(small_cholesky<T>(upper.data(), n, 1, n), order);
      Matrix unused;
      EXPECT_EQ(lapack_factor<T>(a, unused), order) << "LAPACK's info";
    }
    // An exactly zero pivot (semi-definite) fails too: all ones has pivot 2 equal to 1 - 1 * 1.
    if (n >= 2) {
      Matrix ones(n, n);
      std::fill(ones.values.begin(), ones.values.end(), 1.0);
      std::vector<T> lower = triangle_buffer<T>(ones, true);
      EXPECT_EQ(small_cholesky<T>(lower.data(), n, n, 1), 2) << "n=" << n;
      Matrix unused;
      EXPECT_EQ(lapack_factor<T>(ones, unused), 2) << "n=" << n;
    }
    std::vector<T> zeros = triangle_buffer<T>(Matrix(n, n), true);
    EXPECT_EQ(small_cholesky<T>(zeros.data(), n, n, 1), 1) << "n=" << n;
  }
}

TEST(LinalgSmallCholesky, FirstFailingMinorAsLapackReportsIt) {
  for_each_seed_and_precision(
      [&]<typename T>(std::mt19937_64& engine) { check_failing_minors<T>(engine); });
}

}  // namespace
}  // namespace bitnet

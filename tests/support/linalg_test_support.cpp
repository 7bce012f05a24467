#include "support/linalg_test_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace bitnet::testing::linalg_reference {
namespace {

// LAPACK's threshold for its dimensionless test ratios.
constexpr double kThreshold = 30.0;

void for_each_seed_size_and_dtype(const std::vector<uint64_t>& seeds,
                                  const std::vector<SizeCount>& sizes, const BatchCheck& check) {
  for (const uint64_t seed : seeds) {
    SCOPED_TRACE(seed_trace(seed));
    std::mt19937_64 engine(seed);
    for (const SizeCount& size : sizes) {
      for (const DType dtype : {DType::kF32, DType::kF64}) {
        SCOPED_TRACE(fmt::format("n={} {}", size.size, dtype_name(dtype)));
        check(size.size, size.count, dtype, engine);
      }
    }
  }
}

}  // namespace

void for_each_random_size(const BatchCheck& check) {
  std::vector<SizeCount> per_seed;
  for (const SizeCount& size : random_sizes()) {
    per_seed.push_back({size.size, std::max<int64_t>(1, size.count / 2)});
  }
  for_each_seed_size_and_dtype(two_seeds(), per_seed, check);
}

void for_each_order(const std::vector<uint64_t>& seeds, int64_t first_order, int64_t last_order,
                    int64_t count, const BatchCheck& check) {
  std::vector<SizeCount> orders;
  for (int64_t n = first_order; n <= last_order; ++n) orders.push_back({n, count});
  for_each_seed_size_and_dtype(seeds, orders, check);
}

double solve_ratio(const Matrix& a, const Matrix& x, const Matrix& b, DType dtype) {
  const Matrix residual = subtract(b, multiply(a, x));
  const double a_norm = one_norm(a);
  double ratio = 0.0;
  for (int64_t j = 0; j < x.columns; ++j) {
    double residual_norm = 0.0;
    double x_norm = 0.0;
    for (int64_t i = 0; i < x.rows; ++i) {
      residual_norm += std::fabs(residual(i, j));
      x_norm += std::fabs(x(i, j));
    }
    if (a_norm == 0.0 || x_norm == 0.0) {
      ratio = std::max(ratio, residual_norm == 0.0 ? 0.0 : 1.0 / epsilon(dtype));
      continue;
    }
    ratio = std::max(ratio, residual_norm / a_norm / x_norm / epsilon(dtype));
  }
  return ratio;
}

double forward_ratio(const Matrix& a, const Matrix& x, const Matrix& x_true, DType dtype) {
  const double condition = one_norm(a) * one_norm(reference_inverse(a));
  return one_norm(subtract(x, x_true)) / one_norm(x_true) / condition / epsilon(dtype);
}

void check_lu_factors(const Matrix& a, const Matrix& packed, const std::vector<int64_t>& pivots,
                      DType dtype, WorstRatio& worst) {
  const int64_t m = a.rows;
  const int64_t n = a.columns;
  const int64_t k = std::min(m, n);
  ASSERT_EQ(static_cast<int64_t>(pivots.size()), k);
  Matrix permuted = a;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t pivot = pivots[static_cast<size_t>(i)];
    ASSERT_GE(pivot, i);
    ASSERT_LT(pivot, m);
    for (int64_t j = 0; j < n; ++j) std::swap(permuted(i, j), permuted(pivot, j));
  }
  Matrix lower(m, k);
  Matrix upper(k, n);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double value = packed(i, j);
      if (j < i && j < k) {
        // Partial pivoting bounds every multiplier by 1.
        ASSERT_LE(std::fabs(value), 1.0) << "L(" << i << "," << j << ")";
        lower(i, j) = value;
      } else if (i < k) {
        upper(i, j) = value;
      }
    }
    if (i < k) lower(i, i) = 1.0;
  }
  const double ratio = reconstruction_ratio(permuted, multiply(lower, upper), n, dtype);
  worst.record(ratio);
  EXPECT_LT(ratio, kThreshold) << "||P A - L U|| ratio";
}

}  // namespace bitnet::testing::linalg_reference

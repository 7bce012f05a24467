#include "support/linalg_test_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace bitnet::testing::linalg_reference {
namespace {

// For each seed (one engine each), each size, each of its shapes (all of shapes_for with
// `every_shape`, else the square one alone) and f32 then f64: check, with the seed and the shape
// ("{rows}x{columns}", else "n={}") and dtype traced.
void for_each_seed_size_shape_and_dtype(const std::vector<uint64_t>& seeds,
                                        const std::vector<SizeCount>& sizes, bool every_shape,
                                        const ShapeBatchCheck& check) {
  for (const uint64_t seed : seeds) {
    SCOPED_TRACE(seed_trace(seed));
    std::mt19937_64 engine(seed);
    for (const SizeCount& size : sizes) {
      const std::vector<MatrixShape> shapes =
          every_shape ? shapes_for(size.size) : std::vector<MatrixShape>{{size.size, size.size}};
      for (const MatrixShape& shape : shapes) {
        for (const DType dtype : kDTypes) {
          SCOPED_TRACE(every_shape
                           ? fmt::format("{}x{} {}", shape.rows, shape.columns, dtype_name(dtype))
                           : fmt::format("n={} {}", size.size, dtype_name(dtype)));
          check(size.size, shape, size.count, dtype, engine);
        }
      }
    }
  }
}

// The same for square matrices alone.
void for_each_seed_size_and_dtype(const std::vector<uint64_t>& seeds,
                                  const std::vector<SizeCount>& sizes, const BatchCheck& check) {
  for_each_seed_size_shape_and_dtype(
      seeds, sizes, false,
      [&](int64_t n, const MatrixShape&, int64_t count, DType dtype, std::mt19937_64& engine) {
        check(n, count, dtype, engine);
      });
}

// `count` matrices from make(), in the order drawn.
template <typename Make>
std::vector<Matrix> batch_of(int64_t count, const Make& make) {
  std::vector<Matrix> matrices;
  for (int64_t index = 0; index < count; ++index) matrices.push_back(make());
  return matrices;
}

// random_sizes() with half of each count (each of the two seeds draws half), at least 1.
std::vector<SizeCount> random_sizes_per_seed() {
  std::vector<SizeCount> per_seed;
  for (const SizeCount& size : random_sizes()) {
    per_seed.push_back({size.size, std::max<int64_t>(1, size.count / 2)});
  }
  return per_seed;
}

}  // namespace

void for_each_random_size(const BatchCheck& check) {
  for_each_seed_size_and_dtype(two_seeds(), random_sizes_per_seed(), check);
}

void for_each_random_shape(const ShapeBatchCheck& check) {
  for_each_seed_size_shape_and_dtype(two_seeds(), random_sizes_per_seed(), true, check);
}

void for_each_order(const std::vector<uint64_t>& seeds, int64_t first_order, int64_t last_order,
                    int64_t count, const BatchCheck& check) {
  std::vector<SizeCount> orders;
  for (int64_t n = first_order; n <= last_order; ++n) orders.push_back({n, count});
  for_each_seed_size_and_dtype(seeds, orders, check);
}

uint64_t matrix_type_seed() {
  return test_seeds()[1];
}

void for_each_matrix_type(const std::vector<MatrixType>& types, const TypeCheck& check) {
  const uint64_t seed = matrix_type_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937_64 engine(seed);
  for (const MatrixType type : types) {
    for (const DType dtype : kDTypes) {
      for (const int64_t n : {1, 2, 3, 5, 10, 17, 50}) {
        SCOPED_TRACE(fmt::format("{} n={} {}", type_name(type), n, dtype_name(dtype)));
        check(type, n, dtype, engine);
      }
    }
  }
}

bool conditioned_type(MatrixType type) {
  return type == MatrixType::kConditionTwo || type == MatrixType::kConditionSqrt ||
         type == MatrixType::kConditionLarge;
}

bool hilbert_past_precision(MatrixType type, int64_t n, DType dtype) {
  return type == MatrixType::kHilbert && n > (dtype == DType::kF64 ? 10 : 5);
}

std::vector<Matrix> general_batch(int64_t count, MatrixType type, int64_t rows, int64_t columns,
                                  DType dtype, std::mt19937_64& engine) {
  return batch_of(count, [&] { return general_matrix(type, rows, columns, dtype, engine); });
}

std::vector<Matrix> symmetric_batch(int64_t count, MatrixType type, int64_t n, DType dtype,
                                    bool positive_definite, std::mt19937_64& engine) {
  return batch_of(count,
                  [&] { return symmetric_matrix(type, n, dtype, positive_definite, engine); });
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

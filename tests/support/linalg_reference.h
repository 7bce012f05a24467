// Linear algebra test support in LAPACK's TESTING style: the matrix types of LAPACK's test
// generators (diagonal, triangular, condition 2, sqrt(0.1/eps) and 0.1/eps, scaled near underflow
// and overflow, rank-deficient, Hilbert), dense double-precision arithmetic written here (not the
// library's), and the dimensionless residual ratios the tests compare with 30 (60 for eigh, SVD).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/test_support.h"

namespace bitnet::testing::linalg_reference {

// A dense row-major matrix of doubles.
struct Matrix {
  int64_t rows = 0;
  int64_t columns = 0;
  std::vector<double> values;

  Matrix() = default;
  Matrix(int64_t row_count, int64_t column_count)
      : rows(row_count), columns(column_count), values(static_cast<size_t>(rows * columns), 0.0) {}
  double& operator()(int64_t i, int64_t j) { return values[static_cast<size_t>(i * columns + j)]; }
  double operator()(int64_t i, int64_t j) const {
    return values[static_cast<size_t>(i * columns + j)];
  }
};

inline Matrix identity(int64_t n) {
  Matrix result(n, n);
  for (int64_t i = 0; i < n; ++i) result(i, i) = 1.0;
  return result;
}

inline Matrix transpose(const Matrix& a) {
  Matrix result(a.columns, a.rows);
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t j = 0; j < a.columns; ++j) result(j, i) = a(i, j);
  }
  return result;
}

inline Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix result(a.rows, b.columns);
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t p = 0; p < a.columns; ++p) {
      const double left = a(i, p);
      if (left == 0.0) continue;
      for (int64_t j = 0; j < b.columns; ++j) result(i, j) += left * b(p, j);
    }
  }
  return result;
}

inline Matrix subtract(const Matrix& a, const Matrix& b) {
  Matrix result = a;
  for (size_t i = 0; i < result.values.size(); ++i) result.values[i] -= b.values[i];
  return result;
}

// LAPACK's '1' norm (largest column sum of |a|), the norm of its test ratios.
inline double one_norm(const Matrix& a) {
  double largest = 0.0;
  for (int64_t j = 0; j < a.columns; ++j) {
    double sum = 0.0;
    for (int64_t i = 0; i < a.rows; ++i) sum += std::fabs(a(i, j));
    largest = std::max(largest, sum);
  }
  return largest;
}

// The unit roundoff LAPACK's tests divide by (dlamch('Precision')): the dtype's epsilon.
inline double epsilon(DType dtype) {
  return dtype == DType::kF32 ? std::numeric_limits<float>::epsilon()
                              : std::numeric_limits<double>::epsilon();
}

// ||a - b||_1 / (max(1, scale_dim) ||a||_1 eps); with ||a|| = 0, ||a - b||_1 / (max(1, dim) eps).
inline double reconstruction_ratio(const Matrix& a, const Matrix& b, int64_t scale_dim,
                                   DType dtype) {
  const double difference = one_norm(subtract(a, b));
  const double a_norm = one_norm(a);
  const double denominator = static_cast<double>(std::max<int64_t>(1, scale_dim)) * epsilon(dtype);
  if (a_norm == 0.0) return difference / denominator;
  // Divide before multiplying: a_norm * eps may underflow for matrices scaled near underflow.
  return difference / a_norm / denominator;
}

// ||I - q^T q||_1 / (max(1, scale_dim) eps): orthonormal columns.
inline double orthogonality_ratio(const Matrix& q, int64_t scale_dim, DType dtype) {
  const Matrix gram = multiply(transpose(q), q);
  return one_norm(subtract(identity(q.columns), gram)) /
         (static_cast<double>(std::max<int64_t>(1, scale_dim)) * epsilon(dtype));
}

// Solves a x = b (a square) by Gaussian elimination with partial pivoting in long double, the
// independent reference for solvers; `determinant` gets det(a) when not null. A singular a gives
// an empty matrix (and determinant 0).
inline Matrix reference_solve(const Matrix& a, const Matrix& b,
                              long double* determinant = nullptr) {
  const int64_t n = a.rows;
  std::vector<long double> lu(a.values.begin(), a.values.end());
  std::vector<long double> rhs(b.values.begin(), b.values.end());
  const int64_t k = b.columns;
  long double det = 1.0L;
  for (int64_t column = 0; column < n; ++column) {
    int64_t pivot = column;
    for (int64_t row = column + 1; row < n; ++row) {
      if (std::fabs(lu[row * n + column]) > std::fabs(lu[pivot * n + column])) pivot = row;
    }
    if (lu[pivot * n + column] == 0.0L) {
      if (determinant != nullptr) *determinant = 0.0L;
      return Matrix();
    }
    if (pivot != column) {
      det = -det;
      for (int64_t j = 0; j < n; ++j) std::swap(lu[pivot * n + j], lu[column * n + j]);
      for (int64_t j = 0; j < k; ++j) std::swap(rhs[pivot * k + j], rhs[column * k + j]);
    }
    det *= lu[column * n + column];
    for (int64_t row = column + 1; row < n; ++row) {
      const long double factor = lu[row * n + column] / lu[column * n + column];
      for (int64_t j = column; j < n; ++j) lu[row * n + j] -= factor * lu[column * n + j];
      for (int64_t j = 0; j < k; ++j) rhs[row * k + j] -= factor * rhs[column * k + j];
    }
  }
  if (determinant != nullptr) *determinant = det;
  // Back substitution in place of rhs, still in long double.
  for (int64_t row = n - 1; row >= 0; --row) {
    for (int64_t j = 0; j < k; ++j) {
      long double sum = rhs[row * k + j];
      for (int64_t p = row + 1; p < n; ++p) sum -= lu[row * n + p] * rhs[p * k + j];
      rhs[row * k + j] = sum / lu[row * n + row];
    }
  }
  Matrix x(n, k);
  for (size_t i = 0; i < x.values.size(); ++i) x.values[i] = static_cast<double>(rhs[i]);
  return x;
}

inline Matrix reference_inverse(const Matrix& a) {
  return reference_solve(a, identity(a.rows));
}

// ---- matrix types -----------------------------------------------------------------------------
enum class MatrixType {
  kRandom,
  kDiagonal,
  kUpperTriangular,
  kLowerTriangular,
  kConditionTwo,
  kConditionSqrt,   // condition sqrt(0.1 / eps)
  kConditionLarge,  // condition 0.1 / eps
  kNearUnderflow,
  kNearOverflow,
  kRankDeficient,
  kHilbert,
};

inline const char* type_name(MatrixType type) {
  switch (type) {
    case MatrixType::kRandom:
      return "random";
    case MatrixType::kDiagonal:
      return "diagonal";
    case MatrixType::kUpperTriangular:
      return "upper_triangular";
    case MatrixType::kLowerTriangular:
      return "lower_triangular";
    case MatrixType::kConditionTwo:
      return "condition_2";
    case MatrixType::kConditionSqrt:
      return "condition_sqrt(0.1/eps)";
    case MatrixType::kConditionLarge:
      return "condition_0.1/eps";
    case MatrixType::kNearUnderflow:
      return "near_underflow";
    case MatrixType::kNearOverflow:
      return "near_overflow";
    case MatrixType::kRankDeficient:
      return "rank_deficient";
    case MatrixType::kHilbert:
      return "hilbert";
  }
  return "?";
}

inline const std::vector<MatrixType>& all_types() {
  static const std::vector<MatrixType> types = {
      MatrixType::kRandom,          MatrixType::kDiagonal,      MatrixType::kUpperTriangular,
      MatrixType::kLowerTriangular, MatrixType::kConditionTwo,  MatrixType::kConditionSqrt,
      MatrixType::kConditionLarge,  MatrixType::kNearUnderflow, MatrixType::kNearOverflow,
      MatrixType::kRankDeficient,   MatrixType::kHilbert};
  return types;
}

// The condition number a conditioned type asks for in `dtype` (1 for the others).
inline double type_condition(MatrixType type, DType dtype) {
  const double eps = epsilon(dtype);
  switch (type) {
    case MatrixType::kConditionTwo:
      return 2.0;
    case MatrixType::kConditionSqrt:
      return std::sqrt(0.1 / eps);
    case MatrixType::kConditionLarge:
      return 0.1 / eps;
    default:
      return 1.0;
  }
}

// LAPACK's dlatb4 scales: SMALL = 0.25 safe_min / eps, LARGE = 1 / SMALL, in the dtype.
inline double small_scale(DType dtype) {
  const double safe_min =
      dtype == DType::kF32 ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
  return 0.25 * safe_min / epsilon(dtype);
}
inline double large_scale(DType dtype) {
  return 1.0 / small_scale(dtype);
}

inline Matrix random_matrix(int64_t rows, int64_t columns, std::mt19937_64& engine) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Matrix result(rows, columns);
  for (double& value : result.values) value = uniform(engine);
  return result;
}

inline Matrix gaussian_matrix(int64_t rows, int64_t columns, std::mt19937_64& engine) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Matrix result(rows, columns);
  for (double& value : result.values) value = normal(engine);
  return result;
}

// An orthonormal basis of the span of the columns of `q` (full column rank): Gram-Schmidt run twice
// per column, so that orthogonality holds to a few eps.
inline Matrix orthonormal_basis(Matrix q) {
  const int64_t rows = q.rows;
  const int64_t columns = q.columns;
  for (int64_t j = 0; j < columns; ++j) {
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t p = 0; p < j; ++p) {
        double dot = 0.0;
        for (int64_t i = 0; i < rows; ++i) dot += q(i, p) * q(i, j);
        for (int64_t i = 0; i < rows; ++i) q(i, j) -= dot * q(i, p);
      }
    }
    double norm = 0.0;
    for (int64_t i = 0; i < rows; ++i) norm += q(i, j) * q(i, j);
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < rows; ++i) q(i, j) /= norm;
  }
  return q;
}

// rows x columns (columns <= rows) with orthonormal columns, from a Gaussian matrix.
inline Matrix random_orthonormal(int64_t rows, int64_t columns, std::mt19937_64& engine) {
  return orthonormal_basis(gaussian_matrix(rows, columns, engine));
}

// k values from 1 down to 1/condition, geometrically spaced (LAPACK dlatms mode 3).
inline std::vector<double> geometric_values(int64_t k, double condition) {
  std::vector<double> values(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i) {
    values[static_cast<size_t>(i)] =
        k == 1 ? 1.0 : std::pow(condition, -static_cast<double>(i) / static_cast<double>(k - 1));
  }
  return values;
}

// u diag(values) v^T with random orthonormal u (rows x k) and v (columns x k).
inline Matrix with_singular_values(int64_t rows, int64_t columns, const std::vector<double>& values,
                                   std::mt19937_64& engine) {
  const auto k = static_cast<int64_t>(values.size());
  Matrix u = random_orthonormal(rows, k, engine);
  const Matrix v = random_orthonormal(columns, k, engine);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t p = 0; p < k; ++p) u(i, p) *= values[static_cast<size_t>(p)];
  }
  return multiply(u, transpose(v));
}

inline Matrix scaled(Matrix a, double target_max) {
  double largest = 0.0;
  for (const double value : a.values) largest = std::max(largest, std::fabs(value));
  if (largest == 0.0) return a;
  for (double& value : a.values) value = value / largest * target_max;
  return a;
}

// The value stored in `dtype` (f32 rounds; f64 is exact).
inline double round_to(double value, DType dtype) {
  return dtype == DType::kF32 ? static_cast<double>(static_cast<float>(value)) : value;
}

inline Matrix rounded(Matrix a, DType dtype) {
  for (double& value : a.values) value = round_to(value, dtype);
  return a;
}

// A general rows x columns matrix of `type`, already rounded to `dtype`.
inline Matrix general_matrix(MatrixType type, int64_t rows, int64_t columns, DType dtype,
                             std::mt19937_64& engine) {
  const int64_t k = std::min(rows, columns);
  std::uniform_real_distribution<double> magnitude(0.5, 1.0);
  Matrix a(rows, columns);
  switch (type) {
    case MatrixType::kRandom:
      a = random_matrix(rows, columns, engine);
      break;
    case MatrixType::kDiagonal:
      for (int64_t i = 0; i < k; ++i) a(i, i) = (engine() & 1 ? 1.0 : -1.0) * magnitude(engine);
      break;
    case MatrixType::kUpperTriangular:
    case MatrixType::kLowerTriangular: {
      a = random_matrix(rows, columns, engine);
      const bool upper = type == MatrixType::kUpperTriangular;
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < columns; ++j) {
          if (upper ? j < i : j > i) a(i, j) = 0.0;
          // A dominant diagonal keeps the condition modest, as LAPACK's triangular types do.
          if (i == j) a(i, j) = (a(i, j) < 0 ? -1.0 : 1.0) * (2.0 + std::fabs(a(i, j)));
        }
      }
      break;
    }
    case MatrixType::kConditionTwo:
    case MatrixType::kConditionSqrt:
    case MatrixType::kConditionLarge:
      a = with_singular_values(rows, columns, geometric_values(k, type_condition(type, dtype)),
                               engine);
      break;
    case MatrixType::kNearUnderflow:
      a = scaled(random_matrix(rows, columns, engine), small_scale(dtype));
      break;
    case MatrixType::kNearOverflow:
      a = scaled(random_matrix(rows, columns, engine), large_scale(dtype));
      break;
    case MatrixType::kRankDeficient: {
      const int64_t rank = k / 2;
      a = multiply(gaussian_matrix(rows, rank, engine), gaussian_matrix(rank, columns, engine));
      break;
    }
    case MatrixType::kHilbert:
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < columns; ++j) a(i, j) = 1.0 / static_cast<double>(i + j + 1);
      }
      break;
  }
  return rounded(a, dtype);
}

// A symmetric n x n matrix of `type` (triangular types do not apply), rounded to `dtype`. With
// `positive_definite` every eigenvalue is positive (the rank-deficient type does not apply).
inline Matrix symmetric_matrix(MatrixType type, int64_t n, DType dtype, bool positive_definite,
                               std::mt19937_64& engine) {
  std::uniform_real_distribution<double> magnitude(0.5, 1.0);
  const auto with_eigenvalues = [&](std::vector<double> values) {
    if (!positive_definite) {
      for (double& value : values) value *= engine() & 1 ? 1.0 : -1.0;
    }
    const Matrix q = random_orthonormal(n, n, engine);
    Matrix scaled_q = q;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t p = 0; p < n; ++p) scaled_q(i, p) *= values[static_cast<size_t>(p)];
    }
    Matrix a = multiply(scaled_q, transpose(q));
    // Exactly symmetric before rounding, so the rounded matrix is symmetric too.
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < i; ++j) a(j, i) = a(i, j);
    }
    return a;
  };
  Matrix a(n, n);
  switch (type) {
    case MatrixType::kRandom:
      if (positive_definite) {
        std::vector<double> values(static_cast<size_t>(n));
        for (double& value : values) value = 1.0 + magnitude(engine);
        a = with_eigenvalues(values);
      } else {
        a = random_matrix(n, n, engine);
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t j = 0; j < i; ++j) a(j, i) = a(i, j);
        }
      }
      break;
    case MatrixType::kDiagonal:
      for (int64_t i = 0; i < n; ++i) {
        a(i, i) = (positive_definite || (engine() & 1) ? 1.0 : -1.0) * magnitude(engine);
      }
      break;
    case MatrixType::kConditionTwo:
    case MatrixType::kConditionSqrt:
    case MatrixType::kConditionLarge:
      a = with_eigenvalues(geometric_values(n, type_condition(type, dtype)));
      break;
    case MatrixType::kNearUnderflow:
    case MatrixType::kNearOverflow: {
      const double target =
          type == MatrixType::kNearUnderflow ? small_scale(dtype) : large_scale(dtype);
      a = scaled(
          symmetric_matrix(MatrixType::kConditionTwo, n, DType::kF64, positive_definite, engine),
          target);
      break;
    }
    case MatrixType::kRankDeficient: {
      const Matrix b = gaussian_matrix(n, n / 2, engine);
      a = multiply(b, transpose(b));
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < i; ++j) a(j, i) = a(i, j);
      }
      break;
    }
    case MatrixType::kHilbert:
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < n; ++j) a(i, j) = 1.0 / static_cast<double>(i + j + 1);
      }
      break;
    case MatrixType::kUpperTriangular:
    case MatrixType::kLowerTriangular:
      ADD_FAILURE() << "triangular types are not symmetric";
      break;
  }
  return rounded(a, dtype);
}

// ---- tensors ----------------------------------------------------------------------------------
// The matrices stacked into a contiguous [count, rows, columns] tensor of `dtype`.
inline Tensor stack(const std::vector<Matrix>& matrices, int64_t rows, int64_t columns,
                    DType dtype) {
  std::vector<double> values;
  values.reserve(matrices.size() * static_cast<size_t>(rows * columns));
  for (const Matrix& matrix : matrices) {
    values.insert(values.end(), matrix.values.begin(), matrix.values.end());
  }
  const Tensor wide =
      Tensor::from_vector(values, {static_cast<int64_t>(matrices.size()), rows, columns});
  return wide.to(dtype);
}

inline Tensor to_tensor(const Matrix& matrix, DType dtype) {
  return Tensor::from_vector(matrix.values, {matrix.rows, matrix.columns}).to(dtype);
}

// Every matrix of a [..., rows, columns] tensor, read through element_at (independent of the
// library's copies), in row-major order over the batch.
inline std::vector<Matrix> unstack(const Tensor& tensor) {
  const int64_t rows = tensor.size(-2);
  const int64_t columns = tensor.size(-1);
  const std::vector<double> values = elements(tensor);
  const int64_t per_matrix = rows * columns;
  int64_t count = 1;
  for (int d = 0; d < tensor.rank() - 2; ++d) count *= tensor.size(d);
  std::vector<Matrix> matrices;
  for (int64_t index = 0; index < count; ++index) {
    Matrix matrix(rows, columns);
    std::copy(values.begin() + index * per_matrix, values.begin() + (index + 1) * per_matrix,
              matrix.values.begin());
    matrices.push_back(std::move(matrix));
  }
  return matrices;
}

// The vectors of a [..., length] tensor, in row-major order over the batch.
inline std::vector<std::vector<double>> unstack_vectors(const Tensor& tensor) {
  const int64_t length = tensor.size(-1);
  const std::vector<double> values = elements(tensor);
  int64_t count = 1;
  for (int d = 0; d < tensor.rank() - 1; ++d) count *= tensor.size(d);
  std::vector<std::vector<double>> vectors;
  for (int64_t index = 0; index < count; ++index) {
    vectors.emplace_back(values.begin() + index * length, values.begin() + (index + 1) * length);
  }
  return vectors;
}

// The size list of the tests (docs/TESTING.md, "Test patterns"), with how many random matrices
// each gets: 100 up to 64; 6 at 200 and 2 at 257, whose O(n^3) reference checks in plain loops
// would otherwise dominate the run (ASan included).
struct SizeCount {
  int64_t size;
  int64_t count;
};
inline const std::vector<SizeCount>& random_sizes() {
  static const std::vector<SizeCount> sizes = {{0, 100},  {1, 100},  {2, 100},  {3, 100},
                                               {5, 100},  {10, 100}, {17, 100}, {50, 100},
                                               {64, 100}, {200, 6},  {257, 2}};
  return sizes;
}

// Shapes per size n: square, tall (more rows) and wide (more columns).
struct MatrixShape {
  int64_t rows;
  int64_t columns;
};
inline std::vector<MatrixShape> shapes_for(int64_t n) {
  const int64_t longer = n + n / 2 + 1;
  return {{n, n}, {longer, n}, {n, longer}};
}

// Two seeds for the random-matrix tests: a fixed one and one drawn from the clock (both printed on
// failure through SCOPED_TRACE(seed_trace(seed))); each generates half of a size's matrices.
inline std::vector<uint64_t> two_seeds() {
  const std::vector<uint64_t> seeds = test_seeds();
  return {seeds.front(), seeds[3]};
}

inline std::vector<Matrix> random_batch(int64_t count, int64_t rows, int64_t columns, DType dtype,
                                        std::mt19937_64& engine) {
  std::vector<Matrix> matrices;
  for (int64_t index = 0; index < count; ++index) {
    matrices.push_back(rounded(random_matrix(rows, columns, engine), dtype));
  }
  return matrices;
}

// The worst ratio seen by a test, printed at its end so that runs report their margins.
class WorstRatio {
 public:
  explicit WorstRatio(std::string what) : what_(std::move(what)) {}
  ~WorstRatio() { std::printf("[ ratio    ] %s: worst %.3g\n", what_.c_str(), worst_); }
  void record(double ratio) { worst_ = std::max(worst_, ratio); }

 private:
  std::string what_;
  double worst_ = 0.0;
};

}  // namespace bitnet::testing::linalg_reference

// linalg::lstsq checked as LAPACK's xDRVLS does: for overdetermined systems the residual is
// orthogonal to range(A), ||A^T (B - A X)|| / (max(m,n,k) ||A|| ||B|| eps); consistent systems
// have ||B - A X|| / (max(m,n,k) ||A|| ||X|| eps); underdetermined and rank-deficient solutions
// have minimum norm (X in the row space of A); all below 30. Over 100 random matrices per size
// (fewer at 200 and 257), tall, square and wide, f32 and f64, in batches; LAPACK's matrix types;
// known solutions; rank and rcond; residuals; vector b, broadcast batches, layouts; empty shapes;
// errors by message.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/linalg_reference.h"
#include "support/linalg_test_support.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using namespace testing::linalg_reference;

constexpr int64_t kColumns = 3;  // right-hand sides per system

// max(m, n, k), at least 1.
double scale_of(const Matrix& a, const Matrix& b) {
  return static_cast<double>(std::max({a.rows, a.columns, b.columns, int64_t{1}}));
}

// ||A^T (B - A X)||_1 / (max(m,n,k) ||A||_1 ||B||_1 eps): the normal equations hold.
double normal_equations_ratio(const Matrix& a, const Matrix& x, const Matrix& b, DType dtype) {
  const double a_norm = one_norm(a);
  const double b_norm = one_norm(b);
  if (a_norm == 0.0 || b_norm == 0.0) return 0.0;
  const Matrix gradient = multiply(transpose(a), subtract(b, multiply(a, x)));
  return one_norm(gradient) / a_norm / b_norm / scale_of(a, b) / epsilon(dtype);
}

// ||B - A X||_1 / (max(m,n,k) ||A||_1 ||X||_1 eps), for consistent systems.
double consistent_ratio(const Matrix& a, const Matrix& x, const Matrix& b, DType dtype) {
  const double a_norm = one_norm(a);
  const double x_norm = one_norm(x);
  if (a_norm == 0.0 || x_norm == 0.0) return one_norm(b) == 0.0 ? 0.0 : 1.0 / epsilon(dtype);
  return one_norm(subtract(b, multiply(a, x))) / a_norm / x_norm / scale_of(a, b) / epsilon(dtype);
}

// ||X - P X||_1 / (||X||_1 max(m,n) cond eps), P the projector onto the row space of `rows` (full
// row rank), built from an orthonormal basis: a minimum-norm solution has no part outside it.
double row_space_ratio(const Matrix& rows, const Matrix& x, double condition, DType dtype) {
  const double x_norm = one_norm(x);
  if (x_norm == 0.0) return 0.0;
  const Matrix basis = orthonormal_basis(transpose(rows));
  const Matrix projected = multiply(basis, multiply(transpose(basis), x));
  return one_norm(subtract(x, projected)) / x_norm /
         static_cast<double>(std::max(rows.rows, rows.columns)) / condition / epsilon(dtype);
}

struct Solved {
  std::vector<Matrix> x;
  std::vector<double> ranks;
  std::vector<std::vector<double>> singular_values;
  linalg::LstsqResult result;
};

Solved solve_batch(const std::vector<Matrix>& a, const std::vector<Matrix>& b, DType dtype,
                   std::optional<double> rcond = std::nullopt) {
  const int64_t m = a.front().rows;
  const int64_t n = a.front().columns;
  Solved solved;
  solved.result =
      linalg::lstsq(stack(a, m, n, dtype), stack(b, m, b.front().columns, dtype), rcond);
  solved.x = unstack(solved.result.solution);
  solved.ranks = elements(solved.result.rank);
  solved.singular_values = unstack_vectors(solved.result.singular_values);
  return solved;
}

TEST(LinalgLstsq, RandomSystemsOfEverySizeAndShape) {
  WorstRatio worst("lstsq random");
  for_each_random_shape(
      [&](int64_t, const MatrixShape& shape, int64_t count, DType dtype, std::mt19937_64& engine) {
        const int64_t m = shape.rows;
        const int64_t n = shape.columns;
        const std::vector<Matrix> a = random_batch(count, m, n, dtype, engine);
        // Overdetermined systems get arbitrary b; the others consistent ones.
        std::vector<Matrix> b;
        for (const Matrix& matrix : a) {
          b.push_back(m > n ? rounded(random_matrix(m, kColumns, engine), dtype)
                            : rounded(multiply(matrix, random_matrix(n, kColumns, engine)), dtype));
        }
        const Solved solved = solve_batch(a, b, dtype);
        ASSERT_EQ(solved.result.solution.shape(), Shape({count, n, kColumns}));
        const bool full_rank = m > n;
        if (full_rank) {
          ASSERT_EQ(solved.result.residuals.shape(), Shape({count, kColumns}));
        } else {
          ASSERT_EQ(solved.result.residuals.shape(), Shape({0}));
        }
        const std::vector<Matrix> residuals =
            full_rank ? unstack(solved.result.residuals.unsqueeze(-2)) : std::vector<Matrix>{};
        const Tensor svdvals = linalg::svdvals(stack(a, m, n, dtype));
        const std::vector<std::vector<double>> expected_values = unstack_vectors(svdvals);
        for (size_t index = 0; index < a.size(); ++index) {
          SCOPED_TRACE("matrix " + std::to_string(index));
          const Matrix& x = solved.x[index];
          // A random square draw is now and then numerically rank deficient (its smallest
          // singular value under rcond * s_max: about 1 % of 200 x 200 f32 matrices). The rank
          // is then what svdvals (another SVD) says, and the full-rank checks below do not apply;
          // a value within a factor of 2 of the threshold could fall either way between the two
          // algorithms, so such a draw is left out.
          const std::vector<double>& values = expected_values[index];
          const double threshold = epsilon(dtype) * static_cast<double>(std::max(m, n)) *
                                   (values.empty() ? 0.0 : values.front());
          const auto expected_rank = static_cast<double>(
              std::count_if(values.begin(), values.end(), [&](double v) { return v > threshold; }));
          if (std::any_of(values.begin(), values.end(),
                          [&](double v) { return v > threshold / 2 && v < threshold * 2; })) {
            continue;
          }
          EXPECT_EQ(solved.ranks[index], expected_rank);
          if (expected_rank < static_cast<double>(std::min(m, n))) continue;
          double ratio = normal_equations_ratio(a[index], x, b[index], dtype);
          if (m <= n) {
            ratio = std::max(ratio, consistent_ratio(a[index], x, b[index], dtype));
            // Minimum norm: x lies in the row space of a (full row rank here; all of the space
            // when a is square).
            const std::vector<double>& s = solved.singular_values[index];
            if (m < n && !s.empty()) {
              ratio = std::max(ratio, row_space_ratio(a[index], x, s.front() / s.back(), dtype));
            }
          }
          if (full_rank) {
            // The reported residuals are ||b - a x||^2 per column.
            const Matrix r = subtract(b[index], multiply(a[index], x));
            for (int64_t column = 0; column < kColumns; ++column) {
              double squares = 0.0;
              double b_squares = 0.0;
              for (int64_t i = 0; i < m; ++i) {
                squares += r(i, column) * r(i, column);
                b_squares += b[index](i, column) * b[index](i, column);
              }
              const double error = std::fabs(residuals[index](0, column) - squares) /
                                   (static_cast<double>(m) * epsilon(dtype) * b_squares);
              ratio = std::max(ratio, error);
            }
          }
          // ?gelsd's singular values against svdvals' (another algorithm), as LAPACK's SVD
          // tests compare values: |S1 - S2| / (min(m,n) eps S1_max).
          const std::vector<double>& s = solved.singular_values[index];
          for (size_t i = 0; i < s.size(); ++i) {
            ratio = std::max(ratio, std::fabs(s[i] - expected_values[index][i]) /
                                        (static_cast<double>(s.size()) * epsilon(dtype) *
                                         expected_values[index][0]));
          }
          worst.record(ratio);
          EXPECT_LT(ratio, kThreshold);
        }
      });
}

TEST(LinalgLstsq, LapackMatrixTypesWithKnownSolutions) {
  WorstRatio worst("lstsq matrix types");
  for_each_matrix_type(all_types(), [&](MatrixType type, int64_t size, DType dtype,
                                        std::mt19937_64& engine) {
    for (const MatrixShape& shape : shapes_for(size)) {
      SCOPED_TRACE(fmt::format("{}x{}", shape.rows, shape.columns));
      const int64_t m = shape.rows;
      const int64_t n = shape.columns;
      std::vector<Matrix> a;
      std::vector<Matrix> x_true;
      std::vector<Matrix> b;
      for (int i = 0; i < 2; ++i) {
        a.push_back(general_matrix(type, m, n, dtype, engine));
        x_true.push_back(random_matrix(n, kColumns, engine));
        b.push_back(rounded(multiply(a.back(), x_true.back()), dtype));
      }
      const Solved solved = solve_batch(a, b, dtype);
      for (size_t index = 0; index < a.size(); ++index) {
        // Every system here is consistent, so the residual ratio applies to all of them;
        // the Hilbert and 0.1/eps types lose accuracy in x, not in a x.
        double ratio = consistent_ratio(a[index], solved.x[index], b[index], dtype);
        const bool conditioned =
            type == MatrixType::kConditionTwo || type == MatrixType::kConditionSqrt;
        if (conditioned && m >= n) {
          // Full column rank and a known condition: x itself is accurate to cond eps.
          const double condition = type_condition(type, dtype);
          ratio = std::max(
              ratio, one_norm(subtract(solved.x[index], x_true[index])) / one_norm(x_true[index]) /
                         static_cast<double>(std::max(m, n)) / condition / epsilon(dtype));
        }
        worst.record(ratio);
        EXPECT_LT(ratio, kThreshold) << "matrix " << index;
      }
    }
  });
}

TEST(LinalgLstsq, RankDeficientSolutionsHaveMinimumNorm) {
  WorstRatio worst("lstsq rank-deficient");
  std::mt19937_64 engine(61);
  for (const DType dtype : kDTypes) {
    for (const MatrixShape& shape : {MatrixShape{12, 9}, MatrixShape{9, 12}, MatrixShape{10, 10}}) {
      SCOPED_TRACE(fmt::format("{}x{} {}", shape.rows, shape.columns, dtype_name(dtype)));
      const int64_t rank = 4;
      const Matrix left = gaussian_matrix(shape.rows, rank, engine);
      const Matrix right = gaussian_matrix(rank, shape.columns, engine);
      const Matrix a = rounded(multiply(left, right), dtype);
      const Matrix b = rounded(random_matrix(shape.rows, kColumns, engine), dtype);
      const Solved solved = solve_batch({a}, {b}, dtype);
      EXPECT_EQ(solved.ranks[0], static_cast<double>(rank));
      EXPECT_EQ(solved.result.residuals.shape(), Shape({0}));
      const std::vector<double>& s = solved.singular_values[0];
      const double ratio = std::max(normal_equations_ratio(a, solved.x[0], b, dtype),
                                    row_space_ratio(right, solved.x[0], s[0] / s[rank - 1], dtype));
      worst.record(ratio);
      EXPECT_LT(ratio, kThreshold);
    }
  }
}

TEST(LinalgLstsq, RcondDecidesTheRank) {
  // diag(1, 1e-3, 1e-6) x = [1, 1, 1]: with rcond 1e-4 the last direction counts as zero.
  const Tensor a =
      Tensor::from_vector(std::vector<double>{1, 0, 0, 0, 1e-3, 0, 0, 0, 1e-6}, {3, 3});
  const Tensor b = Tensor::ones({3}, DType::kF64);
  const linalg::LstsqResult truncated = linalg::lstsq(a, b, 1e-4);
  EXPECT_EQ(truncated.rank.item(), 2.0);
  testing::expect_close(elements(truncated.solution), {1.0, 1e3, 0.0}, 1e-12, 1e-12, "rcond 1e-4");
  const linalg::LstsqResult full = linalg::lstsq(a, b);
  EXPECT_EQ(full.rank.item(), 3.0);
  testing::expect_close(elements(full.solution), {1.0, 1e3, 1e6}, 1e-12, 0, "default rcond");
  testing::expect_close(elements(full.singular_values), {1.0, 1e-3, 1e-6}, 1e-15, 0, "s");
  EXPECT_BITNET_ERROR(linalg::lstsq(a, b, std::nan("")), "lstsq: rcond is NaN");
}

TEST(LinalgLstsq, KnownSolutionVectorAndBroadcastBatches) {
  // The least-squares line through (0, 1), (1, 3), (2, 5), (3, 7.5) is y = 2.15 x + 0.9:
  // [slope, intercept] from [[0,1],[1,1],[2,1],[3,1]] against [1, 3, 5, 7.5].
  const Tensor a = Tensor::from_vector(std::vector<double>{0, 1, 1, 1, 2, 1, 3, 1}, {4, 2});
  const Tensor b = Tensor::from_vector(std::vector<double>{1, 3, 5, 7.5}, {4});
  const linalg::LstsqResult fit = linalg::lstsq(a, b);
  ASSERT_EQ(fit.solution.shape(), Shape({2}));
  testing::expect_close(elements(fit.solution), {2.15, 0.9}, 1e-14, 1e-14, "line fit");
  ASSERT_EQ(fit.residuals.shape(), Shape({}));
  // Residuals: (1-0.9)^2 + (3-3.05)^2 + (5-5.2)^2 + (7.5-7.35)^2 = 0.075.
  EXPECT_NEAR(fit.residuals.item(), 0.075, 1e-14);
  EXPECT_EQ(fit.rank.shape(), Shape({}));
  // a [2, 1, 5, 3] against b [4, 5, 2]: solution [2, 4, 3, 2], each the lstsq of its own pair.
  const Tensor batch_a = testing::random_tensor({2, 1, 5, 3}, DType::kF64, 3);
  const Tensor batch_b = testing::random_tensor({4, 5, 2}, DType::kF64, 4, "transposed");
  const linalg::LstsqResult batched = linalg::lstsq(batch_a, batch_b);
  ASSERT_EQ(batched.solution.shape(), Shape({2, 4, 3, 2}));
  ASSERT_EQ(batched.residuals.shape(), Shape({2, 4, 2}));
  ASSERT_EQ(batched.rank.shape(), Shape({2, 4}));
  ASSERT_EQ(batched.singular_values.shape(), Shape({2, 4, 3}));
  const linalg::LstsqResult single =
      linalg::lstsq(batch_a.select(0, 1).select(0, 0), batch_b.select(0, 2));
  testing::expect_same_values(elements(batched.solution.select(0, 1).select(0, 2)),
                              elements(single.solution), "broadcast pair");
  testing::expect_same_values(elements(batched.residuals.select(0, 1).select(0, 2)),
                              elements(single.residuals), "broadcast residuals");
  // Non-contiguous a gives the same answer as its contiguous copy.
  for (const std::string& layout : testing::layouts()) {
    const Tensor strided = testing::random_tensor({3, 6, 4}, DType::kF32, 5, layout);
    const Tensor rhs = testing::random_tensor({3, 6, 2}, DType::kF32, 6, layout);
    testing::expect_same_values(
        elements(linalg::lstsq(strided, rhs).solution),
        elements(linalg::lstsq(strided.contiguous(), rhs.contiguous()).solution), layout);
  }
}

TEST(LinalgLstsq, EmptyShapes) {
  // No rows: the minimum-norm solution is zero.
  const linalg::LstsqResult no_rows =
      linalg::lstsq(Tensor::zeros({0, 3}, DType::kF64), Tensor::zeros({0, 2}, DType::kF64));
  ASSERT_EQ(no_rows.solution.shape(), Shape({3, 2}));
  testing::expect_same_values(elements(no_rows.solution), std::vector<double>(6, 0.0), "zeros");
  EXPECT_EQ(no_rows.rank.item(), 0.0);
  // No columns: x is empty and the residual is all of b.
  const linalg::LstsqResult no_columns = linalg::lstsq(
      Tensor::zeros({3, 0}, DType::kF64), Tensor::from_vector(std::vector<double>{1, 2, 2}, {3}));
  ASSERT_EQ(no_columns.solution.shape(), Shape({0}));
  EXPECT_EQ(no_columns.residuals.item(), 9.0);
  EXPECT_EQ(linalg::lstsq(Tensor::zeros({0, 4, 3}, DType::kF32), Tensor::zeros({4}, DType::kF32))
                .solution.shape(),
            Shape({0, 3}));
}

TEST(LinalgLstsq, ErrorsNameTheProblem) {
  EXPECT_BITNET_ERROR(
      linalg::lstsq(Tensor::ones({4, 2}, DType::kF64), Tensor::ones({3}, DType::kF64)),
      "lstsq: a is [4,2] f64 and b is [3] f64; b needs 4 rows (a's m), not 3");
  EXPECT_BITNET_ERROR(
      linalg::lstsq(Tensor::ones({4, 2}, DType::kF32), Tensor::ones({4}, DType::kF64)),
      "lstsq: a is [4,2] f32 but b is [4] f64; cast them to one dtype");
  EXPECT_BITNET_ERROR(linalg::lstsq(Tensor::ones({4, 2}, DType::kF64), Tensor{}),
                      "lstsq: b is undefined");
  Tensor b_nan = Tensor::ones({4, 1}, DType::kF64).contiguous();
  b_nan.data_as<double>()[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_BITNET_ERROR(linalg::lstsq(Tensor::ones({4, 2}, DType::kF64), b_nan),
                      "lstsq: b [4,1] f64 contains NaN or Inf");
}

}  // namespace
}  // namespace bitnet

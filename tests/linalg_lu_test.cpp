// linalg::lu, solve and lu_solve checked as LAPACK's xGET01 / xGET02 / xGET04 do:
// ||P A - L U|| / (n ||A|| eps), ||B - A X|| / (||A|| ||X|| eps) per column, and for matrices of
// known condition ||X - X_true|| / (||X_true|| cond_1 eps), all below 30; over 100 random matrices
// per size (fewer at 200 and 257), square, tall and wide for lu, f32 and f64, in batches; LAPACK's
// matrix types; vector right-hand sides, broadcast batches, layouts; singular matrices and the
// other error exits by message. Every order of the small kernels (linalg/small_lu.h) and just past
// them, in batches of 50, with one and three right-hand sides, and an exactly zero pivot at a
// known place (linalg_small_lu_test compares the kernels with LAPACK).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "linalg/small_lu.h"
#include "support/linalg_reference.h"
#include "support/linalg_test_support.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using namespace testing::linalg_reference;

// Factors the batch a (matrices of one shape, at least one) with linalg::lu and checks the factors
// of each.
void check_lu_batch(const std::vector<Matrix>& a, DType dtype, WorstRatio& worst) {
  const linalg::LuResult result = linalg::lu(stack(a, a.front().rows, a.front().columns, dtype));
  ASSERT_EQ(result.lu.dtype(), dtype);
  ASSERT_EQ(result.pivots.dtype(), DType::kI64);
  const std::vector<Matrix> packed = unstack(result.lu);
  const std::vector<std::vector<double>> pivots = unstack_vectors(result.pivots);
  ASSERT_EQ(packed.size(), a.size());
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    const std::vector<int64_t> swaps(pivots[index].begin(), pivots[index].end());
    check_lu_factors(a[index], packed[index], swaps, dtype, worst);
  }
}

// b = a x_true, computed in double and rounded to the dtype.
Matrix right_hand_side(const Matrix& a, const Matrix& x_true, DType dtype) {
  return rounded(multiply(a, x_true), dtype);
}

// Solves a x = b for the batch a (a_tensor, factored in `factors`) with k random right-hand sides
// b = a x_true, through solve and lu_solve: ||B - A X|| / (||A|| ||X|| eps) below 30 for both.
void check_random_systems(const std::vector<Matrix>& a, const Tensor& a_tensor,
                          const linalg::LuResult& factors, int64_t k, DType dtype,
                          std::mt19937_64& engine, WorstRatio& worst) {
  const int64_t n = a_tensor.size(-1);
  std::vector<Matrix> b;
  for (const Matrix& matrix : a) {
    b.push_back(right_hand_side(matrix, random_matrix(n, k, engine), dtype));
  }
  const Tensor b_tensor = stack(b, n, k, dtype);
  const std::vector<Matrix> x = unstack(linalg::solve(a_tensor, b_tensor));
  const std::vector<Matrix> x_lu = unstack(linalg::lu_solve(factors, b_tensor));
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    const double ratio = solve_ratio(a[index], x[index], b[index], dtype);
    const double lu_ratio = solve_ratio(a[index], x_lu[index], b[index], dtype);
    worst.record(std::max(ratio, lu_ratio));
    EXPECT_LT(ratio, kThreshold) << "solve: ||B - A X|| ratio";
    EXPECT_LT(lu_ratio, kThreshold) << "lu_solve: ||B - A X|| ratio";
  }
}

TEST(LinalgLu, RandomMatricesOfEverySizeAndShape) {
  WorstRatio worst("lu random");
  for_each_random_shape(
      [&](int64_t, const MatrixShape& shape, int64_t count, DType dtype, std::mt19937_64& engine) {
        check_lu_batch(random_batch(count, shape.rows, shape.columns, dtype, engine), dtype, worst);
      });
}

TEST(LinalgLu, SolveAndLuSolveRandomSystemsOfEverySize) {
  WorstRatio worst("solve random");
  for_each_random_size([&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    const std::vector<Matrix> a = random_batch(count, n, n, dtype, engine);
    const Tensor a_tensor = stack(a, n, n, dtype);
    check_random_systems(a, a_tensor, linalg::lu(a_tensor), 3, dtype, engine, worst);
  });
}

// Matrices up to kSmallLuOrder rows and columns go through our own kernels, split over the
// threads; larger ones (the next orders, and the tall and wide shapes past the cutoff) through
// LAPACK.
TEST(LinalgLu, EveryOrderOfTheSmallKernelsInBatches) {
  WorstRatio worst("lu/solve small orders");
  const auto check = [&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    for (const MatrixShape& shape : shapes_for(n)) {
      check_lu_batch(random_batch(count, shape.rows, shape.columns, dtype, engine), dtype, worst);
    }
    const std::vector<Matrix> a = random_batch(count, n, n, dtype, engine);
    const Tensor a_tensor = stack(a, n, n, dtype);
    const linalg::LuResult factors = linalg::lu(a_tensor);
    for (const int64_t k : {1, 3}) {
      SCOPED_TRACE(fmt::format("{} right-hand sides", k));
      check_random_systems(a, a_tensor, factors, k, dtype, engine, worst);
    }
  };
  for_each_order(two_seeds(), 0, linalg::detail::kSmallLuOrder + 2, 50, check);
}

TEST(LinalgLu, SmallKernelsReportTheZeroPivotInBatches) {
  const auto check = [](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    for (const int64_t column : {int64_t{0}, n / 2, n - 1}) {
      SCOPED_TRACE(fmt::format("zero column {}", column));
      // Rows that are zero in this column keep it zero through the elimination: U[column,
      // column] is exactly zero, the pivots before it are not.
      std::vector<Matrix> a = random_batch(count, n, n, dtype, engine);
      for (int64_t i = 0; i < n; ++i) a[23](i, column) = 0.0;
      const Tensor a_tensor = stack(a, n, n, dtype);
      const Tensor b = Tensor::ones({count, n, 1}, dtype);
      EXPECT_BITNET_ERROR(
          linalg::solve(a_tensor, b),
          fmt::format("solve: a [{},{},{}] {} is singular: pivot {} of its LU factorisation is "
                      "exactly zero (matrix 23 of the batch)",
                      count, n, n, dtype_name(dtype), column));
      // lu() completes the factorisation without an error; lu_solve() refuses it.
      const linalg::LuResult factors = linalg::lu(a_tensor);
      EXPECT_EQ(unstack(factors.lu)[23](column, column), 0.0);
      EXPECT_BITNET_ERROR(
          linalg::lu_solve(factors, b),
          fmt::format("lu_solve: lu [{},{},{}] {} is singular: U[{},{}] is exactly zero (matrix "
                      "23 of the batch)",
                      count, n, n, dtype_name(dtype), column, column));
    }
  };
  for_each_order({testing::test_seeds()[3]}, 1, linalg::detail::kSmallLuOrder + 1, 50, check);
}

TEST(LinalgLu, LapackMatrixTypes) {
  WorstRatio worst("lu/solve matrix types");
  for_each_matrix_type(
      all_types(), [&](MatrixType type, int64_t n, DType dtype, std::mt19937_64& engine) {
        for (const MatrixShape& shape : shapes_for(n)) {
          check_lu_batch(general_batch(3, type, shape.rows, shape.columns, dtype, engine), dtype,
                         worst);
        }
        // Solve needs a non-singular matrix: rank-deficient ones are the singular error tests', and
        // the Hilbert matrix past the dtype's precision is singular in it.
        if (type == MatrixType::kRankDeficient || hilbert_past_precision(type, n, dtype)) return;
        const Matrix a = general_matrix(type, n, n, dtype, engine);
        Matrix x_true = random_matrix(n, 2, engine);
        // Scale the solution so that b stays in range for the scaled types.
        const Matrix b = right_hand_side(a, x_true, dtype);
        const Matrix x = unstack(linalg::solve(to_tensor(a, dtype), to_tensor(b, dtype)))[0];
        const double ratio = solve_ratio(a, x, b, dtype);
        worst.record(ratio);
        EXPECT_LT(ratio, kThreshold) << "||B - A X|| ratio";
        if (conditioned_type(type) || type == MatrixType::kDiagonal) {
          // A known condition: b was rounded to the dtype, so x_true solves a nearby system:
          // compare with the exact solution of the rounded one.
          const Matrix exact = reference_solve(a, b);
          const double forward = forward_ratio(a, x, exact, dtype);
          worst.record(forward);
          EXPECT_LT(forward, kThreshold) << "||X - X_true|| / (||X_true|| cond eps)";
        }
      });
}

TEST(LinalgLu, KnownSolutionsVectorsAndBroadcastBatches) {
  // [[2, 1], [1, 3]] x = [3, 5] has x = [0.8, 1.4].
  for (const DType dtype : kDTypes) {
    const Tensor a = Tensor::from_vector(std::vector<double>{2, 1, 1, 3}, {2, 2}).to(dtype);
    const Tensor b = Tensor::from_vector(std::vector<double>{3, 5}, {2}).to(dtype);
    const Tensor x = linalg::solve(a, b);
    ASSERT_EQ(x.shape(), Shape({2}));
    testing::expect_close(elements(x), {0.8, 1.4}, 4 * epsilon(dtype), 0, "vector solve");
    testing::expect_close(elements(linalg::lu_solve(linalg::lu(a), b)), {0.8, 1.4},
                          4 * epsilon(dtype), 0, "vector lu_solve");
  }
  // a [2, 1, 4, 4] against b [3, 4, 2]: x is [2, 3, 4, 2], each the solve of its own pair.
  std::mt19937_64 engine(41);
  const std::vector<Matrix> a = random_batch(2, 4, 4, DType::kF64, engine);
  const std::vector<Matrix> b = random_batch(3, 4, 2, DType::kF64, engine);
  const Tensor x =
      linalg::solve(stack(a, 4, 4, DType::kF64).view({2, 1, 4, 4}), stack(b, 4, 2, DType::kF64));
  ASSERT_EQ(x.shape(), Shape({2, 3, 4, 2}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      const Matrix solution = unstack(x.select(0, i).select(0, j).unsqueeze(0))[0];
      EXPECT_LT(solve_ratio(a[i], solution, b[j], DType::kF64), kThreshold);
    }
  }
  // A vector b against a batch of matrices: x is [batch, n].
  const Tensor vector_b = testing::random_tensor({4}, DType::kF64, 3);
  const Tensor batched = linalg::solve(stack(a, 4, 4, DType::kF64), vector_b);
  ASSERT_EQ(batched.shape(), Shape({2, 4}));
  testing::expect_same_values(elements(batched.select(0, 1)),
                              elements(linalg::solve(to_tensor(a[1], DType::kF64), vector_b)),
                              "vector b broadcast");
}

TEST(LinalgLu, NonContiguousInputsGiveTheSameResults) {
  for (const std::string& layout : testing::layouts()) {
    for (const DType dtype : kDTypes) {
      SCOPED_TRACE(layout + " " + std::string(dtype_name(dtype)));
      const Tensor a = testing::random_tensor({3, 5, 5}, dtype, 5, layout);
      const Tensor b = testing::random_tensor({3, 5, 4}, dtype, 6, layout);
      testing::expect_same_values(elements(linalg::solve(a, b)),
                                  elements(linalg::solve(a.contiguous(), b.contiguous())), "solve");
      const linalg::LuResult strided = linalg::lu(a);
      const linalg::LuResult contiguous = linalg::lu(a.contiguous());
      testing::expect_same_values(elements(strided.lu), elements(contiguous.lu), "lu");
      testing::expect_same_values(elements(strided.pivots), elements(contiguous.pivots), "pivots");
      // lu_solve with non-contiguous factors.
      const linalg::LuResult transposed_copy{
          contiguous.lu.transpose(1, 2).contiguous().transpose(1, 2), contiguous.pivots};
      testing::expect_same_values(elements(linalg::lu_solve(transposed_copy, b)),
                                  elements(linalg::lu_solve(contiguous, b.contiguous())),
                                  "lu_solve");
    }
  }
}

TEST(LinalgLu, EmptyShapes) {
  const linalg::LuResult empty = linalg::lu(Tensor::zeros({0, 3}, DType::kF64));
  EXPECT_EQ(empty.lu.shape(), Shape({0, 3}));
  EXPECT_EQ(empty.pivots.shape(), Shape({0}));
  EXPECT_EQ(
      linalg::solve(Tensor::zeros({0, 0}, DType::kF32), Tensor::zeros({0}, DType::kF32)).shape(),
      Shape({0}));
  EXPECT_EQ(linalg::solve(Tensor::ones({2, 2, 2}, DType::kF64), Tensor::zeros({2, 0}, DType::kF64))
                .shape(),
            Shape({2, 2, 0}));
  EXPECT_EQ(
      linalg::solve(Tensor::ones({0, 3, 3}, DType::kF64), Tensor::zeros({3}, DType::kF64)).shape(),
      Shape({0, 3}));
}

TEST(LinalgLu, SingularMatricesAndOtherErrors) {
  const Tensor singular = Tensor::from_vector(std::vector<double>{1, 2, 2, 4}, {2, 2});
  const Tensor b = Tensor::ones({2}, DType::kF64);
  EXPECT_BITNET_ERROR(linalg::solve(singular, b),
                      "solve: a [2,2] f64 is singular: pivot 1 of its LU factorisation is exactly "
                      "zero");
  const Tensor batch = Tensor::from_vector(std::vector<double>{1, 0, 0, 1, 0, 0, 0, 0}, {2, 2, 2});
  EXPECT_BITNET_ERROR(linalg::solve(batch, b),
                      "pivot 0 of its LU factorisation is exactly zero (matrix 1 of the batch)");
  // lu() factors a singular matrix without complaint; lu_solve refuses it.
  const linalg::LuResult factors = linalg::lu(singular);
  EXPECT_BITNET_ERROR(linalg::lu_solve(factors, b),
                      "lu_solve: lu [2,2] f64 is singular: U[1,1] is exactly zero");
  const linalg::LuResult good =
      linalg::lu(Tensor::ones({3, 3}, DType::kF64) +
                 Tensor::from_vector(std::vector<double>{1, 0, 0, 0, 2, 0, 0, 0, 3}, {3, 3}));
  EXPECT_BITNET_ERROR(
      linalg::lu_solve({good.lu, Tensor::from_vector(std::vector<int64_t>{0, 5, 2}, {3})},
                       Tensor::ones({3}, DType::kF64)),
      "lu_solve: pivots[1] is 5, outside [0, 3)");
  EXPECT_BITNET_ERROR(
      linalg::lu_solve({good.lu, Tensor::from_vector(std::vector<int64_t>{-1, 1, 2}, {3})},
                       Tensor::ones({3}, DType::kF64)),
      "lu_solve: pivots[0] is -1, outside [0, 3)");
  EXPECT_BITNET_ERROR(
      linalg::lu_solve({good.lu, good.pivots.to(DType::kI32)}, Tensor::ones({3}, DType::kF64)),
      "lu_solve: pivots are [3] i32; lu [3,3] f64 needs i64 pivots of shape [3]");
  EXPECT_BITNET_ERROR(
      linalg::solve(Tensor::ones({3, 3}, DType::kF64), Tensor::ones({4}, DType::kF64)),
      "solve: a is [3,3] f64 and b is [4] f64; b needs 3 rows (a's m), not 4");
  EXPECT_BITNET_ERROR(
      linalg::solve(Tensor::ones({3, 3}, DType::kF64), Tensor::ones({3}, DType::kF32)),
      "solve: a is [3,3] f64 but b is [3] f32; cast them to one dtype");
  EXPECT_BITNET_ERROR(
      linalg::solve(Tensor::ones({2, 3}, DType::kF64), Tensor::ones({2}, DType::kF64)),
      "solve: a is [2,3] f64; expected square matrices, got 2 x 3");
  EXPECT_BITNET_ERROR(
      linalg::solve(Tensor::ones({2, 3, 3}, DType::kF64), Tensor::ones({4, 3, 1}, DType::kF64)),
      "solve");
  Tensor b_nan = Tensor::ones({2}, DType::kF64).contiguous();
  b_nan.data_as<double>()[1] = std::numeric_limits<double>::infinity();
  EXPECT_BITNET_ERROR(
      linalg::solve(Tensor::from_vector(std::vector<double>{2, 1, 1, 2}, {2, 2}), b_nan),
      "solve: b [2] f64 contains NaN or Inf");
  EXPECT_BITNET_ERROR(linalg::lu(Tensor::ones({3}, DType::kF64)), "lu: a is [3] f64");
}

}  // namespace
}  // namespace bitnet

// linalg::inverse checked as LAPACK's xGET03 does: ||I - A A^-1|| / (n ||A|| ||A^-1|| eps) below
// 30, over 100 random matrices per size (fewer at 200 and 257), f32 and f64, in batches; LAPACK's
// matrix types (triangular inverses stay triangular, diagonal ones are exact reciprocals); layouts;
// empty shapes; singular matrices and the other error exits by message. Every order of the small
// LU kernels (linalg/small_lu.h) and just past them, in batches of 50, and an exactly zero pivot at
// a known place.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
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

void check_batch(const std::vector<Matrix>& a, const Tensor& inverse, DType dtype,
                 WorstRatio& worst) {
  ASSERT_EQ(inverse.dtype(), dtype);
  const std::vector<Matrix> inverses = unstack(inverse);
  ASSERT_EQ(inverses.size(), a.size());
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    const int64_t n = a[index].rows;
    if (n == 0) continue;
    const Matrix residual = subtract(identity(n), multiply(a[index], inverses[index]));
    const double ratio = one_norm(residual) / static_cast<double>(n) / one_norm(a[index]) /
                         one_norm(inverses[index]) / epsilon(dtype);
    worst.record(ratio);
    EXPECT_LT(ratio, kThreshold) << "||I - A A^-1|| ratio";
  }
}

TEST(LinalgInverse, RandomMatricesOfEverySize) {
  WorstRatio worst("inverse random");
  for_each_random_size([&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    const std::vector<Matrix> a = random_batch(count, n, n, dtype, engine);
    check_batch(a, linalg::inverse(stack(a, n, n, dtype)), dtype, worst);
  });
}

// Orders up to kSmallLuOrder go through our own kernels (a x = I solved with small_lu's factors),
// split over the threads; the next ones through LAPACK ?getri.
TEST(LinalgInverse, EveryOrderOfTheSmallKernelsInBatches) {
  WorstRatio worst("inverse small orders");
  for_each_order(two_seeds(), 0, linalg::detail::kSmallLuOrder + 2, 50,
                 [&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
                   const std::vector<Matrix> a = random_batch(count, n, n, dtype, engine);
                   check_batch(a, linalg::inverse(stack(a, n, n, dtype)), dtype, worst);
                 });
}

TEST(LinalgInverse, SmallKernelsReportTheZeroPivotInBatches) {
  const auto check = [](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    const int64_t column = n / 2;
    // A zero column stays zero through the elimination: U[column, column] is exactly zero. The
    // LAPACK path factors a^T instead (inverse.cpp), where that column is a zero row, which is
    // never chosen as a pivot row before the last step: there the zero pivot is n - 1.
    std::vector<Matrix> a = random_batch(count, n, n, dtype, engine);
    for (int64_t i = 0; i < n; ++i) a[23](i, column) = 0.0;
    const int64_t pivot = n <= linalg::detail::kSmallLuOrder ? column : n - 1;
    EXPECT_BITNET_ERROR(
        linalg::inverse(stack(a, n, n, dtype)),
        fmt::format("inverse: a [{},{},{}] {} is singular: pivot {} of its LU factorisation is "
                    "exactly zero (matrix 23 of the batch)",
                    count, n, n, dtype_name(dtype), pivot));
  };
  for_each_order({testing::test_seeds()[3]}, 1, linalg::detail::kSmallLuOrder + 1, 50, check);
}

TEST(LinalgInverse, LapackMatrixTypes) {
  WorstRatio worst("inverse matrix types");
  for_each_matrix_type(
      all_types(), [&](MatrixType type, int64_t n, DType dtype, std::mt19937_64& engine) {
        // Rank-deficient matrices are singular (see the error test), and so is the Hilbert matrix
        // past the dtype's precision.
        if (type == MatrixType::kRankDeficient || hilbert_past_precision(type, n, dtype)) return;
        const std::vector<Matrix> a = general_batch(3, type, n, n, dtype, engine);
        const Tensor inverse = linalg::inverse(stack(a, n, n, dtype));
        check_batch(a, inverse, dtype, worst);
        const std::vector<Matrix> inverses = unstack(inverse);
        for (size_t index = 0; index < a.size(); ++index) {
          for (int64_t i = 0; i < n; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              const double value = inverses[index](i, j);
              if (type == MatrixType::kDiagonal) {
                // 1/d is correctly rounded.
                const double expected = i == j ? round_to(1.0 / a[index](i, i), dtype) : 0.0;
                ASSERT_EQ(value, expected) << i << "," << j;
              }
              if (type == MatrixType::kUpperTriangular && j < i) ASSERT_EQ(value, 0.0);
              if (type == MatrixType::kLowerTriangular && j > i) ASSERT_EQ(value, 0.0);
            }
          }
        }
      });
}

TEST(LinalgInverse, NonContiguousInputsAndBatches) {
  for (const std::string& layout : testing::layouts()) {
    for (const DType dtype : kDTypes) {
      SCOPED_TRACE(layout + " " + std::string(dtype_name(dtype)));
      const Tensor a = testing::random_tensor({2, 3, 6, 6}, dtype, 8, layout);
      const Tensor inverse = linalg::inverse(a);
      ASSERT_EQ(inverse.shape(), Shape({2, 3, 6, 6}));
      testing::expect_same_values(elements(inverse), elements(linalg::inverse(a.contiguous())),
                                  layout);
    }
  }
}

TEST(LinalgInverse, EmptyShapes) {
  EXPECT_EQ(linalg::inverse(Tensor::zeros({0, 0}, DType::kF64)).shape(), Shape({0, 0}));
  EXPECT_EQ(linalg::inverse(Tensor::zeros({0, 3, 3}, DType::kF32)).shape(), Shape({0, 3, 3}));
  EXPECT_EQ(linalg::inverse(Tensor::full({1, 1}, 4.0, DType::kF32)).item(), 0.25);
}

TEST(LinalgInverse, SingularMatricesAndOtherErrors) {
  EXPECT_BITNET_ERROR(
      linalg::inverse(Tensor::from_vector(std::vector<double>{1, 2, 2, 4}, {2, 2})),
      "inverse: a [2,2] f64 is singular: pivot 1 of its LU factorisation is exactly zero");
  EXPECT_BITNET_ERROR(
      linalg::inverse(Tensor::from_vector(std::vector<float>{1, 0, 0, 1, 0, 0, 0, 0}, {2, 2, 2})),
      "inverse: a [2,2,2] f32 is singular: pivot 0 of its LU factorisation is exactly zero "
      "(matrix 1 of the batch)");
  EXPECT_BITNET_ERROR(linalg::inverse(Tensor::ones({2, 3}, DType::kF64)),
                      "inverse: a is [2,3] f64; expected square matrices, got 2 x 3");
  EXPECT_BITNET_ERROR(linalg::inverse(Tensor::ones({2, 2}, DType::kI8)),
                      "inverse: a is [2,2] i8; linear algebra needs f32 or f64");
  Tensor with_nan = Tensor::ones({2, 2}, DType::kF32).contiguous();
  with_nan.data_as<float>()[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_BITNET_ERROR(linalg::inverse(with_nan), "inverse: a [2,2] f32 contains NaN or Inf");
}

}  // namespace
}  // namespace bitnet

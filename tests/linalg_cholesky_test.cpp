// linalg::cholesky checked as LAPACK's xPOT01 does: ||A - L L^T|| / (n ||A|| eps) below 30 with the
// other triangle exactly zero and a positive diagonal, over 100 random SPD matrices per size (fewer
// at 200 and 257), both triangles, f32 and f64, in batches; LAPACK's SPD matrix types; only the
// named triangle is read; non-contiguous inputs; the failing leading minor named in errors. Every
// order of the small kernel (linalg/small_cholesky.h) and just past it, in batches of 50, with the
// failing minor at every order (linalg_small_cholesky_test compares the kernel with LAPACK).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "linalg/small_cholesky.h"
#include "support/linalg_reference.h"
#include "support/linalg_test_support.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using namespace testing::linalg_reference;

void check_batch(const std::vector<Matrix>& a, const Tensor& factor, linalg::Triangle triangle,
                 DType dtype, WorstRatio& worst) {
  ASSERT_EQ(factor.dtype(), dtype);
  const std::vector<Matrix> factors = unstack(factor);
  ASSERT_EQ(factors.size(), a.size());
  const bool upper = triangle == linalg::Triangle::kUpper;
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    const Matrix& f = factors[index];
    const int64_t n = f.rows;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_GT(f(i, i), 0.0) << "diagonal " << i;
      for (int64_t j = 0; j < n; ++j) {
        if (upper ? j < i : j > i) ASSERT_EQ(f(i, j), 0.0) << i << "," << j;
      }
    }
    // a = l l^T, or a = u^T u.
    const Matrix product = upper ? multiply(transpose(f), f) : multiply(f, transpose(f));
    const double ratio = reconstruction_ratio(a[index], product, n, dtype);
    worst.record(ratio);
    EXPECT_LT(ratio, kThreshold) << "||A - L L^T|| ratio";
  }
}

std::vector<Matrix> spd_batch(MatrixType type, int64_t count, int64_t n, DType dtype,
                              std::mt19937_64& engine) {
  return symmetric_batch(count, type, n, dtype, true, engine);
}

// Both triangles of the n x n SPD matrices a, factored as one batch.
void check_spd_batch(const std::vector<Matrix>& a, int64_t n, DType dtype, WorstRatio& worst) {
  const Tensor input = stack(a, n, n, dtype);
  for (const linalg::Triangle triangle : kTriangles) {
    check_batch(a, linalg::cholesky(input, triangle), triangle, dtype, worst);
  }
}

TEST(LinalgCholesky, RandomMatricesOfEverySize) {
  WorstRatio worst("cholesky random");
  for_each_random_size([&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    check_spd_batch(spd_batch(MatrixType::kRandom, count, n, dtype, engine), n, dtype, worst);
  });
}

// Orders up to kSmallCholeskyOrder go through our own kernel, split over the threads; the next
// ones through LAPACK.
TEST(LinalgCholesky, EveryOrderOfTheSmallKernelInBatches) {
  WorstRatio worst("cholesky small orders");
  for_each_order(two_seeds(), 0, linalg::detail::kSmallCholeskyOrder + 2, 50,
                 [&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
                   check_spd_batch(spd_batch(MatrixType::kRandom, count, n, dtype, engine), n,
                                   dtype, worst);
                 });
}

TEST(LinalgCholesky, SmallKernelNamesTheFailingMinorInBatches) {
  const auto check = [](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    std::vector<Matrix> a = spd_batch(MatrixType::kRandom, count, n, dtype, engine);
    const Matrix spd = a[37];
    for (int64_t order = 1; order <= n; ++order) {
      // The leading minors below `order` stay positive definite; pivot `order` is at most -1.
      a[37] = spd;
      a[37](order - 1, order - 1) = -1.0;
      const Tensor input = stack(a, n, n, dtype);
      for (const linalg::Triangle triangle : kTriangles) {
        EXPECT_BITNET_ERROR(
            linalg::cholesky(input, triangle),
            fmt::format("cholesky: a [{},{},{}] {} is not positive definite: the leading minor "
                        "of order {} is not positive (matrix 37 of the batch)",
                        count, n, n, dtype_name(dtype), order));
      }
    }
  };
  for_each_order({testing::test_seeds()[3]}, 1, linalg::detail::kSmallCholeskyOrder + 1, 50, check);
}

TEST(LinalgCholesky, LapackMatrixTypes) {
  WorstRatio worst("cholesky matrix types");
  const auto check = [&](MatrixType type, int64_t n, DType dtype, std::mt19937_64& engine) {
    // The Hilbert matrix stays numerically positive definite only within the dtype's precision.
    if (hilbert_past_precision(type, n, dtype)) return;
    check_spd_batch(spd_batch(type, 3, n, dtype, engine), n, dtype, worst);
  };
  for_each_matrix_type(
      {MatrixType::kDiagonal, MatrixType::kConditionTwo, MatrixType::kConditionSqrt,
       MatrixType::kConditionLarge, MatrixType::kNearUnderflow, MatrixType::kNearOverflow,
       MatrixType::kHilbert},
      check);
}

TEST(LinalgCholesky, ReadsOnlyTheNamedTriangle) {
  std::mt19937_64 engine(11);
  // Order 9 factors in place; order 130 goes through the column-major path.
  for (const int64_t n : {9, 130}) {
    const Matrix spd = symmetric_matrix(MatrixType::kRandom, n, DType::kF64, true, engine);
    for (const linalg::Triangle triangle : kTriangles) {
      SCOPED_TRACE(
          fmt::format("n={} {}", n, triangle == linalg::Triangle::kLower ? "lower" : "upper"));
      const bool lower = triangle == linalg::Triangle::kLower;
      // Spoil the other triangle with garbage, NaN and Inf included: the factor must not change.
      Matrix spoiled = spd;
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          if (lower ? j > i : j < i) spoiled(i, j) = 1e6 * static_cast<double>(i - j);
        }
      }
      spoiled(lower ? 1 : n - 2, lower ? n - 2 : 1) = std::numeric_limits<double>::quiet_NaN();
      spoiled(lower ? 0 : n - 1, lower ? n - 1 : 0) = std::numeric_limits<double>::infinity();
      testing::expect_same_values(
          elements(linalg::cholesky(to_tensor(spoiled, DType::kF64), triangle)),
          elements(linalg::cholesky(to_tensor(spd, DType::kF64), triangle)), "spoiled triangle");
    }
  }
}

TEST(LinalgCholesky, NonContiguousAndBatchedInputs) {
  std::mt19937_64 engine(12);
  std::vector<Matrix> a = spd_batch(MatrixType::kRandom, 6, 7, DType::kF64, engine);
  const Tensor contiguous = stack(a, 7, 7, DType::kF64);
  const Tensor expected = linalg::cholesky(contiguous);
  // The transpose of a symmetric matrix is itself: a transposed view must give the same factor.
  testing::expect_same_values(elements(linalg::cholesky(contiguous.transpose(1, 2))),
                              elements(expected), "transposed view");
  // Every other matrix of a larger batch, and a [2, 3, 7, 7] batch.
  const Tensor doubled = stack(a, 7, 7, DType::kF64).unsqueeze(1).expand({6, 2, 7, 7});
  testing::expect_same_values(elements(linalg::cholesky(doubled.select(1, 1))), elements(expected),
                              "strided batch");
  const Tensor grouped = linalg::cholesky(contiguous.view({2, 3, 7, 7}));
  ASSERT_EQ(grouped.shape(), Shape({2, 3, 7, 7}));
  testing::expect_same_values(elements(grouped), elements(expected), "[2,3] batch");
  // f32 through the strided and offset layouts of the test support.
  for (const std::string& layout : testing::layouts()) {
    SCOPED_TRACE(layout);
    Tensor spd =
        stack(spd_batch(MatrixType::kRandom, 2, 5, DType::kF32, engine), 5, 5, DType::kF32);
    Tensor view = testing::random_tensor({2, 5, 5}, DType::kF32, 1, layout);
    view.copy_from(spd);
    testing::expect_same_values(elements(linalg::cholesky(view)), elements(linalg::cholesky(spd)),
                                layout);
  }
}

TEST(LinalgCholesky, EmptyShapes) {
  EXPECT_EQ(linalg::cholesky(Tensor::zeros({0, 0}, DType::kF64)).shape(), Shape({0, 0}));
  EXPECT_EQ(linalg::cholesky(Tensor::zeros({3, 0, 0}, DType::kF32)).shape(), Shape({3, 0, 0}));
  EXPECT_EQ(linalg::cholesky(Tensor::zeros({0, 4, 4}, DType::kF32)).shape(), Shape({0, 4, 4}));
  EXPECT_EQ(linalg::cholesky(Tensor::full({1, 1}, 4.0, DType::kF64)).item(), 2.0);
}

TEST(LinalgCholesky, ErrorsNameTheFailingMinor) {
  // diag(1, 2, -1, 3): the leading minors of order 1 and 2 are positive, order 3 is not.
  Matrix indefinite = identity(4);
  indefinite(1, 1) = 2.0;
  indefinite(2, 2) = -1.0;
  indefinite(3, 3) = 3.0;
  for (const DType dtype : kDTypes) {
    EXPECT_BITNET_ERROR(linalg::cholesky(to_tensor(indefinite, dtype)),
                        fmt::format("cholesky: a [4,4] {} is not positive definite: the leading "
                                    "minor of order 3 is not positive",
                                    dtype_name(dtype)));
  }
  // In a batch the failing matrix is named.
  const Tensor batch = stack({identity(4), identity(4), indefinite}, 4, 4, DType::kF64);
  EXPECT_BITNET_ERROR(linalg::cholesky(batch), "order 3 is not positive (matrix 2 of the batch)");
  // A zero matrix fails at the first minor.
  EXPECT_BITNET_ERROR(linalg::cholesky(Tensor::zeros({3, 3}, DType::kF32)),
                      "the leading minor of order 1 is not positive");
  EXPECT_BITNET_ERROR(linalg::cholesky(Tensor::ones({3, 4}, DType::kF64)),
                      "cholesky: a is [3,4] f64; expected square matrices, got 3 x 4");
  EXPECT_BITNET_ERROR(linalg::cholesky(Tensor::ones({3, 3}, DType::kF16)),
                      "cholesky: a is [3,3] f16; linear algebra needs f32 or f64");
  Tensor with_nan = to_tensor(identity(3), DType::kF64);
  with_nan.data_as<double>()[4] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_BITNET_ERROR(linalg::cholesky(with_nan), "cholesky: a [3,3] f64 contains NaN or Inf");
}

}  // namespace
}  // namespace bitnet

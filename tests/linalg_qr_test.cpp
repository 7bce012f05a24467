// linalg::qr checked as LAPACK's xQRT tests do: ||A - QR|| / (max(1,m) ||A|| eps) and
// ||I - Q^T Q|| / (max(1,m) eps) below 30, R upper triangular, over 100 random matrices per size
// (fewer at 200 and 257), square, tall and wide, both modes, f32 and f64, in batches; LAPACK's
// matrix types; non-contiguous and multi-dimensional batches; empty shapes; errors by message.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

constexpr linalg::QrMode kModes[] = {linalg::QrMode::kReduced, linalg::QrMode::kComplete};

const char* mode_name(linalg::QrMode mode) {
  return mode == linalg::QrMode::kReduced ? "reduced" : "complete";
}

// Checks every matrix of the batch `a` against its factors from linalg::qr.
void check_batch(const std::vector<Matrix>& a, const linalg::QrResult& result, linalg::QrMode mode,
                 DType dtype, WorstRatio& worst) {
  const std::vector<Matrix> q = unstack(result.q);
  const std::vector<Matrix> r = unstack(result.r);
  ASSERT_EQ(result.q.dtype(), dtype);
  ASSERT_EQ(result.r.dtype(), dtype);
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    const int64_t m = a[index].rows;
    const int64_t n = a[index].columns;
    const int64_t k = std::min(m, n);
    const int64_t q_columns = mode == linalg::QrMode::kComplete ? m : k;
    if (q_columns == 0 && m > 0) continue;  // nothing to check in a [m, 0] Q
    ASSERT_LT(index, q.size());
    ASSERT_EQ(q[index].rows, m);
    ASSERT_EQ(q[index].columns, q_columns);
    ASSERT_EQ(r[index].rows, q_columns);
    ASSERT_EQ(r[index].columns, n);
    for (int64_t i = 0; i < r[index].rows; ++i) {
      for (int64_t j = 0; j < std::min(i, n); ++j) ASSERT_EQ(r[index](i, j), 0.0) << i << "," << j;
    }
    const double reconstruction =
        reconstruction_ratio(a[index], multiply(q[index], r[index]), m, dtype);
    const double orthogonality = orthogonality_ratio(q[index], m, dtype);
    worst.record(std::max(reconstruction, orthogonality));
    EXPECT_LT(reconstruction, kThreshold) << "||A - QR|| ratio";
    EXPECT_LT(orthogonality, kThreshold) << "||I - Q^T Q|| ratio";
  }
}

TEST(LinalgQr, RandomMatricesOfEverySizeAndShape) {
  WorstRatio worst("qr random");
  for_each_random_shape([&](int64_t n, const MatrixShape& shape, int64_t count, DType dtype,
                            std::mt19937_64& engine) {
    for (const linalg::QrMode mode : kModes) {
      // The complete mode takes the same code path at every size: its O(n^3) checks at 200 and
      // 257 would double the test's time (and more under ASan) for no new coverage.
      if (mode == linalg::QrMode::kComplete && n > 64) continue;
      SCOPED_TRACE(mode_name(mode));
      const std::vector<Matrix> a = random_batch(count, shape.rows, shape.columns, dtype, engine);
      check_batch(a, linalg::qr(stack(a, shape.rows, shape.columns, dtype), mode), mode, dtype,
                  worst);
    }
  });
}

TEST(LinalgQr, LapackMatrixTypes) {
  WorstRatio worst("qr matrix types");
  for_each_matrix_type(
      all_types(), [&](MatrixType type, int64_t n, DType dtype, std::mt19937_64& engine) {
        for (const MatrixShape& shape : shapes_for(n)) {
          for (const linalg::QrMode mode : kModes) {
            SCOPED_TRACE(fmt::format("{}x{} {}", shape.rows, shape.columns, mode_name(mode)));
            const std::vector<Matrix> a =
                general_batch(3, type, shape.rows, shape.columns, dtype, engine);
            check_batch(a, linalg::qr(stack(a, shape.rows, shape.columns, dtype), mode), mode,
                        dtype, worst);
          }
        }
      });
}

TEST(LinalgQr, NonContiguousInputsGiveTheSameFactors) {
  for (const std::string& layout : testing::layouts()) {
    for (const DType dtype : kDTypes) {
      SCOPED_TRACE(layout + " " + std::string(dtype_name(dtype)));
      const Tensor a = testing::random_tensor({4, 7, 5}, dtype, 3, layout);
      const linalg::QrResult strided = linalg::qr(a);
      const linalg::QrResult contiguous = linalg::qr(a.contiguous());
      testing::expect_same_values(elements(strided.q), elements(contiguous.q), "q");
      testing::expect_same_values(elements(strided.r), elements(contiguous.r), "r");
      ASSERT_TRUE(strided.q.is_contiguous());
    }
  }
  // A transposed view of a single matrix and a view with a broadcast batch dimension.
  const Tensor base = testing::random_tensor({6, 9}, DType::kF64, 5);
  const linalg::QrResult transposed = linalg::qr(base.transpose(0, 1));
  const linalg::QrResult copied = linalg::qr(base.transpose(0, 1).contiguous());
  testing::expect_same_values(elements(transposed.q), elements(copied.q), "q of a^T");
  const linalg::QrResult broadcast = linalg::qr(base.unsqueeze(0).expand({3, 6, 9}));
  ASSERT_EQ(broadcast.r.shape(), Shape({3, 6, 9}));
  const linalg::QrResult single = linalg::qr(base);
  for (int64_t index = 0; index < 3; ++index) {
    testing::expect_same_values(elements(broadcast.r.select(0, index)), elements(single.r),
                                "broadcast batch " + std::to_string(index));
  }
}

TEST(LinalgQr, MultiDimensionalBatch) {
  WorstRatio worst("qr multi-dimensional batch");
  std::mt19937_64 engine(7);
  const std::vector<Matrix> a = random_batch(6, 5, 3, DType::kF64, engine);
  const Tensor batched = stack(a, 5, 3, DType::kF64).view({2, 3, 5, 3});
  const linalg::QrResult result = linalg::qr(batched, linalg::QrMode::kComplete);
  ASSERT_EQ(result.q.shape(), Shape({2, 3, 5, 5}));
  ASSERT_EQ(result.r.shape(), Shape({2, 3, 5, 3}));
  check_batch(a, result, linalg::QrMode::kComplete, DType::kF64, worst);
}

TEST(LinalgQr, EmptyShapes) {
  // m x 0: the complete Q of an empty set of columns is the identity.
  const linalg::QrResult tall =
      linalg::qr(Tensor::zeros({3, 0}, DType::kF64), linalg::QrMode::kComplete);
  ASSERT_EQ(tall.q.shape(), Shape({3, 3}));
  ASSERT_EQ(tall.r.shape(), Shape({3, 0}));
  testing::expect_same_values(elements(tall.q), identity(3).values, "identity Q");
  const linalg::QrResult reduced = linalg::qr(Tensor::zeros({3, 0}, DType::kF32));
  ASSERT_EQ(reduced.q.shape(), Shape({3, 0}));
  ASSERT_EQ(reduced.r.shape(), Shape({0, 0}));
  const linalg::QrResult wide = linalg::qr(Tensor::zeros({0, 4}, DType::kF64));
  ASSERT_EQ(wide.q.shape(), Shape({0, 0}));
  ASSERT_EQ(wide.r.shape(), Shape({0, 4}));
  const linalg::QrResult no_batch = linalg::qr(Tensor::zeros({0, 4, 4}, DType::kF64));
  ASSERT_EQ(no_batch.q.shape(), Shape({0, 4, 4}));
  // 1 x 1: q = +-1 and r = +-a.
  const linalg::QrResult scalar = linalg::qr(Tensor::full({1, 1}, -2.5, DType::kF64));
  EXPECT_EQ(std::fabs(scalar.q.item()), 1.0);
  EXPECT_EQ(scalar.q.item() * scalar.r.item(), -2.5);
}

TEST(LinalgQr, ErrorsNameTheProblem) {
  using testing::random_tensor;
  EXPECT_BITNET_ERROR(linalg::qr(Tensor{}), "qr: a is undefined");
  EXPECT_BITNET_ERROR(linalg::qr(Tensor::ones({3, 3}, DType::kI32)),
                      "qr: a is [3,3] i32; linear algebra needs f32 or f64");
  EXPECT_BITNET_ERROR(linalg::qr(Tensor::ones({3}, DType::kF32)),
                      "qr: a is [3] f32; expected a matrix or a batch of matrices");
  Tensor with_nan = random_tensor({3, 4, 4}, DType::kF64, 1).contiguous();
  with_nan.data_as<double>()[2 * 16 + 5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_BITNET_ERROR(linalg::qr(with_nan),
                      "qr: a [3,4,4] f64 contains NaN or Inf (matrix 2 of the batch)");
  Tensor with_inf = random_tensor({4, 4}, DType::kF32, 1).contiguous();
  with_inf.data_as<float>()[0] = -std::numeric_limits<float>::infinity();
  EXPECT_BITNET_ERROR(linalg::qr(with_inf), "qr: a [4,4] f32 contains NaN or Inf; the input");
}

}  // namespace
}  // namespace bitnet

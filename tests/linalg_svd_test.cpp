// linalg::svd and svdvals checked as LAPACK's xDRVBD does: ||A - U S V^T|| / (max(m,n) ||A|| eps),
// ||I - U^T U|| / (m eps) and ||I - V V^T|| / (n eps) below 60, singular values sorted and
// non-negative, svdvals equal to svd's values within 60 min(m,n) eps |S|; over 100 random matrices
// per size (fewer at 200 and 257), square, tall and wide, thin and full, f32 and f64, in batches;
// LAPACK's matrix types with their known singular values; layouts; empty shapes; errors.
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

constexpr linalg::SvdMode kModes[] = {linalg::SvdMode::kThin, linalg::SvdMode::kFull};

const char* mode_name(linalg::SvdMode mode) {
  return mode == linalg::SvdMode::kThin ? "thin" : "full";
}

// Checks the SVD of every matrix of a batch; `known` holds exact singular values when the
// generator knows them (empty otherwise).
void check_batch(const std::vector<Matrix>& a, const linalg::SvdResult& result,
                 const Tensor& values_only, linalg::SvdMode mode, DType dtype,
                 const std::vector<double>& known, WorstRatio& worst) {
  ASSERT_EQ(result.u.dtype(), dtype);
  ASSERT_EQ(result.s.dtype(), dtype);
  ASSERT_EQ(result.vh.dtype(), dtype);
  const std::vector<Matrix> u = unstack(result.u);
  const std::vector<Matrix> vh = unstack(result.vh);
  const std::vector<std::vector<double>> s = unstack_vectors(result.s);
  const std::vector<std::vector<double>> s_only = unstack_vectors(values_only);
  ASSERT_EQ(u.size(), a.size());
  ASSERT_EQ(s.size(), a.size());
  ASSERT_EQ(s_only.size(), a.size());
  const double eps = epsilon(dtype);
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    const int64_t m = a[index].rows;
    const int64_t n = a[index].columns;
    const int64_t k = std::min(m, n);
    const bool full = mode == linalg::SvdMode::kFull;
    ASSERT_EQ(u[index].rows, m);
    ASSERT_EQ(u[index].columns, full ? m : k);
    ASSERT_EQ(vh[index].rows, full ? n : k);
    ASSERT_EQ(vh[index].columns, n);
    ASSERT_EQ(static_cast<int64_t>(s[index].size()), k);
    for (int64_t i = 0; i < k; ++i) {
      ASSERT_GE(s[index][i], 0.0) << "s[" << i << "]";
      if (i > 0) ASSERT_LE(s[index][i], s[index][i - 1]) << "s not descending at " << i;
    }
    // a = u[:, :k] diag(s) vh[:k, :].
    Matrix u_scaled(m, k);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t p = 0; p < k; ++p) u_scaled(i, p) = u[index](i, p) * s[index][p];
    }
    Matrix vh_leading(k, n);
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t j = 0; j < n; ++j) vh_leading(p, j) = vh[index](p, j);
    }
    const double reconstruction =
        reconstruction_ratio(a[index], multiply(u_scaled, vh_leading), std::max(m, n), dtype);
    const double u_orthogonality = orthogonality_ratio(u[index], m, dtype);
    const double v_orthogonality = orthogonality_ratio(transpose(vh[index]), n, dtype);
    // svdvals against svd's values, as LAPACK's test 7: |S1 - S2| / (min(m,n) eps |S1|).
    double values_ratio = 0.0;
    for (int64_t i = 0; i < k; ++i) {
      const double scale = std::max(s[index][0], std::numeric_limits<double>::min());
      values_ratio = std::max(values_ratio, std::fabs(s[index][i] - s_only[index][i]) /
                                                (static_cast<double>(k) * eps * scale));
    }
    // Known singular values: by Weyl's inequality each moves at most ||perturbation||_2, which
    // for a backward-stable SVD is a modest multiple of max(m,n) eps s_max.
    double known_ratio = 0.0;
    for (size_t i = 0; i < known.size() && static_cast<int64_t>(i) < k; ++i) {
      known_ratio =
          std::max(known_ratio, std::fabs(s[index][i] - known[i]) /
                                    (static_cast<double>(std::max(m, n)) * eps * known[0]));
    }
    worst.record(
        std::max({reconstruction, u_orthogonality, v_orthogonality, values_ratio, known_ratio}));
    EXPECT_LT(reconstruction, kSpectralThreshold) << "||A - U S V^T|| ratio";
    EXPECT_LT(u_orthogonality, kSpectralThreshold) << "||I - U^T U|| ratio";
    EXPECT_LT(v_orthogonality, kSpectralThreshold) << "||I - V^T V|| ratio";
    EXPECT_LT(values_ratio, kSpectralThreshold) << "svdvals against svd";
    EXPECT_LT(known_ratio, kSpectralThreshold) << "singular values against the known ones";
  }
}

TEST(LinalgSvd, RandomMatricesOfEverySizeAndShape) {
  WorstRatio worst("svd random");
  for_each_random_shape([&](int64_t n, const MatrixShape& shape, int64_t count, DType dtype,
                            std::mt19937_64& engine) {
    const std::vector<Matrix> a = random_batch(count, shape.rows, shape.columns, dtype, engine);
    const Tensor input = stack(a, shape.rows, shape.columns, dtype);
    const Tensor values_only = linalg::svdvals(input);
    for (const linalg::SvdMode mode : kModes) {
      // The full mode takes the same code path at every size: its O(n^3) checks at 200 and 257
      // would double the test's time (and more under ASan) for no new coverage.
      if (mode == linalg::SvdMode::kFull && n > 64) continue;
      SCOPED_TRACE(mode_name(mode));
      check_batch(a, linalg::svd(input, mode), values_only, mode, dtype, {}, worst);
    }
  });
}

TEST(LinalgSvd, LapackMatrixTypes) {
  WorstRatio worst("svd matrix types");
  for_each_matrix_type(all_types(), [&](MatrixType type, int64_t n, DType dtype,
                                        std::mt19937_64& engine) {
    const bool conditioned = conditioned_type(type);
    for (const MatrixShape& shape : shapes_for(n)) {
      SCOPED_TRACE(fmt::format("{}x{}", shape.rows, shape.columns));
      const int64_t k = std::min(shape.rows, shape.columns);
      const std::vector<double> known =
          conditioned ? geometric_values(k, type_condition(type, dtype)) : std::vector<double>{};
      const std::vector<Matrix> a =
          general_batch(3, type, shape.rows, shape.columns, dtype, engine);
      const Tensor input = stack(a, shape.rows, shape.columns, dtype);
      for (const linalg::SvdMode mode : kModes) {
        check_batch(a, linalg::svd(input, mode), linalg::svdvals(input), mode, dtype, known, worst);
      }
    }
  });
}

TEST(LinalgSvd, RankDeficientMatricesHaveZeroSingularValues) {
  std::mt19937_64 engine(21);
  for (const DType dtype : kDTypes) {
    const Matrix a = general_matrix(MatrixType::kRankDeficient, 12, 9, dtype, engine);  // rank 4
    const std::vector<double> s = elements(linalg::svdvals(to_tensor(a, dtype)));
    for (size_t i = 4; i < s.size(); ++i) {
      EXPECT_LT(s[i], 60.0 * 12 * epsilon(dtype) * s[0]) << dtype_name(dtype) << " s[" << i << "]";
    }
    EXPECT_GT(s[3], 1e-3 * s[0]);
  }
}

TEST(LinalgSvd, NonContiguousInputsGiveTheSameResults) {
  for (const std::string& layout : testing::layouts()) {
    for (const DType dtype : kDTypes) {
      SCOPED_TRACE(layout + " " + std::string(dtype_name(dtype)));
      const Tensor a = testing::random_tensor({3, 6, 4}, dtype, 9, layout);
      const linalg::SvdResult strided = linalg::svd(a);
      const linalg::SvdResult contiguous = linalg::svd(a.contiguous());
      testing::expect_same_values(elements(strided.u), elements(contiguous.u), "u");
      testing::expect_same_values(elements(strided.s), elements(contiguous.s), "s");
      testing::expect_same_values(elements(strided.vh), elements(contiguous.vh), "vh");
    }
  }
  const Tensor grouped = testing::random_tensor({2, 3, 4, 5}, DType::kF64, 4);
  const linalg::SvdResult result = linalg::svd(grouped, linalg::SvdMode::kFull);
  EXPECT_EQ(result.u.shape(), Shape({2, 3, 4, 4}));
  EXPECT_EQ(result.s.shape(), Shape({2, 3, 4}));
  EXPECT_EQ(result.vh.shape(), Shape({2, 3, 5, 5}));
}

TEST(LinalgSvd, EmptyShapes) {
  const linalg::SvdResult full =
      linalg::svd(Tensor::zeros({3, 0}, DType::kF64), linalg::SvdMode::kFull);
  EXPECT_EQ(full.s.shape(), Shape({0}));
  testing::expect_same_values(elements(full.u), identity(3).values, "u of [3,0]");
  EXPECT_EQ(full.vh.shape(), Shape({0, 0}));
  const linalg::SvdResult thin = linalg::svd(Tensor::zeros({2, 0, 4}, DType::kF32));
  EXPECT_EQ(thin.u.shape(), Shape({2, 0, 0}));
  EXPECT_EQ(thin.s.shape(), Shape({2, 0}));
  EXPECT_EQ(thin.vh.shape(), Shape({2, 0, 4}));
  const linalg::SvdResult wide_full =
      linalg::svd(Tensor::zeros({2, 0, 4}, DType::kF32), linalg::SvdMode::kFull);
  testing::expect_same_values(elements(wide_full.vh.select(0, 1)), identity(4).values,
                              "vh of [0,4]");
  EXPECT_EQ(linalg::svdvals(Tensor::zeros({0, 5, 5}, DType::kF64)).shape(), Shape({0, 5}));
  EXPECT_EQ(linalg::svdvals(Tensor::full({1, 1}, -3.0, DType::kF64)).item(), 3.0);
}

TEST(LinalgSvd, ErrorsNameTheProblem) {
  EXPECT_BITNET_ERROR(linalg::svd(Tensor::ones({4}, DType::kF64)),
                      "svd: a is [4] f64; expected a matrix");
  EXPECT_BITNET_ERROR(linalg::svdvals(Tensor::ones({2, 2}, DType::kI64)),
                      "svdvals: a is [2,2] i64; linear algebra needs f32 or f64");
  Tensor with_inf = Tensor::ones({2, 3, 3}, DType::kF32).contiguous();
  with_inf.data_as<float>()[10] = std::numeric_limits<float>::infinity();
  EXPECT_BITNET_ERROR(linalg::svd(with_inf),
                      "svd: a [2,3,3] f32 contains NaN or Inf (matrix 1 of the batch)");
  EXPECT_BITNET_ERROR(linalg::svdvals(with_inf), "svdvals: a [2,3,3] f32 contains NaN or Inf");
}

}  // namespace
}  // namespace bitnet

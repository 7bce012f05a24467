// linalg::eigh and eigvalsh checked as LAPACK's xSYT21 / xDRVST do: ||A - V W V^T|| / (n ||A|| eps)
// and ||I - V^T V|| / (n eps) below 60, eigenvalues ascending, eigvalsh equal to eigh's values
// within 60 n eps ||A||; over 100 random symmetric matrices per size (fewer at 200 and 257), both
// triangles, f32 and f64, in batches; LAPACK's symmetric matrix types with their known eigenvalues;
// only the named triangle read; layouts; empty shapes; errors.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
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

// `known`: the exact eigenvalues in ascending order when the generator knows them.
void check_batch(const std::vector<Matrix>& a, const linalg::EighResult& result,
                 const Tensor& values_only, DType dtype,
                 const std::vector<std::vector<double>>& known, WorstRatio& worst) {
  ASSERT_EQ(result.eigenvalues.dtype(), dtype);
  ASSERT_EQ(result.eigenvectors.dtype(), dtype);
  const std::vector<std::vector<double>> w = unstack_vectors(result.eigenvalues);
  const std::vector<std::vector<double>> w_only = unstack_vectors(values_only);
  const std::vector<Matrix> v = unstack(result.eigenvectors);
  ASSERT_EQ(v.size(), a.size());
  const double eps = epsilon(dtype);
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    const int64_t n = a[index].rows;
    ASSERT_EQ(static_cast<int64_t>(w[index].size()), n);
    for (int64_t i = 1; i < n; ++i) ASSERT_LE(w[index][i - 1], w[index][i]) << "not ascending";
    Matrix scaled_v = v[index];
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) scaled_v(i, j) *= w[index][j];
    }
    const double reconstruction =
        reconstruction_ratio(a[index], multiply(scaled_v, transpose(v[index])), n, dtype);
    const double orthogonality = orthogonality_ratio(v[index], n, dtype);
    const double a_norm = std::max(one_norm(a[index]), std::numeric_limits<double>::min());
    double values_ratio = 0.0;
    double known_ratio = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      values_ratio = std::max(values_ratio, std::fabs(w[index][i] - w_only[index][i]) /
                                                (static_cast<double>(n) * eps * a_norm));
      if (!known.empty()) {
        const std::vector<double>& exact = known[index];
        const double scale = std::max(std::fabs(exact.front()), std::fabs(exact.back()));
        known_ratio = std::max(known_ratio, std::fabs(w[index][i] - exact[i]) /
                                                (static_cast<double>(n) * eps * scale));
      }
    }
    worst.record(std::max({reconstruction, orthogonality, values_ratio, known_ratio}));
    EXPECT_LT(reconstruction, kSpectralThreshold) << "||A - V W V^T|| ratio";
    EXPECT_LT(orthogonality, kSpectralThreshold) << "||I - V^T V|| ratio";
    EXPECT_LT(values_ratio, kSpectralThreshold) << "eigvalsh against eigh";
    EXPECT_LT(known_ratio, kSpectralThreshold) << "eigenvalues against the known ones";
  }
}

TEST(LinalgEigh, RandomMatricesOfEverySize) {
  WorstRatio worst("eigh random");
  for_each_random_size([&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    const std::vector<Matrix> a =
        symmetric_batch(count, MatrixType::kRandom, n, dtype, false, engine);
    const Tensor input = stack(a, n, n, dtype);
    for (const linalg::Triangle triangle : kTriangles) {
      check_batch(a, linalg::eigh(input, triangle), linalg::eigvalsh(input, triangle), dtype, {},
                  worst);
    }
  });
}

TEST(LinalgEigh, LapackMatrixTypes) {
  WorstRatio worst("eigh matrix types");
  const auto check = [&](MatrixType type, int64_t n, DType dtype, std::mt19937_64&) {
    const bool conditioned = conditioned_type(type);
    std::vector<Matrix> a;
    std::vector<std::vector<double>> known;
    for (int i = 0; i < 3; ++i) {
      // Recreate the generator's eigenvalues: same engine state, same draws.
      std::mt19937_64 engine(matrix_type_seed() + static_cast<uint64_t>(i * 1000 + n));
      std::mt19937_64 replay = engine;
      a.push_back(symmetric_matrix(type, n, dtype, false, engine));
      if (conditioned) {
        std::vector<double> values = geometric_values(n, type_condition(type, dtype));
        for (double& value : values) value *= replay() & 1 ? 1.0 : -1.0;
        std::sort(values.begin(), values.end());
        known.push_back(values);
      }
    }
    const Tensor input = stack(a, n, n, dtype);
    check_batch(a, linalg::eigh(input), linalg::eigvalsh(input), dtype, known, worst);
  };
  for_each_matrix_type(
      {MatrixType::kRandom, MatrixType::kDiagonal, MatrixType::kConditionTwo,
       MatrixType::kConditionSqrt, MatrixType::kConditionLarge, MatrixType::kNearUnderflow,
       MatrixType::kNearOverflow, MatrixType::kRankDeficient, MatrixType::kHilbert},
      check);
}

TEST(LinalgEigh, ReadsOnlyTheNamedTriangle) {
  std::mt19937_64 engine(31);
  const Matrix symmetric = symmetric_matrix(MatrixType::kRandom, 8, DType::kF64, false, engine);
  for (const linalg::Triangle triangle : kTriangles) {
    Matrix spoiled = symmetric;
    for (int64_t i = 0; i < 8; ++i) {
      for (int64_t j = 0; j < 8; ++j) {
        const bool other = triangle == linalg::Triangle::kLower ? j > i : j < i;
        if (other) spoiled(i, j) = 100.0 + static_cast<double>(i * 8 + j);
      }
    }
    const linalg::EighResult expected = linalg::eigh(to_tensor(symmetric, DType::kF64), triangle);
    const linalg::EighResult actual = linalg::eigh(to_tensor(spoiled, DType::kF64), triangle);
    testing::expect_same_values(elements(actual.eigenvalues), elements(expected.eigenvalues),
                                "eigenvalues");
    testing::expect_same_values(elements(actual.eigenvectors), elements(expected.eigenvectors),
                                "eigenvectors");
  }
}

TEST(LinalgEigh, NonContiguousAndBatchedInputs) {
  std::mt19937_64 engine(32);
  const std::vector<Matrix> a =
      symmetric_batch(6, MatrixType::kRandom, 6, DType::kF32, false, engine);
  const Tensor contiguous = stack(a, 6, 6, DType::kF32);
  const linalg::EighResult expected = linalg::eigh(contiguous);
  for (const std::string& layout : testing::layouts()) {
    SCOPED_TRACE(layout);
    Tensor view = testing::random_tensor({6, 6, 6}, DType::kF32, 1, layout);
    view.copy_from(contiguous);
    const linalg::EighResult actual = linalg::eigh(view);
    testing::expect_same_values(elements(actual.eigenvalues), elements(expected.eigenvalues),
                                "eigenvalues");
    testing::expect_same_values(elements(actual.eigenvectors), elements(expected.eigenvectors),
                                "eigenvectors");
  }
  const linalg::EighResult grouped = linalg::eigh(contiguous.view({3, 2, 6, 6}));
  EXPECT_EQ(grouped.eigenvalues.shape(), Shape({3, 2, 6}));
  EXPECT_EQ(grouped.eigenvectors.shape(), Shape({3, 2, 6, 6}));
  testing::expect_same_values(elements(grouped.eigenvalues), elements(expected.eigenvalues),
                              "[3,2] batch");
}

TEST(LinalgEigh, EmptyShapes) {
  const linalg::EighResult empty = linalg::eigh(Tensor::zeros({0, 0}, DType::kF64));
  EXPECT_EQ(empty.eigenvalues.shape(), Shape({0}));
  EXPECT_EQ(empty.eigenvectors.shape(), Shape({0, 0}));
  EXPECT_EQ(linalg::eigvalsh(Tensor::zeros({4, 0, 0}, DType::kF32)).shape(), Shape({4, 0}));
  const linalg::EighResult one = linalg::eigh(Tensor::full({1, 1}, -2.0, DType::kF32));
  EXPECT_EQ(one.eigenvalues.item(), -2.0);
  EXPECT_EQ(std::fabs(one.eigenvectors.item()), 1.0);
}

TEST(LinalgEigh, ErrorsNameTheProblem) {
  EXPECT_BITNET_ERROR(linalg::eigh(Tensor::ones({2, 3}, DType::kF64)),
                      "eigh: a is [2,3] f64; expected square matrices, got 2 x 3");
  EXPECT_BITNET_ERROR(linalg::eigvalsh(Tensor::ones({2, 2}, DType::kBF16)),
                      "eigvalsh: a is [2,2] bf16; linear algebra needs f32 or f64");
  Tensor with_nan = Tensor::ones({3, 3}, DType::kF64).contiguous();
  with_nan.data_as<double>()[3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_BITNET_ERROR(linalg::eigh(with_nan), "eigh: a [3,3] f64 contains NaN or Inf");
  EXPECT_BITNET_ERROR(linalg::eigvalsh(with_nan), "eigvalsh: a [3,3] f64 contains NaN or Inf");
}

}  // namespace
}  // namespace bitnet

// linalg::vector_norm, matrix_norm, norm and cond against long double references written here:
// every order over axes, keepdim, layouts and dtypes; values near overflow and underflow that a
// plain sum of squares would lose; NaN and Inf propagation; matrix 2- and nuclear norms and the
// condition numbers of matrices with known singular values; singular matrices; errors.
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

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

long double reference_vector_norm(const std::vector<double>& values, double ord) {
  long double result = 0.0L;
  if (ord == kInf || ord == -kInf) {
    result = ord > 0 ? 0.0L : kInf;
    for (const double value : values) {
      const long double magnitude = std::fabs(static_cast<long double>(value));
      result = ord > 0 ? std::max(result, magnitude) : std::min(result, magnitude);
    }
    return result;
  }
  if (ord == 0) {
    for (const double value : values) result += value != 0 ? 1.0L : 0.0L;
    return result;
  }
  for (const double value : values) {
    result += std::pow(std::fabs(static_cast<long double>(value)), static_cast<long double>(ord));
  }
  return std::pow(result, 1.0L / static_cast<long double>(ord));
}

TEST(LinalgNorms, VectorNormsOfEveryOrderOverAxes) {
  for (const uint64_t seed : testing::test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const DType dtype : kDTypes) {
      for (const std::string& layout : testing::layouts()) {
        const Tensor x = testing::random_tensor({3, 4, 5}, dtype, seed, layout);
        const std::vector<double> values = elements(x);
        for (const double ord : {1.0, 2.0, kInf, -kInf, 0.0, 3.0, 0.5, -1.5}) {
          // Reduce over axis 1 of [3, 4, 5]: 15 norms of 4 values each.
          SCOPED_TRACE(fmt::format("{} {} ord={}", dtype_name(dtype), layout, ord));
          const Tensor over_axis = linalg::vector_norm(x, ord, {1});
          ASSERT_EQ(over_axis.shape(), Shape({3, 5}));
          ASSERT_EQ(over_axis.dtype(), dtype);
          const Tensor kept = linalg::vector_norm(x, ord, {-2}, true);
          ASSERT_EQ(kept.shape(), Shape({3, 1, 5}));
          testing::expect_same_values(elements(kept), elements(over_axis), "keepdim");
          std::vector<double> expected;
          for (int64_t i = 0; i < 3; ++i) {
            for (int64_t k = 0; k < 5; ++k) {
              std::vector<double> line;
              for (int64_t j = 0; j < 4; ++j) line.push_back(values[(i * 4 + j) * 5 + k]);
              expected.push_back(static_cast<double>(reference_vector_norm(line, ord)));
            }
          }
          testing::expect_close(elements(over_axis), expected, 8 * epsilon(dtype), 0, "axis 1");
          // Over all axes, and over two of them.
          testing::expect_close(elements(linalg::vector_norm(x, ord)),
                                {static_cast<double>(reference_vector_norm(values, ord))},
                                64 * epsilon(dtype), 0, "all axes");
          const Tensor two_axes = linalg::vector_norm(x, ord, {2, 0});
          ASSERT_EQ(two_axes.shape(), Shape({4}));
          for (int64_t j = 0; j < 4; ++j) {
            std::vector<double> slab;
            for (int64_t i = 0; i < 3; ++i) {
              for (int64_t k = 0; k < 5; ++k) slab.push_back(values[(i * 4 + j) * 5 + k]);
            }
            EXPECT_NEAR(
                elements(two_axes)[static_cast<size_t>(j)],
                static_cast<double>(reference_vector_norm(slab, ord)),
                32 * epsilon(dtype) * static_cast<double>(reference_vector_norm(slab, ord)));
          }
        }
      }
    }
  }
}

TEST(LinalgNorms, EuclideanNormSurvivesOverflowAndUnderflow) {
  // Squares of these overflow or underflow even in f64; the norm itself is representable.
  const Tensor huge = Tensor::full({4}, 1e300, DType::kF64);
  EXPECT_DOUBLE_EQ(linalg::vector_norm(huge).item(), 2e300);
  const Tensor tiny = Tensor::full({4}, 1e-300, DType::kF64);
  EXPECT_DOUBLE_EQ(linalg::vector_norm(tiny).item(), 2e-300);
  const Tensor denormal = Tensor::full({4}, 4.9406564584124654e-324, DType::kF64);
  EXPECT_DOUBLE_EQ(linalg::vector_norm(denormal).item(), 2 * 4.9406564584124654e-324);
  EXPECT_FLOAT_EQ(
      static_cast<float>(linalg::vector_norm(Tensor::full({4}, 1e30, DType::kF32)).item()), 2e30f);
  // A norm past the dtype's range is Inf: sqrt(2) 3e38 > FLT_MAX.
  EXPECT_EQ(linalg::vector_norm(Tensor::full({2}, 3e38, DType::kF32)).item(), kInf);
  EXPECT_DOUBLE_EQ(linalg::matrix_norm(Tensor::full({2, 2}, 1e300, DType::kF64)).item(), 2e300);
}

TEST(LinalgNorms, NaNAndInfPropagate) {
  for (const DType dtype : kDTypes) {
    const Tensor with_nan =
        Tensor::from_vector(std::vector<double>{1, kNaN, 0, 2}, {2, 2}).to(dtype);
    const Tensor with_inf =
        Tensor::from_vector(std::vector<double>{1, -kInf, 0, 2}, {2, 2}).to(dtype);
    for (const double ord : {1.0, 2.0, kInf, -kInf, 0.0, 3.0, -1.0}) {
      EXPECT_TRUE(std::isnan(linalg::vector_norm(with_nan, ord).item())) << ord;
    }
    for (const double ord : {1.0, 2.0, kInf, 3.0}) {
      EXPECT_EQ(linalg::vector_norm(with_inf, ord).item(), kInf) << ord;
    }
    EXPECT_EQ(linalg::vector_norm(with_inf, -kInf).item(), 0.0);
    for (const linalg::NormOrder ord :
         {linalg::NormOrder::kFrobenius, linalg::NormOrder::kOne, linalg::NormOrder::kInf}) {
      EXPECT_TRUE(std::isnan(linalg::matrix_norm(with_nan, ord).item()));
      EXPECT_EQ(linalg::matrix_norm(with_inf, ord).item(), kInf);
    }
    // The SVD-based norms refuse non-finite input, as the decompositions do.
    EXPECT_BITNET_ERROR(linalg::matrix_norm(with_nan, linalg::NormOrder::kTwo),
                        "matrix_norm: a [2,2]");
    EXPECT_BITNET_ERROR(linalg::matrix_norm(with_inf, linalg::NormOrder::kNuclear),
                        "contains NaN or Inf");
  }
  // Empty reductions: positive orders give 0 (the identity of a sum of magnitudes).
  EXPECT_EQ(linalg::vector_norm(Tensor::zeros({0}, DType::kF64)).item(), 0.0);
  EXPECT_EQ(linalg::vector_norm(Tensor::zeros({0}, DType::kF64), kInf).item(), 0.0);
  EXPECT_EQ(linalg::vector_norm(Tensor::zeros({3, 0}, DType::kF32), 2.0, {1}).shape(), Shape({3}));
}

TEST(LinalgNorms, MatrixNormsAgainstReferences) {
  WorstRatio worst("matrix norms");
  std::mt19937_64 engine(71);
  for (const DType dtype : kDTypes) {
    for (const MatrixShape& shape : {MatrixShape{5, 5}, MatrixShape{7, 3}, MatrixShape{3, 7}}) {
      SCOPED_TRACE(fmt::format("{}x{} {}", shape.rows, shape.columns, dtype_name(dtype)));
      const int64_t k = std::min(shape.rows, shape.columns);
      std::vector<Matrix> a;
      std::vector<std::vector<double>> known;
      for (const MatrixType type : {MatrixType::kConditionTwo, MatrixType::kConditionSqrt,
                                    MatrixType::kRandom, MatrixType::kNearOverflow}) {
        a.push_back(general_matrix(type, shape.rows, shape.columns, dtype, engine));
        known.push_back(type == MatrixType::kConditionTwo || type == MatrixType::kConditionSqrt
                            ? geometric_values(k, type_condition(type, dtype))
                            : std::vector<double>{});
      }
      const Tensor input = stack(a, shape.rows, shape.columns, dtype);
      const std::vector<double> frobenius = elements(linalg::matrix_norm(input));
      const std::vector<double> one = elements(linalg::matrix_norm(input, linalg::NormOrder::kOne));
      const std::vector<double> inf = elements(linalg::matrix_norm(input, linalg::NormOrder::kInf));
      const std::vector<double> two = elements(linalg::matrix_norm(input, linalg::NormOrder::kTwo));
      const std::vector<double> nuclear =
          elements(linalg::matrix_norm(input, linalg::NormOrder::kNuclear));
      EXPECT_EQ(linalg::matrix_norm(input, linalg::NormOrder::kOne, true).shape(),
                Shape({4, 1, 1}));
      for (size_t index = 0; index < a.size(); ++index) {
        const Matrix& matrix = a[index];
        long double squares = 0.0L;
        for (const double value : matrix.values) squares += static_cast<long double>(value) * value;
        const double eps = epsilon(dtype);
        EXPECT_NEAR(frobenius[index], static_cast<double>(std::sqrt(squares)),
                    8 * eps * static_cast<double>(std::sqrt(squares)));
        EXPECT_NEAR(one[index], one_norm(matrix), 8 * eps * one_norm(matrix));
        EXPECT_NEAR(inf[index], one_norm(transpose(matrix)), 8 * eps * one_norm(transpose(matrix)));
        if (!known[index].empty()) {
          double sum = 0.0;
          for (const double value : known[index]) sum += value;
          const double two_ratio = std::fabs(two[index] - known[index][0]) /
                                   (static_cast<double>(shape.rows + shape.columns) * eps);
          const double nuclear_ratio =
              std::fabs(nuclear[index] - sum) /
              (static_cast<double>(shape.rows + shape.columns) * eps * sum);
          worst.record(std::max(two_ratio, nuclear_ratio));
          EXPECT_LT(two_ratio, 60.0);
          EXPECT_LT(nuclear_ratio, 60.0);
        }
      }
    }
  }
  EXPECT_EQ(linalg::matrix_norm(Tensor::zeros({0, 3}, DType::kF64), linalg::NormOrder::kTwo).item(),
            0.0);
  EXPECT_EQ(linalg::matrix_norm(Tensor::zeros({3, 0}, DType::kF64), linalg::NormOrder::kOne).item(),
            0.0);
  EXPECT_EQ(linalg::matrix_norm(Tensor::zeros({2, 0, 0}, DType::kF32)).shape(), Shape({2}));
}

TEST(LinalgNorms, NormDispatchesOnRankAndOrder) {
  const Tensor vector = Tensor::from_vector(std::vector<double>{3, -4, 0}, {3});
  EXPECT_EQ(linalg::norm(vector).item(), 5.0);
  EXPECT_EQ(linalg::vector_norm(Tensor::full({}, -3.0, DType::kF64)).item(), 3.0);
  EXPECT_EQ(linalg::norm(vector, linalg::NormOrder::kOne).item(), 7.0);
  EXPECT_EQ(linalg::norm(vector, linalg::NormOrder::kTwo).item(), 5.0);
  EXPECT_EQ(linalg::norm(vector, linalg::NormOrder::kInf).item(), 4.0);
  const Tensor matrix = Tensor::from_vector(std::vector<double>{1, -2, 3, 4}, {2, 2});
  EXPECT_EQ(linalg::norm(matrix).item(), std::sqrt(30.0));
  EXPECT_EQ(linalg::norm(matrix, linalg::NormOrder::kOne).item(), 6.0);
  EXPECT_EQ(linalg::norm(matrix, linalg::NormOrder::kInf).item(), 7.0);
  // Without an order a batch is one vector; with one, each matrix has its norm.
  EXPECT_EQ(linalg::norm(matrix.unsqueeze(0).expand({2, 2, 2})).shape(), Shape({}));
  EXPECT_EQ(linalg::norm(matrix.unsqueeze(0).expand({2, 2, 2}), linalg::NormOrder::kOne).shape(),
            Shape({2}));
  EXPECT_BITNET_ERROR(linalg::norm(vector, linalg::NormOrder::kFrobenius),
                      "norm: the Frobenius norm needs matrices; x is [3] f64");
  EXPECT_BITNET_ERROR(linalg::norm(vector, linalg::NormOrder::kNuclear),
                      "norm: the nuclear norm needs matrices");
  EXPECT_BITNET_ERROR(linalg::norm(Tensor::ones({}, DType::kF64), linalg::NormOrder::kTwo),
                      "norm: x is [] f64; a norm order needs a vector or matrices");
  EXPECT_BITNET_ERROR(linalg::vector_norm(Tensor::ones({3}, DType::kI32)),
                      "vector_norm: x is [3] i32; norms need f32 or f64");
  EXPECT_BITNET_ERROR(linalg::vector_norm(vector, 2.0, {0, -1}), "axis -1 is listed twice");
  EXPECT_BITNET_ERROR(linalg::vector_norm(vector, 2.0, {3}), "vector_norm");
  EXPECT_BITNET_ERROR(linalg::matrix_norm(vector), "matrix_norm: a is [3] f64; expected a matrix");
}

TEST(LinalgNorms, ConditionNumbers) {
  WorstRatio worst("cond");
  std::mt19937_64 engine(72);
  for (const DType dtype : kDTypes) {
    for (const MatrixType type : {MatrixType::kConditionTwo, MatrixType::kConditionSqrt}) {
      for (const int64_t n : {1, 2, 5, 17}) {
        SCOPED_TRACE(fmt::format("{} n={} {}", type_name(type), n, dtype_name(dtype)));
        std::vector<Matrix> a;
        for (int i = 0; i < 3; ++i) a.push_back(general_matrix(type, n, n, dtype, engine));
        const Tensor input = stack(a, n, n, dtype);
        const double condition = n == 1 ? 1.0 : type_condition(type, dtype);
        const double eps = epsilon(dtype);
        const std::vector<double> two = elements(linalg::cond(input));
        for (size_t index = 0; index < a.size(); ++index) {
          // s_min is accurate to about n eps s_max, so cond to n eps cond^2.
          const double ratio = std::fabs(two[index] - condition) /
                               (static_cast<double>(n) * eps * condition * condition);
          worst.record(ratio);
          EXPECT_LT(ratio, 60.0) << "2-norm condition";
        }
        for (const linalg::NormOrder ord :
             {linalg::NormOrder::kOne, linalg::NormOrder::kInf, linalg::NormOrder::kFrobenius,
              linalg::NormOrder::kNuclear}) {
          const std::vector<double> computed = elements(linalg::cond(input, ord));
          for (size_t index = 0; index < a.size(); ++index) {
            const Matrix inverse = reference_inverse(a[index]);
            const Tensor pair = stack({a[index], inverse}, n, n, DType::kF64);
            const std::vector<double> norms = elements(linalg::matrix_norm(pair, ord));
            const double expected = norms[0] * norms[1];
            const double ratio = std::fabs(computed[index] - expected) /
                                 (static_cast<double>(n) * eps * condition * expected);
            worst.record(ratio);
            EXPECT_LT(ratio, 60.0) << "condition in norm " << static_cast<int>(ord);
          }
        }
      }
    }
  }
  // Singular matrices have infinite condition in every norm; a rectangular one only in 2-norm.
  const Tensor singular = Tensor::from_vector(std::vector<double>{1, 2, 2, 4}, {2, 2});
  for (const linalg::NormOrder ord : {linalg::NormOrder::kOne, linalg::NormOrder::kInf,
                                      linalg::NormOrder::kFrobenius, linalg::NormOrder::kNuclear}) {
    EXPECT_EQ(linalg::cond(singular, ord).item(), kInf);
  }
  EXPECT_EQ(linalg::cond(Tensor::zeros({3, 3}, DType::kF32)).item(), kInf);
  EXPECT_EQ(linalg::cond(Tensor::zeros({3, 3}, DType::kF32), linalg::NormOrder::kOne).item(), kInf);
  EXPECT_DOUBLE_EQ(
      linalg::cond(Tensor::from_vector(std::vector<double>{2, 0, 0, 0, 0.5, 0}, {2, 3})).item(),
      4.0);
  // A batch mixing singular and regular matrices.
  const Tensor mixed = Tensor::from_vector(std::vector<double>{1, 2, 2, 4, 2, 0, 0, 1}, {2, 2, 2});
  testing::expect_same_values(elements(linalg::cond(mixed, linalg::NormOrder::kOne)), {kInf, 2.0},
                              "mixed batch");
  EXPECT_EQ(linalg::cond(Tensor::zeros({0, 0}, DType::kF64)).item(), 0.0);
  EXPECT_BITNET_ERROR(linalg::cond(Tensor::ones({2, 3}, DType::kF64), linalg::NormOrder::kOne),
                      "cond: a is [2,3] f64; expected square matrices, got 2 x 3");
  Tensor with_nan = Tensor::ones({2, 2}, DType::kF64).contiguous();
  with_nan.data_as<double>()[0] = kNaN;
  EXPECT_BITNET_ERROR(linalg::cond(with_nan), "cond: a [2,2] f64 contains NaN or Inf");
  EXPECT_BITNET_ERROR(linalg::cond(with_nan, linalg::NormOrder::kInf),
                      "cond: a [2,2] f64 contains NaN or Inf");
}

}  // namespace
}  // namespace bitnet

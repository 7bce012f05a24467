// rms_norm and layer_norm against a double-precision computation written here, over shapes,
// layouts, dtypes and optional weight/bias, plus constant rows, huge values, 0-d and empty inputs
// and shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/reduce_reference.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::elements;
using testing::seed_trace;
using testing::test_seeds;
using testing::reduce_reference::all_layouts;
using testing::reduce_reference::make_input;

// Normalises each row of `values` (row length `length`) in double.
std::vector<double> reference(const std::vector<double>& values, int64_t length, bool layer,
                              const std::vector<double>& weight, const std::vector<double>& bias,
                              double eps) {
  std::vector<double> result(values.size());
  for (size_t start = 0; start < values.size(); start += static_cast<size_t>(length)) {
    double center = 0;
    if (layer) {
      for (int64_t i = 0; i < length; ++i) center += values[start + i];
      center /= static_cast<double>(length);
    }
    double spread = 0;
    for (int64_t i = 0; i < length; ++i) {
      spread += (values[start + i] - center) * (values[start + i] - center);
    }
    const double scale = 1.0 / std::sqrt(spread / static_cast<double>(length) + eps);
    for (int64_t i = 0; i < length; ++i) {
      double value = (values[start + i] - center) * scale;
      if (!weight.empty()) value *= weight[i];
      if (!bias.empty()) value += bias[i];
      result[start + i] = value;
    }
  }
  return result;
}

struct Tolerance {
  double relative;
  double absolute;
};

Tolerance tolerance_for(DType dtype) {
  switch (dtype) {
    case DType::kF16:
      return {2e-3, 4e-3};
    case DType::kBF16:
      return {1.6e-2, 3e-2};
    // A constant row amplifies the mean's last-bit error by 1/sqrt(eps) (about 300).
    case DType::kF64:
      return {1e-12, 1e-10};
    default:
      return {1e-5, 1e-6};
  }
}

TEST(NormTest, MatchesReference) {
  const std::vector<Shape> shapes = {{},      {1},        {7},          {33},   {1023},
                                     {4, 33}, {2, 3, 17}, {2, 3, 4, 5}, {0, 5}, {5, 0}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const Shape& shape : shapes) {
      const int64_t length = shape.rank() == 0 ? 1 : shape.back();
      const Shape parameter_shape = shape.rank() == 0 ? Shape{} : Shape{length};
      for (DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
        for (const std::string& layout : all_layouts()) {
          const Tensor x = make_input(shape, dtype, seed, layout);
          const std::vector<double> values = elements(x);
          // Parameters in x's dtype and, for the mixed case, in f32 while x is narrower.
          for (DType parameter_dtype : {dtype, DType::kF32}) {
            const Tensor weight = testing::random_tensor(parameter_shape, parameter_dtype, seed + 1,
                                                         "strided", 0.5, 2.0);
            const Tensor bias = testing::random_tensor(parameter_shape, parameter_dtype, seed + 2);
            for (int present = 0; present < 4; ++present) {
              const Tensor w = (present & 1) != 0 ? weight : Tensor{};
              const Tensor b = (present & 2) != 0 ? bias : Tensor{};
              const std::vector<double> w_values =
                  w.defined() ? elements(w) : std::vector<double>{};
              const std::vector<double> b_values =
                  b.defined() ? elements(b) : std::vector<double>{};
              const std::string context =
                  "shape=" + to_string(shape) + " dtype=" + std::string(dtype_name(dtype)) +
                  " layout=" + layout + " weight=" + std::to_string(w.defined()) +
                  " bias=" + std::to_string(b.defined()) +
                  " parameters=" + std::string(dtype_name(parameter_dtype));
              const Tolerance tolerance = tolerance_for(dtype);
              const Tensor layer = layer_norm(x, w, b, 1e-5);
              ASSERT_EQ(layer.shape(), shape) << context;
              ASSERT_EQ(layer.dtype(), dtype) << context;
              testing::expect_close(
                  elements(layer), reference(values, length, true, w_values, b_values, 1e-5),
                  tolerance.relative, tolerance.absolute, context + " layer_norm");
              if (!b.defined()) {
                const Tensor rms = rms_norm(x, w, 1e-6);
                ASSERT_EQ(rms.dtype(), dtype) << context;
                testing::expect_close(
                    elements(rms), reference(values, length, false, w_values, {}, 1e-6),
                    tolerance.relative, tolerance.absolute, context + " rms_norm");
              }
              if (::testing::Test::HasFailure()) return;
            }
          }
        }
      }
    }
  }
}

TEST(NormTest, ConstantRowsGiveBiasAndHugeValuesDoNotOverflow) {
  const Tensor constant = Tensor::full({3, 8}, 2.5);
  const Tensor bias = Tensor::arange(0, 8);
  EXPECT_EQ(layer_norm(constant, Tensor{}, bias).to_vector<float>(), [] {
    std::vector<float> expected;
    for (int row = 0; row < 3; ++row) {
      for (int i = 0; i < 8; ++i) expected.push_back(static_cast<float>(i));
    }
    return expected;
  }());
  // Squares of 1e30 overflow float; the double accumulation keeps rms_norm at about +-1.
  const Tensor huge = Tensor::from_vector(std::vector<float>{1e30f, -1e30f, 1e30f, -1e30f}, {4});
  for (double value : elements(rms_norm(huge, Tensor{}))) EXPECT_NEAR(std::fabs(value), 1.0, 1e-6);
  for (double value : elements(layer_norm(huge, Tensor{}, Tensor{}))) {
    EXPECT_NEAR(std::fabs(value), 1.0, 1e-6);
  }
  // eps dominates a zero row instead of dividing by zero.
  for (double value : elements(rms_norm(Tensor::zeros({2, 4}), Tensor{}))) EXPECT_EQ(value, 0.0);
}

TEST(NormTest, IndependentOfThreadCount) {
  const testing::ThreadCountGuard restore;
  const Tensor x = testing::random_tensor({512, 300}, DType::kF32, 5, "transposed");
  const Tensor weight = testing::random_tensor({300}, DType::kF32, 6);
  set_num_threads(1);
  const std::vector<double> single = elements(rms_norm(x, weight));
  const std::vector<double> single_layer = elements(layer_norm(x, weight, weight));
  set_num_threads(2);
  EXPECT_EQ(elements(rms_norm(x, weight)), single);
  EXPECT_EQ(elements(layer_norm(x, weight, weight)), single_layer);
}

TEST(NormTest, ErrorsNameTheProblem) {
  const Tensor x = Tensor::zeros({2, 3});
  EXPECT_BITNET_ERROR(
      rms_norm(x, Tensor::ones({4})),
      "rms_norm: weight has shape [4], expected [3] (the last dimension of x [2,3])");
  EXPECT_BITNET_ERROR(rms_norm(x, Tensor::ones({2, 3})), "weight has shape [2,3], expected [3]");
  EXPECT_BITNET_ERROR(layer_norm(x, Tensor::ones({3}), Tensor::ones({1})),
                      "layer_norm: bias has shape [1], expected [3]");
  EXPECT_BITNET_ERROR(layer_norm(x, Tensor::ones({2}), Tensor{}),
                      "layer_norm: weight has shape [2]");
  EXPECT_BITNET_ERROR(rms_norm(Tensor::zeros({2, 3}, DType::kI8), Tensor{}),
                      "rms_norm: needs a floating dtype, got i8");
  EXPECT_BITNET_ERROR(rms_norm(x, Tensor{}, -1.0), "rms_norm: eps must be finite and non-negative");
  EXPECT_BITNET_ERROR(layer_norm(x, Tensor{}, Tensor{}, NAN), "layer_norm: eps must be finite");
  EXPECT_BITNET_ERROR(rms_norm(Tensor{}, Tensor{}), "rms_norm: the input is undefined");
}

}  // namespace
}  // namespace bitnet

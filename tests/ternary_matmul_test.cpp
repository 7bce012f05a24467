// ternary_matmul and BitLinear through the public API, against independent computations: the int32
// accumulations against a plain loop over trits and codes, the float result against
// (codes / x_scale) . (trits * w_scale) in double.
#include <gtest/gtest.h>

#include <cmath>

#include "bitnet/bitnet.h"
#include "bitnet/quant.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

TEST(TernaryMatmulTest, IntegerAccumulationsMatchAPlainLoop) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const TernaryFormat format : {TernaryFormat::kT2, TernaryFormat::kT1}) {
      for (const auto [rows, cols, tokens] : {std::tuple{1, 1, 1}, std::tuple{17, 1000, 3},
                                              std::tuple{64, 256, 8}, std::tuple{5, 321, 33}}) {
        SCOPED_TRACE(testing::seed_trace(seed) + " " + std::to_string(rows) + "x" +
                     std::to_string(cols) + "x" + std::to_string(tokens));
        const TernaryTensor w = TernaryTensor::quantize(Tensor::normal({rows, cols}, seed),
                                                        ScaleGranularity::kPerRow, format);
        const QuantizedActivations x =
            quantize_activations(Tensor::normal({tokens, cols}, seed + 1), w.padded_cols());
        const std::vector<int32_t> result = ternary_matmul_int(x, w).to_vector<int32_t>();
        const std::vector<int8_t> trits = w.trits().to_vector<int8_t>();
        const std::vector<int8_t> codes = x.codes.to_vector<int8_t>();
        for (int64_t t = 0; t < tokens; ++t) {
          for (int64_t r = 0; r < rows; ++r) {
            int32_t expected = 0;
            for (int64_t k = 0; k < cols; ++k)
              expected += trits[r * cols + k] * codes[t * w.padded_cols() + k];
            ASSERT_EQ(result[t * rows + r], expected) << "token " << t << " row " << r;
          }
        }
      }
    }
  }
}

TEST(TernaryMatmulTest, FloatResultMatchesDequantizedProduct) {
  const int64_t rows = 40, cols = 300;
  const Tensor x = Tensor::normal({2, 3, cols}, 9);
  for (const ScaleGranularity granularity :
       {ScaleGranularity::kPerRow, ScaleGranularity::kPerTensor}) {
    SCOPED_TRACE(granularity == ScaleGranularity::kPerRow ? "per row" : "per tensor");
    const TernaryTensor w = TernaryTensor::quantize(Tensor::normal({rows, cols}, 10), granularity);
    const Tensor y = ternary_matmul(x, w);
    ASSERT_EQ(y.shape(), (Shape{2, 3, rows}));
    const QuantizedActivations q = quantize_activations(x, w.padded_cols());
    const std::vector<int8_t> codes = q.codes.to_vector<int8_t>();
    const std::vector<float> scales = q.scales.to_vector<float>();
    const std::vector<int8_t> trits = w.trits().to_vector<int8_t>();
    const std::vector<float> actual = y.to_vector<float>();
    for (int64_t t = 0; t < 6; ++t) {
      for (int64_t r = 0; r < rows; ++r) {
        double expected = 0;
        for (int64_t k = 0; k < cols; ++k) {
          expected += static_cast<double>(codes[t * w.padded_cols() + k]) * trits[r * cols + k];
        }
        expected *= static_cast<double>(w.row_scale(r)) / scales[t];
        ASSERT_NEAR(actual[t * rows + r], expected, 1e-5 * std::fabs(expected) + 1e-6)
            << t << "," << r;
      }
    }
    // bf16 in, bf16 out.
    const Tensor y16 = ternary_matmul(x.to(DType::kBF16), w);
    EXPECT_EQ(y16.dtype(), DType::kBF16);
    EXPECT_EQ(y16.shape(), y.shape());
  }
}

TEST(TernaryMatmulTest, ApproximatesTheFloatMatmul) {
  // BitNet quantization is lossy; the product should still track the float product closely.
  const Tensor x = Tensor::normal({4, 512}, 21);
  const Tensor weights = Tensor::normal({64, 512}, 22);
  const TernaryTensor w = TernaryTensor::quantize(weights);
  const std::vector<double> exact = testing::elements(matmul(x, w.dequantize().transpose(0, 1)));
  const std::vector<double> ours = testing::elements(ternary_matmul(x, w));
  EXPECT_LT(testing::nmse(ours, exact), 5e-4);
}

TEST(TernaryMatmulTest, ShapeAndDtypeErrors) {
  const TernaryTensor w = TernaryTensor::quantize(Tensor::normal({4, 8}, 1));
  EXPECT_BITNET_ERROR(ternary_matmul(Tensor::ones({2, 7}), w),
                      "ternary_matmul: inner dimensions differ: x is [2,7], weights are [4,8]");
  EXPECT_BITNET_ERROR(ternary_matmul(Tensor::ones({2, 8}, DType::kI32), w),
                      "input must be f32, bf16 or f16");
  const QuantizedActivations unpadded = quantize_activations(Tensor::ones({1, 8}));
  EXPECT_BITNET_ERROR(ternary_matmul_int(unpadded, w),
                      "activations are padded to 8 columns, the t2 weights need 256");
}

TEST(BitLinearTest, ComposesNormQuantizedMatmulAndBias) {
  const int64_t rows = 24, cols = 96;
  const Tensor x = Tensor::normal({5, cols}, 31);
  const Tensor norm_weight = Tensor::uniform({cols}, 32, 0.5, 1.5);
  const Tensor bias = Tensor::normal({rows}, 33);
  const TernaryTensor w = TernaryTensor::quantize(Tensor::normal({rows, cols}, 34));
  const BitLinear layer(w, bias, norm_weight, true, 1e-6);
  const Tensor expected = add(ternary_matmul(rms_norm(x, norm_weight, 1e-6), w), bias);
  testing::expect_same_values(testing::elements(layer.forward(x)), testing::elements(expected),
                              "BitLinear");
  EXPECT_BITNET_ERROR(BitLinear(w, Tensor::ones({3})), "bias must be [24], got [3]");
  const BitLinear plain(w);
  testing::expect_same_values(testing::elements(plain.forward(x)),
                              testing::elements(ternary_matmul(x, w)), "no norm, no bias");
  EXPECT_EQ(plain.forward(x.to(DType::kBF16)).dtype(), DType::kBF16);
}

}  // namespace
}  // namespace bitnet

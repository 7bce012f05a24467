// Per-token absmax int8 activation quantization against an independent computation.
#include <gtest/gtest.h>

#include <cmath>

#include "bitnet/bitnet.h"
#include "bitnet/quant.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

TEST(ActivationQuantTest, MatchesTheAbsmaxRule) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t cols : {1, 7, 33, 256, 1023}) {
      SCOPED_TRACE(testing::seed_trace(seed) + " cols=" + std::to_string(cols));
      const Tensor x = Tensor::normal({3, 2, cols}, seed, 0.0, 3.0);
      {
        // Freed just before: the pool hands the codes this dirty block, whose padding must still
        // come out as zeros.
        const Tensor dirty = Tensor::full({6, cols + 5}, 85, DType::kI8);
      }
      const QuantizedActivations q = quantize_activations(x, cols + 5);
      ASSERT_EQ(q.codes.shape(), (Shape{6, cols + 5}));
      const std::vector<float> values = x.to_vector<float>();
      const std::vector<int8_t> codes = q.codes.to_vector<int8_t>();
      const std::vector<float> scales = q.scales.to_vector<float>();
      const std::vector<int32_t> sums = q.sums.to_vector<int32_t>();
      for (int64_t t = 0; t < 6; ++t) {
        float absmax = 0;
        for (int64_t k = 0; k < cols; ++k)
          absmax = std::max(absmax, std::fabs(values[t * cols + k]));
        const float scale = 127.0f / std::max(absmax, 1e-5f);
        ASSERT_EQ(scales[t], scale);
        int32_t total = 0;
        for (int64_t k = 0; k < cols + 5; ++k) {
          int expected = 0;
          if (k < cols) {
            const float scaled = values[t * cols + k] * scale;
            expected = static_cast<int>(std::clamp(std::nearbyint(scaled), -128.0f, 127.0f));
          }
          ASSERT_EQ(codes[t * (cols + 5) + k], expected) << "token " << t << " column " << k;
          total += expected;
        }
        ASSERT_EQ(sums[t], total);
      }
    }
  }
}

TEST(ActivationQuantTest, HalfwayValuesRoundToEven) {
  // absmax 127 -> scale 1: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0.
  const Tensor x =
      Tensor::from_vector(std::vector<float>{127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -127.0f}, {1, 6});
  EXPECT_EQ(quantize_activations(x).codes.to_vector<int8_t>(),
            (std::vector<int8_t>{127, 0, 2, 2, 0, -127}));
}

TEST(ActivationQuantTest, ZeroRowsUseTheFloorAndBf16Works) {
  const QuantizedActivations zeros = quantize_activations(Tensor::zeros({2, 4}));
  EXPECT_EQ(zeros.scales.to_vector<float>()[0], 127.0f / 1e-5f);
  const QuantizedActivations half = quantize_activations(Tensor::ones({1, 4}, DType::kBF16));
  EXPECT_EQ(half.codes.to_vector<int8_t>(), std::vector<int8_t>(4, 127));
}

TEST(ActivationQuantTest, BadInputIsRefused) {
  Tensor x = Tensor::ones({3, 4});
  x.select(0, 2).copy_from(Tensor::full({4}, INFINITY));
  EXPECT_BITNET_ERROR(quantize_activations(x), "row 2 of shape [3,4] contains NaN or Inf");
  EXPECT_BITNET_ERROR(quantize_activations(Tensor::ones({2}, DType::kI32)),
                      "need a floating tensor");
  EXPECT_BITNET_ERROR(quantize_activations(Tensor::ones({2, 8}), 4),
                      "padded_cols 4 is below the row length 8");
}

}  // namespace
}  // namespace bitnet

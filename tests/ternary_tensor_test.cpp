// TernaryTensor: absmean quantization against an independent computation of the Hugging Face rule,
// import/export of every format, row-slice views and the views it refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "bitnet/bitnet.h"
#include "bitnet/quant.h"
#include "quant/formats/tq2_0_to_t2.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

// gamma = max(mean|W|, 1e-5) (mean of f32 values); trit = clamp(round_half_even(w * f32(1/gamma))).
std::vector<int8_t> expected_trits(const std::vector<float>& w, int64_t rows, int64_t cols,
                                   bool per_row, std::vector<float>& gammas) {
  gammas.clear();
  const int64_t groups = per_row ? rows : 1;
  const int64_t size = per_row ? cols : rows * cols;
  for (int64_t g = 0; g < groups; ++g) {
    long double total = 0;
    for (int64_t i = 0; i < size; ++i) total += std::fabs(w[static_cast<size_t>(g * size + i)]);
    const float mean = static_cast<float>(total / size);
    gammas.push_back(std::max(mean, 1e-5f));
  }
  std::vector<int8_t> trits(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    const float inverse = 1.0f / gammas[per_row ? i / static_cast<size_t>(cols) : 0];
    const float scaled = w[i] * inverse;
    float rounded = std::round(scaled);
    if (std::fabs(scaled - std::trunc(scaled)) == 0.5f)
      rounded = 2.0f * std::round(scaled / 2.0f);  // ties to even
    trits[i] = static_cast<int8_t>(std::clamp(rounded, -1.0f, 1.0f));
  }
  return trits;
}

TEST(TernaryTensorTest, QuantizeMatchesTheAbsmeanRule) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const bool per_row : {false, true}) {
      for (const TernaryFormat format : {TernaryFormat::kT2, TernaryFormat::kT1}) {
        SCOPED_TRACE(testing::seed_trace(seed) + (per_row ? " per-row" : " per-tensor"));
        const int64_t rows = 7, cols = 333;
        const Tensor weights = Tensor::normal({rows, cols}, seed, 0.0, 0.02);
        const std::vector<float> w = weights.to_vector<float>();
        std::vector<float> gammas;
        const std::vector<int8_t> expected = expected_trits(w, rows, cols, per_row, gammas);
        const TernaryTensor ternary = TernaryTensor::quantize(
            weights, per_row ? ScaleGranularity::kPerRow : ScaleGranularity::kPerTensor, format);
        EXPECT_EQ(ternary.rows(), rows);
        EXPECT_EQ(ternary.cols(), cols);
        EXPECT_EQ(ternary.padded_cols() % ternary_format_traits(format).block_weights, 0);
        ASSERT_EQ(ternary.trits().to_vector<int8_t>(), expected);
        for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(ternary.row_scale(r), gammas[per_row ? r : 0]);
        const std::vector<float> dequantized = ternary.dequantize().to_vector<float>();
        for (size_t i = 0; i < w.size(); ++i) {
          ASSERT_EQ(dequantized[i], expected[i] * gammas[per_row ? i / cols : 0]);
        }
      }
    }
  }
}

TEST(TernaryTensorTest, TiesRoundToEvenAndTinyWeightsUseTheFloor) {
  // mean |w| = 1: 0.5 and -0.5 round to 0 (ties to even), 1.5 to 2 -> clamped to 1.
  const Tensor weights = Tensor::from_vector(std::vector<float>{0.5f, -0.5f, 1.5f, -1.5f}, {1, 4});
  EXPECT_EQ(TernaryTensor::quantize(weights).trits().to_vector<int8_t>(),
            (std::vector<int8_t>{0, 0, 1, -1}));
  const TernaryTensor zeros = TernaryTensor::quantize(Tensor::zeros({2, 3}));
  EXPECT_EQ(zeros.row_scale(0), 1e-5f);
  EXPECT_EQ(zeros.trits().to_vector<int8_t>(), std::vector<int8_t>(6, 0));
}

TEST(TernaryTensorTest, BadInputIsRefused) {
  EXPECT_BITNET_ERROR(TernaryTensor::quantize(Tensor::zeros({4})), "must be a 2-D floating tensor");
  EXPECT_BITNET_ERROR(TernaryTensor::quantize(Tensor::zeros({2, 2}, DType::kI32)), "2-D floating");
  Tensor with_nan = Tensor::zeros({2, 2});
  with_nan.copy_from(Tensor::from_vector(std::vector<float>{0, NAN, 0, 0}, {2, 2}));
  EXPECT_BITNET_ERROR(TernaryTensor::quantize(with_nan), "weight [0,1] is nan");
  EXPECT_BITNET_ERROR(TernaryTensor::quantize(Tensor::ones({2, 2}), ScaleGranularity::kPerTensor,
                                              TernaryFormat::kTQ2_0),
                      "tq2_0 is a file format");
  EXPECT_BITNET_ERROR(
      TernaryTensor::from_trits(Tensor::full({1, 3}, 2.0, DType::kI8), Tensor::ones({1})),
      "element [0,0] is 2, not -1, 0 or +1");
  EXPECT_BITNET_ERROR(
      TernaryTensor::from_trits(Tensor::zeros({3, 3}, DType::kI8), Tensor::ones({2})),
      "scales must be [1] or [3]");
}

TEST(TernaryTensorTest, RowSlicesAreViewsAndOtherViewsAreRefused) {
  const TernaryTensor ternary =
      TernaryTensor::quantize(Tensor::normal({10, 300}, 3), ScaleGranularity::kPerRow);
  const TernaryTensor rows = ternary.slice_rows(2, 5);
  EXPECT_EQ(rows.rows(), 3);
  EXPECT_TRUE(rows.packed().shares_storage(ternary.packed()));
  const std::vector<int8_t> all = ternary.trits().to_vector<int8_t>();
  const std::vector<int8_t> part = rows.trits().to_vector<int8_t>();
  EXPECT_EQ(part, std::vector<int8_t>(all.begin() + 600, all.begin() + 1500));
  EXPECT_EQ(rows.row_scale(0), ternary.row_scale(2));
  EXPECT_BITNET_ERROR(ternary.slice_cols(0, 10),
                      "would cut through packed t2 blocks of 256 weights");
  EXPECT_BITNET_ERROR(ternary.transpose(), "cannot be viewed transposed");
}

TEST(TernaryTensorTest, EveryFormatImportsWhatItExports) {
  const int64_t rows = 5, cols = 512;
  const Tensor weights = Tensor::normal({rows, cols}, 11);
  for (const ScaleGranularity granularity :
       {ScaleGranularity::kPerTensor, ScaleGranularity::kPerRow}) {
    const TernaryTensor ternary = TernaryTensor::quantize(weights, granularity);
    for (const TernaryFormatTraits& traits : ternary_formats()) {
      if (traits.format == TernaryFormat::kI2S && granularity == ScaleGranularity::kPerRow) {
        EXPECT_BITNET_ERROR(ternary.export_as(traits.format), "one scale per tensor");
        continue;
      }
      SCOPED_TRACE(std::string(traits.name));
      const std::vector<uint8_t> bytes = ternary.export_as(traits.format);
      for (const TernaryFormat target : {TernaryFormat::kT2, TernaryFormat::kT1}) {
        const TernaryTensor back =
            TernaryTensor::import(traits.format, bytes.data(), bytes.size(), rows, cols, target);
        EXPECT_EQ(back.trits().to_vector<int8_t>(), ternary.trits().to_vector<int8_t>());
        for (int64_t r = 0; r < rows; ++r) {
          // Block-scaled formats keep f16 scales, I2_S one f32 scale; our native byte layouts carry
          // none (the scale travels beside them), so their import starts at 1.
          float expected = 1.0f;
          if (traits.has_block_scale)
            expected = f16_bits_to_float(float_to_f16_bits(ternary.row_scale(r)));
          if (traits.format == TernaryFormat::kI2S) expected = ternary.row_scale(r);
          EXPECT_EQ(back.row_scale(r), expected);
        }
      }
    }
  }
}

// TQ2_0 -> t2 goes through a direct shuffle of 2-bit fields; TQ2_0 -> t1 through one i8 per
// weight. On raw random blocks (every field 0, 1 or 2; one random f16 scale per row, or one for
// the whole tensor) both must read the same trits and scales.
TEST(TernaryTensorTest, DirectTq2ImportMatchesTheGeneralPath) {
  for (const uint64_t seed : testing::test_seeds()) {
    SCOPED_TRACE(testing::seed_trace(seed));
    std::mt19937_64 random(seed);
    for (const bool per_row : {false, true}) {
      const int64_t rows = 1 + static_cast<int64_t>(random() % 9);
      const int64_t blocks = 1 + static_cast<int64_t>(random() % 5);
      std::vector<uint8_t> bytes(static_cast<size_t>(rows * blocks * 66));
      uint16_t scale_bits = static_cast<uint16_t>(0x2000 + random() % 0x3000);
      for (int64_t r = 0; r < rows; ++r) {
        if (per_row) scale_bits = static_cast<uint16_t>(0x2000 + random() % 0x3000);
        for (int64_t b = 0; b < blocks; ++b) {
          uint8_t* block = bytes.data() + (r * blocks + b) * 66;
          for (int i = 0; i < 64; ++i) {
            uint8_t byte = 0;
            for (int field = 0; field < 4; ++field) {
              byte |= static_cast<uint8_t>((random() % 3) << (2 * field));
            }
            block[i] = byte;
          }
          std::memcpy(block + 64, &scale_bits, 2);
        }
      }
      const int64_t cols = blocks * 256;
      const TernaryTensor direct =
          TernaryTensor::import(TernaryFormat::kTQ2_0, bytes.data(), bytes.size(), rows, cols);
      const TernaryTensor general = TernaryTensor::import(
          TernaryFormat::kTQ2_0, bytes.data(), bytes.size(), rows, cols, TernaryFormat::kT1);
      EXPECT_EQ(direct.format(), TernaryFormat::kT2);
      EXPECT_EQ(direct.trits().to_vector<int8_t>(), general.trits().to_vector<int8_t>());
      EXPECT_EQ(direct.granularity(), general.granularity());
      for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(direct.row_scale(r), general.row_scale(r));
      // The packed bytes are what from_trits would pack, and the shuffle itself accepts every
      // row (import would otherwise have fallen back to the general path unseen).
      const TernaryTensor repacked =
          TernaryTensor::from_trits(general.trits(), general.scales(), TernaryFormat::kT2);
      const std::vector<uint8_t> expected = repacked.packed().to_vector<uint8_t>();
      EXPECT_EQ(direct.packed().to_vector<uint8_t>(), expected);
      std::vector<uint8_t> row(static_cast<size_t>(blocks * 64));
      for (int64_t r = 0; r < rows; ++r) {
        float scale = 0;
        ASSERT_TRUE(
            quant::tq2_0_row_to_t2(bytes.data() + r * blocks * 66, blocks, row.data(), &scale));
        EXPECT_EQ(scale, general.row_scale(r));
        EXPECT_TRUE(std::equal(row.begin(), row.end(), expected.begin() + r * blocks * 64));
      }
      // A code 3 anywhere, or a second block with another scale, makes it decline.
      std::vector<uint8_t> bad(bytes.begin(), bytes.begin() + blocks * 66);
      bad[random() % static_cast<size_t>(blocks * 66) / 66 * 66 + random() % 64] |= 0xc0;
      float ignored = 0;
      EXPECT_FALSE(quant::tq2_0_row_to_t2(bad.data(), blocks, row.data(), &ignored));
      if (blocks > 1) {
        std::vector<uint8_t> mixed(bytes.begin(), bytes.begin() + blocks * 66);
        mixed[66 + 65] ^= 0x04;  // the second block's f16 scale
        EXPECT_FALSE(quant::tq2_0_row_to_t2(mixed.data(), blocks, row.data(), &ignored));
      }
    }
  }
}

TEST(TernaryTensorTest, ImportRefusesCorruptData) {
  const TernaryTensor ternary = TernaryTensor::quantize(Tensor::normal({2, 256}, 5));
  std::vector<uint8_t> tq2 = ternary.export_as(TernaryFormat::kTQ2_0);
  EXPECT_BITNET_ERROR(
      TernaryTensor::import(TernaryFormat::kTQ2_0, tq2.data(), tq2.size() - 1, 2, 256),
      "import tq2_0: [2,256] needs 132 bytes, 131 given");
  EXPECT_BITNET_ERROR(TernaryTensor::import(TernaryFormat::kTQ2_0, tq2.data(), tq2.size(), 1, 100),
                      "row length 100 is not a multiple of the block size 256");
  tq2[0] = 0xff;  // code 3 is not a trit
  EXPECT_BITNET_ERROR(TernaryTensor::import(TernaryFormat::kTQ2_0, tq2.data(), tq2.size(), 2, 256),
                      "row 0 column 0 holds an invalid code");
  tq2[0] = 0x01;
  tq2[66 + 40] = 0x30;  // row 1, byte 40 (half 1, m = 8), field 2: weight 128 + 8 + 64
  EXPECT_BITNET_ERROR(TernaryTensor::import(TernaryFormat::kTQ2_0, tq2.data(), tq2.size(), 2, 256),
                      "row 1 column 200 holds an invalid code");
  const TernaryTensor wide = TernaryTensor::quantize(Tensor::normal({1, 512}, 6));
  std::vector<uint8_t> two_blocks = wide.export_as(TernaryFormat::kTQ2_0);
  two_blocks[66 + 65] = 0x40;  // the second block's f16 scale
  EXPECT_BITNET_ERROR(
      TernaryTensor::import(TernaryFormat::kTQ2_0, two_blocks.data(), two_blocks.size(), 1, 512),
      "row 0 has blocks with different scales");
  // A block of zeros may carry any scale (ggml's quantizer writes 0 there): it is ignored.
  Tensor zero_block = Tensor::zeros({1, 512}, DType::kI8);
  for (int64_t k = 0; k < 256; ++k) {
    zero_block.data_as<int8_t>()[256 + k] = static_cast<int8_t>(k % 3 - 1);
  }
  std::vector<uint8_t> zeros_first = TernaryTensor::from_trits(zero_block, Tensor::full({1}, 0.5))
                                         .export_as(TernaryFormat::kTQ2_0);
  zeros_first[64] = 0;  // the first block's f16 scale: 0
  zeros_first[65] = 0;
  const TernaryTensor imported =
      TernaryTensor::import(TernaryFormat::kTQ2_0, zeros_first.data(), zeros_first.size(), 1, 512);
  EXPECT_EQ(imported.row_scale(0), 0.5f);
  EXPECT_EQ(imported.trits().to_vector<int8_t>(), zero_block.to_vector<int8_t>());
  // No rows, so no bytes to bound the row length.
  EXPECT_BITNET_ERROR(
      TernaryTensor::import(TernaryFormat::kTQ2_0, tq2.data(), 0, 0, int64_t{1} << 62),
      "row length 4611686018427387904 exceeds the limit");
  EXPECT_EQ(TernaryTensor::import(TernaryFormat::kTQ2_0, tq2.data(), 0, 0, 512).rows(), 0);
  // At the limit, no rows: nothing is allocated per row.
  EXPECT_EQ(TernaryTensor::import(TernaryFormat::kT2, tq2.data(), 0, 0, int64_t{1} << 40).cols(),
            int64_t{1} << 40);
  std::vector<uint8_t> i2s = ternary.export_as(TernaryFormat::kI2S);
  EXPECT_BITNET_ERROR(TernaryTensor::import(TernaryFormat::kI2S, i2s.data(), 2 * 64, 2, 256),
                      "needs 132 bytes");
}

}  // namespace
}  // namespace bitnet

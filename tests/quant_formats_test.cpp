// The packed ternary formats: round trips, sizes, dot products, and bit positions checked against
// the layouts as the formats' owners describe them (one weight at a time).
#include <gtest/gtest.h>

#include <random>

#include "bitnet/quant.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

std::vector<int8_t> random_trits(int64_t count, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<int8_t> trits(static_cast<size_t>(count));
  for (int8_t& trit : trits) trit = static_cast<int8_t>(static_cast<int>(engine() % 3) - 1);
  return trits;
}

TEST(QuantFormatsTest, TableRowsDescribeTheFormats) {
  EXPECT_EQ(ternary_formats().size(), 5u);
  const TernaryFormatTraits& tq2 = ternary_format_traits(TernaryFormat::kTQ2_0);
  EXPECT_EQ(tq2.block_weights, 256);
  EXPECT_EQ(tq2.block_bytes, 66);
  const TernaryFormatTraits& tq1 = ternary_format_traits(TernaryFormat::kTQ1_0);
  EXPECT_EQ(tq1.block_weights, 256);
  EXPECT_EQ(tq1.block_bytes, 54);
  EXPECT_EQ(ternary_format_traits(TernaryFormat::kI2S).block_bytes, 32);
  EXPECT_EQ(ternary_format_traits(TernaryFormat::kT1).bits_per_weight, 1.6);
  for (const TernaryFormatTraits& traits : ternary_formats()) {
    EXPECT_DOUBLE_EQ(traits.bits_per_weight, 8.0 * traits.block_bytes / traits.block_weights)
        << traits.name;
    EXPECT_EQ(ternary_format_from_name(traits.name), traits.format);
  }
  EXPECT_BITNET_ERROR(ternary_format_from_name("q4_0"), "unknown ternary format 'q4_0'");
}

TEST(QuantFormatsTest, EveryFormatRoundTripsAndDots) {
  for (const TernaryFormatTraits& traits : ternary_formats()) {
    for (const uint64_t seed : testing::test_seeds()) {
      SCOPED_TRACE(std::string(traits.name) + " " + testing::seed_trace(seed));
      const int64_t count = traits.block_weights * 3;
      const std::vector<int8_t> trits = random_trits(count, seed);
      std::vector<uint8_t> packed(static_cast<size_t>(3 * traits.block_bytes), 0xee);
      traits.pack(trits.data(), count, 0.75f, packed.data());
      std::vector<int8_t> back(static_cast<size_t>(count), 9);
      std::vector<float> scales(3, 0.0f);
      traits.unpack(packed.data(), count, back.data(), scales.data());
      ASSERT_EQ(back, trits);
      for (float scale : scales) EXPECT_EQ(scale, traits.has_block_scale ? 0.75f : 1.0f);
      std::mt19937_64 engine(seed + 1);
      std::vector<int8_t> activations(static_cast<size_t>(count));
      int32_t expected = 0;
      for (int64_t i = 0; i < count; ++i) {
        activations[static_cast<size_t>(i)] =
            static_cast<int8_t>(static_cast<int>(engine() % 256) - 128);
        expected += trits[static_cast<size_t>(i)] * activations[static_cast<size_t>(i)];
      }
      EXPECT_EQ(traits.dot(packed.data(), activations.data(), count), expected);
    }
  }
}

// Packs a block that is zero except weight `index` = +1 and returns the bytes.
std::vector<uint8_t> one_hot_block(TernaryFormat format, int64_t index) {
  const TernaryFormatTraits& traits = ternary_format_traits(format);
  std::vector<int8_t> trits(static_cast<size_t>(traits.block_weights), 0);
  trits[static_cast<size_t>(index)] = 1;
  std::vector<uint8_t> bytes(static_cast<size_t>(traits.block_bytes));
  traits.pack(trits.data(), traits.block_weights, 1.0f, bytes.data());
  return bytes;
}

TEST(QuantFormatsTest, TQ2_0BitPositionsFollowGgml) {
  // ggml: within each 128-weight half, byte m holds weights m + 32 n at bits 2n, code = trit + 1.
  for (int64_t index : {0, 1, 31, 32, 100, 127, 128, 200, 255}) {
    const std::vector<uint8_t> bytes = one_hot_block(TernaryFormat::kTQ2_0, index);
    const int64_t half = index / 128, within = index % 128;
    const int64_t byte = 32 * half + within % 32;
    const int shift = static_cast<int>(2 * (within / 32));
    for (int64_t b = 0; b < 64; ++b) {
      const uint8_t expected =
          b == byte ? static_cast<uint8_t>((0x55 & ~(3 << shift)) | (2 << shift)) : 0x55;
      ASSERT_EQ(bytes[static_cast<size_t>(b)], expected) << "weight " << index << " byte " << b;
    }
    // f16 scale 1.0 after the codes.
    EXPECT_EQ(bytes[64], 0x00);
    EXPECT_EQ(bytes[65], 0x3c);
  }
}

TEST(QuantFormatsTest, I2SBitPositionsFollowBitnetCpp) {
  // bitnet.cpp (x86): weight j of a 128 block -> byte j % 32, bits 6 - 2 (j / 32).
  for (int64_t index : {0, 5, 31, 32, 64, 96, 127}) {
    const std::vector<uint8_t> bytes = one_hot_block(TernaryFormat::kI2S, index);
    const int shift = static_cast<int>(6 - 2 * (index / 32));
    for (int64_t b = 0; b < 32; ++b) {
      const uint8_t expected =
          b == index % 32 ? static_cast<uint8_t>((0x55 & ~(3 << shift)) | (2 << shift)) : 0x55;
      ASSERT_EQ(bytes[static_cast<size_t>(b)], expected) << "weight " << index;
    }
  }
}

TEST(QuantFormatsTest, TQ1_0DigitsFollowGgml) {
  // ggml: the first 32 bytes hold weights m + 32 n (n < 5) as base-3 digits, most significant
  // first, stored as ceil(v * 256 / 243); all-zero weights are digits 1,1,1,1,1 (v = 121).
  const uint8_t all_ones = static_cast<uint8_t>((121 * 256 + 242) / 243);
  for (int64_t index : {0, 7, 32, 159, 160, 170, 239, 240, 243, 255}) {
    const std::vector<uint8_t> bytes = one_hot_block(TernaryFormat::kTQ1_0, index);
    int64_t byte = 0, digit = 0, digits = 5;
    if (index < 160) {
      byte = index % 32;
      digit = index / 32;
    } else if (index < 240) {
      byte = 32 + (index - 160) % 16;
      digit = (index - 160) / 16;
    } else {
      byte = 48 + (index - 240) % 4;
      digit = (index - 240) / 4;
      digits = 4;
    }
    int value = 0;
    for (int n = 0; n < 5; ++n) value = value * 3 + (n < digits ? (n == digit ? 2 : 1) : 0);
    const uint8_t expected = static_cast<uint8_t>((value * 256 + 242) / 243);
    ASSERT_EQ(bytes[static_cast<size_t>(byte)], expected) << "weight " << index;
    for (int64_t b = 0; b < 48; ++b) {
      if (b != byte)
        ASSERT_EQ(bytes[static_cast<size_t>(b)], all_ones) << "weight " << index << " byte " << b;
    }
  }
}

TEST(QuantFormatsTest, T2AndT1PlaceWeightsInStridedRuns) {
  for (int64_t index : {0, 63, 64, 130, 255}) {
    const std::vector<uint8_t> bytes = one_hot_block(TernaryFormat::kT2, index);
    const int shift = static_cast<int>(2 * (index / 64));
    ASSERT_EQ(bytes[static_cast<size_t>(index % 64)],
              static_cast<uint8_t>((0x55 & ~(3 << shift)) | (2 << shift)));
  }
  for (int64_t index : {0, 64, 200, 319}) {
    const std::vector<uint8_t> bytes = one_hot_block(TernaryFormat::kT1, index);
    int value = 0;
    for (int n = 0; n < 5; ++n) value = value * 3 + (n == index / 64 ? 2 : 1);
    ASSERT_EQ(bytes[static_cast<size_t>(index % 64)],
              static_cast<uint8_t>((value * 256 + 242) / 243));
  }
}

}  // namespace
}  // namespace bitnet

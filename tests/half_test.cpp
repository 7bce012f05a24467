// f16 and bf16 conversions over every bit pattern, against independent references: the compiler's
// _Float16 (libgcc's soft-float routines) for f16 and an exact double-precision rounding for bf16.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "bitnet/half.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

// The compiler's own half type: _Float16 (libgcc soft-float) on x86-64, __fp16 (FCVT) on arm64.
#if defined(__aarch64__)
using CompilerHalf = __fp16;
#else
using CompilerHalf = _Float16;
#endif

uint16_t reference_f16_bits(float value) {
  const CompilerHalf half = static_cast<CompilerHalf>(value);
  uint16_t bits;
  std::memcpy(&bits, &half, 2);
  return bits;
}

float reference_f16_to_float(uint16_t bits) {
  CompilerHalf half;
  std::memcpy(&half, &bits, 2);
  return static_cast<float>(half);
}

bool is_f16_nan(uint16_t bits) {
  return (bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0;
}
bool is_bf16_nan(uint16_t bits) {
  return (bits & 0x7f80) == 0x7f80 && (bits & 0x7f) != 0;
}

// Nearest bf16 to a finite or infinite float, ties to even, computed on magnitudes in double.
uint16_t reference_bf16_bits(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t magnitude = bits & 0x7fffffff;
  const uint16_t lower = static_cast<uint16_t>(magnitude >> 16);  // truncation toward zero
  if ((magnitude & 0xffff) == 0) return sign | lower;
  const double exact = std::fabs(static_cast<double>(value));
  const double below = std::bit_cast<float>(static_cast<uint32_t>(lower) << 16);
  // The next bf16 up; past the largest finite value it is Inf, which rounds like 2^128.
  const uint16_t upper = static_cast<uint16_t>(lower + 1);
  const double above = upper == 0x7f80 ? std::ldexp(1.0, 128)
                                       : std::bit_cast<float>(static_cast<uint32_t>(upper) << 16);
  const double distance_below = exact - below;
  const double distance_above = above - exact;
  if (distance_below < distance_above) return sign | lower;
  if (distance_above < distance_below) return sign | upper;
  return sign | ((lower & 1) ? upper : lower);
}

TEST(HalfTest, F16ToFloatMatchesReferenceForAllPatterns) {
  for (uint32_t pattern = 0; pattern < 65536; ++pattern) {
    const auto bits = static_cast<uint16_t>(pattern);
    const float ours = f16_bits_to_float(bits);
    const float reference = reference_f16_to_float(bits);
    if (is_f16_nan(bits)) {
      ASSERT_TRUE(std::isnan(ours)) << std::hex << pattern;
      ASSERT_EQ(std::signbit(ours), std::signbit(reference)) << std::hex << pattern;
      // The payload travels into the top f32 mantissa bits, and the NaN comes out quiet.
      ASSERT_EQ((std::bit_cast<uint32_t>(ours) >> 13) & 0x1ff, bits & 0x1ffu)
          << std::hex << pattern;
      ASSERT_NE(std::bit_cast<uint32_t>(ours) & 0x00400000u, 0u) << std::hex << pattern;
      continue;
    }
    ASSERT_EQ(std::bit_cast<uint32_t>(ours), std::bit_cast<uint32_t>(reference))
        << std::hex << "pattern 0x" << pattern;
  }
}

TEST(HalfTest, F16RoundTripIsExactForAllPatterns) {
  for (uint32_t pattern = 0; pattern < 65536; ++pattern) {
    const auto bits = static_cast<uint16_t>(pattern);
    const uint16_t back = float_to_f16_bits(f16_bits_to_float(bits));
    if (is_f16_nan(bits)) {
      ASSERT_TRUE(is_f16_nan(back)) << std::hex << pattern;
      ASSERT_EQ(back & 0x8000, bits & 0x8000) << std::hex << pattern;
      ASSERT_NE(back & 0x200, 0) << "quiet bit set, pattern " << std::hex << pattern;
    } else {
      ASSERT_EQ(back, bits) << std::hex << "pattern 0x" << pattern;
    }
  }
}

// Every midpoint between neighbouring halves (exactly representable in f32) and its f32 neighbours
// exercise ties-to-even, subnormals, the normal/subnormal boundary and overflow to Inf.
TEST(HalfTest, FloatToF16RoundsToNearestEvenAtEveryMidpoint) {
  for (uint32_t pattern = 0; pattern < 0x7c00; ++pattern) {
    for (const uint32_t sign : {0u, 0x8000u}) {
      const float low = f16_bits_to_float(static_cast<uint16_t>(pattern | sign));
      // Beyond the largest finite half, the next "value" for rounding purposes is 2^16.
      const float high = pattern + 1 == 0x7c00
                             ? (sign ? -65536.0f : 65536.0f)
                             : f16_bits_to_float(static_cast<uint16_t>((pattern + 1) | sign));
      const float middle = (low + high) / 2;  // exact: halves have 11 significant bits
      for (const float probe :
           {middle, std::nextafter(middle, 0.0f), std::nextafter(middle, 2 * middle), low}) {
        ASSERT_EQ(float_to_f16_bits(probe), reference_f16_bits(probe))
            << "value " << probe << " (f32 bits 0x" << std::hex << std::bit_cast<uint32_t>(probe)
            << ")";
      }
    }
  }
}

TEST(HalfTest, FloatToF16MatchesReferenceOnRandomFloats) {
  for (const uint64_t seed : testing::test_seeds()) {
    SCOPED_TRACE(testing::seed_trace(seed));
    std::mt19937 engine(static_cast<uint32_t>(seed));
    for (int i = 0; i < 200000; ++i) {
      const float value = std::bit_cast<float>(static_cast<uint32_t>(engine()));
      const uint16_t ours = float_to_f16_bits(value);
      if (std::isnan(value)) {
        ASSERT_TRUE(is_f16_nan(ours));
        continue;
      }
      ASSERT_EQ(ours, reference_f16_bits(value))
          << "f32 bits 0x" << std::hex << std::bit_cast<uint32_t>(value);
    }
  }
}

TEST(HalfTest, F16SpecialValues) {
  EXPECT_EQ(float_to_f16_bits(INFINITY), 0x7c00);
  EXPECT_EQ(float_to_f16_bits(-INFINITY), 0xfc00);
  EXPECT_EQ(float_to_f16_bits(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_f16_bits(65519.99f), 0x7bff);
  EXPECT_EQ(float_to_f16_bits(65520.0f), 0x7c00);
  EXPECT_EQ(float_to_f16_bits(0x1p-24f), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_f16_bits(0x1p-25f), 0x0000);  // tie with zero goes to even (zero)
  EXPECT_EQ(float_to_f16_bits(-0.0f), 0x8000);
  EXPECT_TRUE(std::isnan(f16_bits_to_float(0x7e00)));
}

TEST(BFloat16Test, ToFloatMatchesFormulaForAllPatterns) {
  for (uint32_t pattern = 0; pattern < 65536; ++pattern) {
    const auto bits = static_cast<uint16_t>(pattern);
    const float ours = bf16_bits_to_float(bits);
    const int exponent = (pattern >> 7) & 0xff;
    const int mantissa = pattern & 0x7f;
    const double sign = (pattern & 0x8000) ? -1.0 : 1.0;
    if (exponent == 0xff) {
      ASSERT_EQ(std::isnan(ours), mantissa != 0) << std::hex << pattern;
      if (mantissa == 0) ASSERT_EQ(ours, static_cast<float>(sign * INFINITY));
      continue;
    }
    const double expected = exponent == 0 ? sign * std::ldexp(mantissa, -133)
                                          : sign * std::ldexp(128 + mantissa, exponent - 134);
    ASSERT_EQ(static_cast<double>(ours), expected) << std::hex << "pattern 0x" << pattern;
  }
}

TEST(BFloat16Test, RoundTripIsExactForAllPatterns) {
  for (uint32_t pattern = 0; pattern < 65536; ++pattern) {
    const auto bits = static_cast<uint16_t>(pattern);
    const uint16_t back = float_to_bf16_bits(bf16_bits_to_float(bits));
    if (is_bf16_nan(bits)) {
      ASSERT_TRUE(is_bf16_nan(back)) << std::hex << pattern;
      ASSERT_EQ(back & 0x8000, bits & 0x8000);
    } else {
      ASSERT_EQ(back, bits) << std::hex << "pattern 0x" << pattern;
    }
  }
}

TEST(BFloat16Test, RoundsToNearestEvenAtEveryMidpoint) {
  for (uint32_t pattern = 0; pattern < 0x7f80; ++pattern) {
    for (const uint32_t sign : {0u, 0x8000u}) {
      const uint32_t base = (pattern | sign) << 16;
      // The midpoint to the next bf16 and its f32 neighbours, as exact f32 bit patterns.
      for (const uint32_t probe_bits :
           {base | 0x8000u, base | 0x7fffu, base | 0x8001u, base | 1u}) {
        const float probe = std::bit_cast<float>(probe_bits);
        ASSERT_EQ(float_to_bf16_bits(probe), reference_bf16_bits(probe))
            << "f32 bits 0x" << std::hex << probe_bits;
      }
    }
  }
}

TEST(BFloat16Test, MatchesReferenceOnRandomFloats) {
  for (const uint64_t seed : testing::test_seeds()) {
    SCOPED_TRACE(testing::seed_trace(seed));
    std::mt19937 engine(static_cast<uint32_t>(seed));
    for (int i = 0; i < 200000; ++i) {
      const float value = std::bit_cast<float>(static_cast<uint32_t>(engine()));
      const uint16_t ours = float_to_bf16_bits(value);
      if (std::isnan(value)) {
        ASSERT_TRUE(is_bf16_nan(ours));
        continue;
      }
      ASSERT_EQ(ours, reference_bf16_bits(value))
          << "f32 bits 0x" << std::hex << std::bit_cast<uint32_t>(value);
    }
  }
}

TEST(BFloat16Test, NanStaysNanEvenWhenRoundingWouldCarry) {
  // A NaN whose low 16 bits would carry into the exponent must not turn into Inf.
  const float nan_with_low_payload = std::bit_cast<float>(0x7f80ffffu);
  EXPECT_TRUE(is_bf16_nan(float_to_bf16_bits(nan_with_low_payload)));
  EXPECT_EQ(float_to_bf16_bits(INFINITY), 0x7f80);
  EXPECT_EQ(float_to_bf16_bits(std::bit_cast<float>(0x7f7fffffu)), 0x7f80);  // FLT_MAX -> Inf
}

}  // namespace
}  // namespace bitnet

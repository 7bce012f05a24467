// IEEE binary16 (f16) and bfloat16 as storage types. Conversions from float round to nearest even,
// keep NaN a NaN (quiet, sign and top payload bits kept) and handle Inf and subnormals. f16 -> f32
// quiets signalling NaNs, as the F16C and NEON instructions do, so every SIMD level agrees.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace bitnet {

[[nodiscard]] float f16_bits_to_float(uint16_t bits) noexcept;
[[nodiscard]] uint16_t float_to_f16_bits(float value) noexcept;

[[nodiscard]] inline float bf16_bits_to_float(uint16_t bits) noexcept {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}
[[nodiscard]] inline uint16_t float_to_bf16_bits(float value) noexcept {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even, carrying into the
  // exponent when needed (which turns the largest finite values into Inf, as it should).
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

struct Half {
  uint16_t bits = 0;
  Half() = default;
  explicit Half(float value) noexcept : bits(float_to_f16_bits(value)) {}
  static Half from_bits(uint16_t raw) noexcept {
    Half h;
    h.bits = raw;
    return h;
  }
  operator float() const noexcept { return f16_bits_to_float(bits); }
};

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float value) noexcept : bits(float_to_bf16_bits(value)) {}
  static BFloat16 from_bits(uint16_t raw) noexcept {
    BFloat16 h;
    h.bits = raw;
    return h;
  }
  operator float() const noexcept { return bf16_bits_to_float(bits); }
};

static_assert(sizeof(Half) == 2 && sizeof(BFloat16) == 2);

}  // namespace bitnet

// Small helpers shared by the packed-format rows: trit <-> code, base-3 digit packing, f16 scales.
#pragma once

#include <cstdint>
#include <cstring>

#include "bitnet/half.h"

namespace bitnet::quant {

// -1, 0, +1 <-> codes 0, 1, 2.
inline uint8_t trit_code(int8_t trit) {
  return static_cast<uint8_t>(trit + 1);
}
inline int8_t code_trit(uint32_t code) {
  return static_cast<int8_t>(static_cast<int>(code) - 1);
}

// Five (or fewer) base-3 digits, most significant first, stored as ceil(v * 256 / 243) so that
// digit n is ((uint8)(q * 3^n) * 3) >> 8 (the multiply-shift extraction TQ1_0 uses).
inline uint8_t pack_base3(const uint8_t* digits, int count) {
  uint32_t value = 0;
  for (int n = 0; n < count; ++n) value = value * 3 + digits[n];
  for (int n = count; n < 5; ++n) value *= 3;  // fewer digits: shift them to the top
  return static_cast<uint8_t>((value * 256 + 242) / 243);
}
inline uint32_t base3_digit(uint8_t packed, int n) {
  static constexpr uint8_t kPowersOfThree[5] = {1, 3, 9, 27, 81};
  const auto shifted = static_cast<uint8_t>(packed * kPowersOfThree[n]);
  return (static_cast<uint32_t>(shifted) * 3) >> 8;
}

inline void store_f16(uint8_t* out, float value) {
  const uint16_t bits = float_to_f16_bits(value);
  std::memcpy(out, &bits, 2);
}
inline float load_f16(const uint8_t* in) {
  uint16_t bits;
  std::memcpy(&bits, in, 2);
  return f16_bits_to_float(bits);
}

// Reference dot product: unpack one block at a time through `unpack`, then multiply.
template <int64_t BlockWeights, typename Unpack>
int32_t dot_by_unpacking(const uint8_t* packed, const int8_t* activations, int64_t count,
                         int64_t block_bytes, Unpack unpack) {
  int32_t total = 0;
  int8_t trits[BlockWeights];
  for (int64_t block = 0; block < count / BlockWeights; ++block) {
    unpack(packed + block * block_bytes, BlockWeights, trits, nullptr);
    for (int64_t i = 0; i < BlockWeights; ++i)
      total += trits[i] * activations[block * BlockWeights + i];
  }
  return total;
}

}  // namespace bitnet::quant

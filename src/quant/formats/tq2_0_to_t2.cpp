#include "quant/formats/tq2_0_to_t2.h"

#include <cstring>

#include "quant/formats/format_helpers.h"

namespace bitnet::quant {
namespace {

constexpr int64_t kSourceBlockBytes = 66;
constexpr int64_t kBlockBytes = 64;

// Every byte's low bit pair (or the pair at bits 2-3, ...) in a 64-bit word.
constexpr uint64_t kPair0 = 0x0303030303030303ull;
constexpr uint64_t kPair1 = kPair0 << 2;
constexpr uint64_t kPair2 = kPair0 << 4;
constexpr uint64_t kPair3 = kPair0 << 6;
constexpr uint64_t kLowBits = 0x5555555555555555ull;

// Some 2-bit field of the word holds 3.
bool has_code_three(uint64_t word) {
  return (word & (word >> 1) & kLowBits) != 0;
}

}  // namespace

// TQ2_0 byte m of half h (h = 0, 1; m < 32) holds weights 128 h + m + 32 n at bits 2n; kT2 byte j
// holds weights j + 64 s at bits 2s. Weight 128 h + 32 n + m therefore moves to kT2 byte
// 32 (n mod 2) + m, field 2 h + n / 2. With a = half 0's byte m and b = half 1's:
//   kT2 byte m      = a.n0 | a.n2 << 2 | b.n0 << 4 | b.n2 << 6
//   kT2 byte 32 + m = a.n1 | a.n3 << 2 | b.n1 << 4 | b.n3 << 6
// Each shift below moves a field within its own byte; the masks drop what crossed a byte.
bool tq2_0_row_to_t2(const uint8_t* source, int64_t blocks, uint8_t* destination, float* scale) {
  bool valid = true;
  const float first_scale = blocks > 0 ? load_f16(source + kBlockBytes) : 1.0f;
  for (int64_t block = 0; block < blocks; ++block) {
    const uint8_t* in = source + block * kSourceBlockBytes;
    uint8_t* out = destination + block * kBlockBytes;
    for (int word = 0; word < 4; ++word) {
      uint64_t a;
      uint64_t b;
      std::memcpy(&a, in + 8 * word, 8);
      std::memcpy(&b, in + 32 + 8 * word, 8);
      valid = valid && !has_code_three(a) && !has_code_three(b);
      const uint64_t even =
          (a & kPair0) | ((a >> 2) & kPair1) | ((b << 4) & kPair2) | ((b << 2) & kPair3);
      const uint64_t odd =
          ((a >> 2) & kPair0) | ((a >> 4) & kPair1) | ((b << 2) & kPair2) | (b & kPair3);
      std::memcpy(out + 8 * word, &even, 8);
      std::memcpy(out + 32 + 8 * word, &odd, 8);
    }
    // Compared as floats, as the general path compares them (a NaN scale never matches).
    valid = valid && load_f16(in + kBlockBytes) == first_scale;
  }
  *scale = first_scale;
  return valid;
}

}  // namespace bitnet::quant

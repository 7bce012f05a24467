// kT1, our 1.6-bit layout: 320 weights in 64 bytes; byte j holds weights j, j+64, j+128, j+192,
// j+256 as five base-3 digits (most significant first) in TQ1_0's multiply-shift encoding. For
// weights that stream from DRAM, 20 % fewer bytes than kT2 at some extra decoding work.
#include "quant/formats/format_helpers.h"
#include "quant/formats/format_table.h"

namespace bitnet::quant {
namespace {

constexpr int64_t kBlock = 320;
constexpr int64_t kBytes = 64;

void pack(const int8_t* trits, int64_t count, float, uint8_t* out) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    const int8_t* in = trits + block * kBlock;
    for (int64_t j = 0; j < kBytes; ++j) {
      uint8_t digits[5];
      for (int n = 0; n < 5; ++n) digits[n] = trit_code(in[j + 64 * n]);
      out[block * kBytes + j] = pack_base3(digits, 5);
    }
  }
}

void unpack(const uint8_t* packed, int64_t count, int8_t* trits, float* block_scales) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    for (int64_t j = 0; j < kBytes; ++j) {
      const uint8_t byte = packed[block * kBytes + j];
      for (int n = 0; n < 5; ++n)
        trits[block * kBlock + j + 64 * n] = code_trit(base3_digit(byte, n));
    }
    if (block_scales) block_scales[block] = 1.0f;
  }
}

int32_t dot(const uint8_t* packed, const int8_t* activations, int64_t count) {
  return dot_by_unpacking<kBlock>(packed, activations, count, kBytes, unpack);
}

}  // namespace

TernaryFormatTraits t1_traits() {
  return {TernaryFormat::kT1, "t1", kBlock, kBytes, 1.6, false, pack, unpack, dot};
}

}  // namespace bitnet::quant

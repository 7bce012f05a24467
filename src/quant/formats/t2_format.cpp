// kT2, our 2-bit layout: 256 weights in 64 bytes; byte j holds weights j, j+64, j+128, j+192 in
// bits 0-1, 2-3, 4-5, 6-7. A 64-byte (or 32- or 16-byte) load shifted by 0, 2, 4, 6 gives four runs
// of contiguous weights, so SIMD kernels pair them with contiguous activation loads.
#include "quant/formats/format_helpers.h"
#include "quant/formats/format_table.h"

namespace bitnet::quant {
namespace {

constexpr int64_t kBlock = 256;
constexpr int64_t kBytes = 64;

void pack(const int8_t* trits, int64_t count, float, uint8_t* out) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    const int8_t* in = trits + block * kBlock;
    for (int64_t j = 0; j < kBytes; ++j) {
      uint8_t byte = 0;
      for (int n = 0; n < 4; ++n)
        byte |= static_cast<uint8_t>(trit_code(in[j + 64 * n]) << (2 * n));
      out[block * kBytes + j] = byte;
    }
  }
}

void unpack(const uint8_t* packed, int64_t count, int8_t* trits, float* block_scales) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    for (int64_t j = 0; j < kBytes; ++j) {
      const uint8_t byte = packed[block * kBytes + j];
      for (int n = 0; n < 4; ++n)
        trits[block * kBlock + j + 64 * n] = code_trit((byte >> (2 * n)) & 3u);
    }
    if (block_scales) block_scales[block] = 1.0f;
  }
}

int32_t dot(const uint8_t* packed, const int8_t* activations, int64_t count) {
  return dot_by_unpacking<kBlock>(packed, activations, count, kBytes, unpack);
}

}  // namespace

TernaryFormatTraits t2_traits() {
  return {TernaryFormat::kT2, "t2", kBlock, kBytes, 2.0, false, pack, unpack, dot};
}

}  // namespace bitnet::quant

// bitnet.cpp's I2_S, x86 layout (QK_I2_S = 128): 128 weights in 32 bytes; weight j of a block sits
// in byte j % 32 at bits 6 - 2 * (j / 32) (the first 32 weights in the high bits), codes 0, 1, 2
// for -1, 0, +1. The tensor's one f32 scale follows all rows' data (see TernaryTensor::import).
// bitnet.cpp's ARM build uses 64-weight blocks instead; files made that way are not this format.
#include "quant/formats/format_helpers.h"
#include "quant/formats/format_table.h"

namespace bitnet::quant {
namespace {

constexpr int64_t kBlock = 128;
constexpr int64_t kBytes = 32;

void pack(const int8_t* trits, int64_t count, float, uint8_t* out) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    for (int64_t m = 0; m < kBytes; ++m) {
      uint8_t byte = 0;
      for (int group = 0; group < 4; ++group) {
        byte |= static_cast<uint8_t>(trit_code(trits[block * kBlock + 32 * group + m])
                                     << (6 - 2 * group));
      }
      out[block * kBytes + m] = byte;
    }
  }
}

void unpack(const uint8_t* packed, int64_t count, int8_t* trits, float* block_scales) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    for (int64_t m = 0; m < kBytes; ++m) {
      const uint8_t byte = packed[block * kBytes + m];
      for (int group = 0; group < 4; ++group) {
        trits[block * kBlock + 32 * group + m] = code_trit((byte >> (6 - 2 * group)) & 3u);
      }
    }
    if (block_scales) block_scales[block] = 1.0f;
  }
}

int32_t dot(const uint8_t* packed, const int8_t* activations, int64_t count) {
  return dot_by_unpacking<kBlock>(packed, activations, count, kBytes, unpack);
}

}  // namespace

TernaryFormatTraits i2_s_traits() {
  return {TernaryFormat::kI2S, "i2_s", kBlock, kBytes, 2.0, false, pack, unpack, dot};
}

}  // namespace bitnet::quant

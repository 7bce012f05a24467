// llama.cpp's TQ2_0 (GGML type 35): blocks of 256 weights as 64 bytes of 2-bit codes and an f16
// scale (66 bytes, 2.0625 bits per weight). Inside each 128-weight half, byte m holds weights
// m, m+32, m+64, m+96 in bits 0-1, 2-3, 4-5, 6-7.
#include "quant/formats/format_helpers.h"
#include "quant/formats/format_table.h"

namespace bitnet::quant {
namespace {

constexpr int64_t kBlock = 256;
constexpr int64_t kBytes = 66;

void pack(const int8_t* trits, int64_t count, float scale, uint8_t* out) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    const int8_t* in = trits + block * kBlock;
    uint8_t* codes = out + block * kBytes;
    for (int64_t half = 0; half < 2; ++half) {
      for (int64_t m = 0; m < 32; ++m) {
        uint8_t byte = 0;
        for (int n = 0; n < 4; ++n) {
          byte |= static_cast<uint8_t>(trit_code(in[128 * half + m + 32 * n]) << (2 * n));
        }
        codes[32 * half + m] = byte;
      }
    }
    store_f16(codes + 64, scale);
  }
}

void unpack(const uint8_t* packed, int64_t count, int8_t* trits, float* block_scales) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    const uint8_t* codes = packed + block * kBytes;
    for (int64_t half = 0; half < 2; ++half) {
      for (int64_t m = 0; m < 32; ++m) {
        for (int n = 0; n < 4; ++n) {
          trits[block * kBlock + 128 * half + m + 32 * n] =
              code_trit((codes[32 * half + m] >> (2 * n)) & 3u);
        }
      }
    }
    if (block_scales) block_scales[block] = load_f16(codes + 64);
  }
}

int32_t dot(const uint8_t* packed, const int8_t* activations, int64_t count) {
  return dot_by_unpacking<kBlock>(packed, activations, count, kBytes, unpack);
}

}  // namespace

TernaryFormatTraits tq2_0_traits() {
  return {TernaryFormat::kTQ2_0, "tq2_0", kBlock, kBytes, 2.0625, true, pack, unpack, dot};
}

}  // namespace bitnet::quant

// llama.cpp's TQ1_0 (GGML type 34): blocks of 256 weights in 54 bytes (1.6875 bits per weight):
// qs[48] with five base-3 digits per byte (the first 32 bytes cover weights m + 32n, n < 5; the
// next 16 cover 160 + m + 16n), qh[4] with four digits per byte (weights 240 + j + 4n) shifted
// to the top digits, and an f16 scale. Digits use the multiply-shift encoding ceil(v*256/243).
#include "quant/formats/format_helpers.h"
#include "quant/formats/format_table.h"

namespace bitnet::quant {
namespace {

constexpr int64_t kBlock = 256;
constexpr int64_t kBytes = 54;

void pack(const int8_t* trits, int64_t count, float scale, uint8_t* out) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    const int8_t* in = trits + block * kBlock;
    uint8_t* bytes = out + block * kBytes;
    uint8_t digits[5];
    for (int64_t m = 0; m < 32; ++m) {
      for (int n = 0; n < 5; ++n) digits[n] = trit_code(in[m + 32 * n]);
      bytes[m] = pack_base3(digits, 5);
    }
    for (int64_t m = 0; m < 16; ++m) {
      for (int n = 0; n < 5; ++n) digits[n] = trit_code(in[160 + m + 16 * n]);
      bytes[32 + m] = pack_base3(digits, 5);
    }
    for (int64_t j = 0; j < 4; ++j) {
      for (int n = 0; n < 4; ++n) digits[n] = trit_code(in[240 + j + 4 * n]);
      bytes[48 + j] = pack_base3(digits, 4);
    }
    store_f16(bytes + 52, scale);
  }
}

void unpack(const uint8_t* packed, int64_t count, int8_t* trits, float* block_scales) {
  for (int64_t block = 0; block < count / kBlock; ++block) {
    const uint8_t* bytes = packed + block * kBytes;
    int8_t* out = trits + block * kBlock;
    for (int64_t m = 0; m < 32; ++m) {
      for (int n = 0; n < 5; ++n) out[m + 32 * n] = code_trit(base3_digit(bytes[m], n));
    }
    for (int64_t m = 0; m < 16; ++m) {
      for (int n = 0; n < 5; ++n) out[160 + m + 16 * n] = code_trit(base3_digit(bytes[32 + m], n));
    }
    for (int64_t j = 0; j < 4; ++j) {
      for (int n = 0; n < 4; ++n) out[240 + j + 4 * n] = code_trit(base3_digit(bytes[48 + j], n));
    }
    if (block_scales) block_scales[block] = load_f16(bytes + 52);
  }
}

int32_t dot(const uint8_t* packed, const int8_t* activations, int64_t count) {
  return dot_by_unpacking<kBlock>(packed, activations, count, kBytes, unpack);
}

}  // namespace

TernaryFormatTraits tq1_0_traits() {
  return {TernaryFormat::kTQ1_0, "tq1_0", kBlock, kBytes, 1.6875, true, pack, unpack, dot};
}

}  // namespace bitnet::quant

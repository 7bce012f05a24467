#include "io/k_quants.h"

#include <cstring>

#include "bitnet/half.h"
#include "bitnet/parallel.h"

namespace bitnet::io {
namespace {

float f16_at(const uint8_t* bytes) {
  uint16_t bits;
  std::memcpy(&bits, bytes, 2);
  return f16_bits_to_float(bits);
}

// Scale and min of Q4_K sub-block `index` (0-7) from the 12 packed bytes: sub-blocks 0-3 keep
// their 6 bits in the low bits of bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 take their
// low 4 bits from bytes 8-11 and their high 2 bits from the top of bytes 0-3 and 4-7.
void q4_k_scale_min(int index, const uint8_t* packed, uint8_t* scale, uint8_t* min) {
  if (index < 4) {
    *scale = packed[index] & 63;
    *min = packed[index + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((packed[index + 4] & 0x0F) | ((packed[index - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((packed[index + 4] >> 4) | ((packed[index] >> 6) << 4));
  }
}

void q4_k_block(const uint8_t* block, float* out) {
  const float d = f16_at(block);
  const float dmin = f16_at(block + 2);
  const uint8_t* scales = block + 4;
  const uint8_t* codes = block + 16;
  for (int pair = 0; pair < 4; ++pair) {
    uint8_t scale = 0;
    uint8_t min = 0;
    q4_k_scale_min(2 * pair, scales, &scale, &min);
    const float d_low = d * static_cast<float>(scale);
    const float m_low = dmin * static_cast<float>(min);
    q4_k_scale_min(2 * pair + 1, scales, &scale, &min);
    const float d_high = d * static_cast<float>(scale);
    const float m_high = dmin * static_cast<float>(min);
    const uint8_t* run = codes + 32 * pair;
    float* target = out + 64 * pair;
    for (int index = 0; index < 32; ++index) {
      target[index] = d_low * static_cast<float>(run[index] & 0x0F) - m_low;
      target[32 + index] = d_high * static_cast<float>(run[index] >> 4) - m_high;
    }
  }
}

void q6_k_block(const uint8_t* block, float* out) {
  const uint8_t* low = block;                                         // 128 bytes
  const uint8_t* high = block + 128;                                  // 64 bytes
  const auto* scales = reinterpret_cast<const int8_t*>(block + 192);  // 16
  const float d = f16_at(block + 208);
  // Two halves of 128 weights. In each, low byte l (l < 32) holds the low 4 bits of weights l and
  // l + 64, low byte l + 32 those of weights l + 32 and l + 96, and high byte l the top 2 bits of
  // weights l, l + 32, l + 64, l + 96; weight w uses scale w / 16.
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = low + 64 * half;
    const uint8_t* qh = high + 32 * half;
    const int8_t* sc = scales + 8 * half;
    float* target = out + 128 * half;
    for (int l = 0; l < 32; ++l) {
      const int group = l / 16;
      const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      target[l] = d * static_cast<float>(sc[group]) * static_cast<float>(q1);
      target[l + 32] = d * static_cast<float>(sc[group + 2]) * static_cast<float>(q2);
      target[l + 64] = d * static_cast<float>(sc[group + 4]) * static_cast<float>(q3);
      target[l + 96] = d * static_cast<float>(sc[group + 6]) * static_cast<float>(q4);
    }
  }
}

template <typename Block>
void dequantize_blocks(const uint8_t* blocks, int64_t count, int64_t block_bytes, float* out,
                       Block block) {
  parallel_for(0, count / kKQuantBlock, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index < end; ++index) {
      block(blocks + index * block_bytes, out + index * kKQuantBlock);
    }
  });
}

}  // namespace

void dequantize_q4_k(const uint8_t* blocks, int64_t count, float* out) {
  dequantize_blocks(blocks, count, kQ4_KBlockBytes, out, q4_k_block);
}

void dequantize_q6_k(const uint8_t* blocks, int64_t count, float* out) {
  dequantize_blocks(blocks, count, kQ6_KBlockBytes, out, q6_k_block);
}

}  // namespace bitnet::io

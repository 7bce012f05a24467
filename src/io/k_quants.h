// Dequantization of GGML's k-quant super-blocks (ggml-common.h layouts), for the embedding and head
// types that llama.cpp's quantizer writes beside ternary weights.
//
// Q4_K, 256 weights in 144 bytes: f16 d, f16 dmin, 12 bytes packing eight 6-bit scales and eight
//      6-bit mins, then 128 bytes of 4-bit codes. Sub-block s (32 weights) is
//      d * scale[s] * q - dmin * min[s]; each 32-byte run of codes holds sub-block 2k in its low
//      nibbles and sub-block 2k + 1 in its high nibbles.
// Q6_K, 256 weights in 210 bytes: 128 bytes of low 4 bits (ql), 64 bytes of high 2 bits (qh),
//      sixteen int8 scales (one per 16 weights), f16 d; weight = d * scale * (q - 32).
#pragma once

#include <cstdint>

namespace bitnet::io {

inline constexpr int64_t kKQuantBlock = 256;
inline constexpr int64_t kQ4_KBlockBytes = 144;
inline constexpr int64_t kQ6_KBlockBytes = 210;

// `count` is a multiple of kKQuantBlock; `blocks` holds count / 256 blocks.
void dequantize_q4_k(const uint8_t* blocks, int64_t count, float* out);
void dequantize_q6_k(const uint8_t* blocks, int64_t count, float* out);

}  // namespace bitnet::io

// GGML's Q8_0: blocks of 32 int8 values with one f16 scale (34 bytes), value = scale * q. The
// reference rounding of ggml's quantize_row_q8_0_ref: scale = absmax / 127, q = round(x / scale).
#pragma once

#include <cstdint>

namespace bitnet::io {

inline constexpr int64_t kQ8_0Block = 32;
inline constexpr int64_t kQ8_0BlockBytes = 34;

// `count` is a multiple of kQ8_0Block; `blocks` holds count / 32 blocks.
void dequantize_q8_0(const uint8_t* blocks, int64_t count, float* out);
void quantize_q8_0(const float* values, int64_t count, uint8_t* blocks);

}  // namespace bitnet::io

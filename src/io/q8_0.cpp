#include "io/q8_0.h"

#include <cmath>
#include <cstring>

#include "bitnet/half.h"
#include "bitnet/parallel.h"

namespace bitnet::io {

void dequantize_q8_0(const uint8_t* blocks, int64_t count, float* out) {
  parallel_for(0, count / kQ8_0Block, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t block = begin; block < end; ++block) {
      const uint8_t* in = blocks + block * kQ8_0BlockBytes;
      uint16_t scale_bits;
      std::memcpy(&scale_bits, in, 2);
      const float scale = f16_bits_to_float(scale_bits);
      for (int64_t index = 0; index < kQ8_0Block; ++index) {
        out[block * kQ8_0Block + index] =
            scale * static_cast<float>(static_cast<int8_t>(in[2 + index]));
      }
    }
  });
}

void quantize_q8_0(const float* values, int64_t count, uint8_t* blocks) {
  parallel_for(0, count / kQ8_0Block, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t block = begin; block < end; ++block) {
      const float* in = values + block * kQ8_0Block;
      float absmax = 0;
      for (int64_t index = 0; index < kQ8_0Block; ++index)
        absmax = std::fmax(absmax, std::fabs(in[index]));
      const float scale = absmax / 127.0f;
      const float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
      uint8_t* out = blocks + block * kQ8_0BlockBytes;
      const uint16_t scale_bits = float_to_f16_bits(scale);
      std::memcpy(out, &scale_bits, 2);
      for (int64_t index = 0; index < kQ8_0Block; ++index) {
        // roundf: half away from zero, as ggml; |x * inverse| <= 127 so the cast cannot overflow.
        // Non-finite products (NaN or Inf inputs) become 0: casting them would be undefined.
        const float rounded = std::round(in[index] * inverse);
        out[2 + index] =
            static_cast<uint8_t>(static_cast<int8_t>(std::isfinite(rounded) ? rounded : 0.0f));
      }
    }
  });
}

}  // namespace bitnet::io

// Scalar reference ternary GEMM: decode each weight from its packed code and multiply. The oracle
// the SIMD kernels must match bit for bit.
#include "cpu/kernels.h"

namespace bitnet::cpu {
namespace {

// Weight k of a kT2 row: block k / 256, byte k % 64 of it, bits 2 * ((k % 256) / 64).
inline int32_t t2_weight(const uint8_t* row, int64_t k) {
  const int64_t within = k % 256;
  const uint8_t byte = row[(k / 256) * 64 + within % 64];
  return static_cast<int32_t>((byte >> (2 * (within / 64))) & 3u) - 1;
}

// Weight k of a kT1 row: block k / 320, byte k % 64, base-3 digit (k % 320) / 64.
inline int32_t t1_weight(const uint8_t* row, int64_t k) {
  static constexpr uint8_t kPowersOfThree[5] = {1, 3, 9, 27, 81};
  const int64_t within = k % 320;
  const uint8_t byte = row[(k / 320) * 64 + within % 64];
  const auto shifted = static_cast<uint8_t>(byte * kPowersOfThree[within / 64]);
  return static_cast<int32_t>((static_cast<uint32_t>(shifted) * 3) >> 8) - 1;
}

template <int32_t (*Weight)(const uint8_t*, int64_t)>
void gemm(const uint8_t* weights, int64_t row_bytes, int64_t m, const int8_t* x, int64_t x_stride,
          const int32_t*, int64_t n, int64_t k_padded, int32_t* out, int64_t out_stride) {
  for (int64_t c = 0; c < n; ++c) {
    const int8_t* column = x + c * x_stride;
    for (int64_t r = 0; r < m; ++r) {
      const uint8_t* row = weights + r * row_bytes;
      int32_t total = 0;
      for (int64_t k = 0; k < k_padded; ++k) total += Weight(row, k) * column[k];
      out[c * out_stride + r] = total;
    }
  }
}

}  // namespace

void fill_scalar_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = gemm<t2_weight>;
  table.gemm_t1 = gemm<t1_weight>;
}

}  // namespace bitnet::cpu

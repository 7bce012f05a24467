// The NEON level (AArch64 Advanced SIMD, part of the base architecture).
#define BITNET_SIMD_NEON 1

#include "bitnet/half.h"
#include "cpu/activation_constants.h"
#include "cpu/kernels.h"
#include "cpu/simd/sleef_adapter.h"
#include "cpu/simd/vec_neon.h"

namespace bitnet::cpu::neon {

#include "cpu/simd/kernels_body.inc"

void f32_to_f16_kernel(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    vst1_u16(out + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(in + i))));
  }
  if (i < n) {
    uint16_t lanes[4];
    vst1_u16(lanes, vreinterpret_u16_f16(vcvt_f16_f32(Vec::load_partial(in + i, n - i, 0.0f))));
    for (int64_t j = 0; j < n - i; ++j) out[i + j] = lanes[j];
  }
}

void f16_to_f32_kernel(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(out + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(in + i))));
  if (i < n) {
    uint16_t lanes[4] = {0, 0, 0, 0};
    for (int64_t j = 0; j < n - i; ++j) lanes[j] = in[i + j];
    Vec::store_partial(out + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(lanes))), n - i);
  }
}

uint16x4_t float_to_bf16(float32x4_t values) {
  const uint32x4_t bits = vreinterpretq_u32_f32(values);
  const uint32x4_t lsb = vandq_u32(vshrq_n_u32(bits, 16), vdupq_n_u32(1));
  const uint32x4_t rounded = vaddq_u32(bits, vaddq_u32(lsb, vdupq_n_u32(0x7fff)));
  const uint32x4_t quiet_nan = vorrq_u32(bits, vdupq_n_u32(0x00400000));
  const uint32x4_t nan_lanes = vmvnq_u32(vceqq_f32(values, values));
  return vshrn_n_u32(vbslq_u32(nan_lanes, quiet_nan, rounded), 16);
}

void f32_to_bf16_kernel(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(out + i, float_to_bf16(vld1q_f32(in + i)));
  if (i < n) {
    uint16_t lanes[4];
    vst1_u16(lanes, float_to_bf16(Vec::load_partial(in + i, n - i, 0.0f)));
    for (int64_t j = 0; j < n - i; ++j) out[i + j] = lanes[j];
  }
}

void bf16_to_f32_kernel(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    vst1q_f32(out + i, vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(in + i), 16)));
  }
  for (; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(in[i]) << 16;
    __builtin_memcpy(out + i, &bits, 4);
  }
}

struct F16Lanes {
  static float32x4_t load(const uint16_t* p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
  }
  static float scalar(uint16_t bits) { return f16_bits_to_float(bits); }
};

struct BF16Lanes {
  static float32x4_t load(const uint16_t* p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
  }
  static float scalar(uint16_t bits) { return bf16_bits_to_float(bits); }
};

}  // namespace bitnet::cpu::neon

namespace bitnet::cpu {

void fill_neon_kernels(CpuKernels& table) {
  neon::fill_common_kernels(table);
  table.f32_to_f16 = neon::f32_to_f16_kernel;
  table.f16_to_f32 = neon::f16_to_f32_kernel;
  table.f32_to_bf16 = neon::f32_to_bf16_kernel;
  table.bf16_to_f32 = neon::bf16_to_f32_kernel;
  table.dot_f16 = neon::half_dot_kernel<neon::F16Lanes>;
  table.dot_bf16 = neon::half_dot_kernel<neon::BF16Lanes>;
}

}  // namespace bitnet::cpu

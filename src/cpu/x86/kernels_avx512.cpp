// The AVX-512 level (F, BW, VL; compiled with those flags alone in this translation unit).
#define BITNET_SIMD_AVX512 1

#include "bitnet/half.h"
#include "cpu/activation_constants.h"
#include "cpu/kernels.h"
#include "cpu/simd/sleef_adapter.h"
#include "cpu/simd/vec_avx512.h"

// GCC 12 reports the deliberately undefined pass-through operand of AVX-512 intrinsics as
// (maybe-)uninitialized once they inline (seen with sanitizers); the operand is never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace bitnet::cpu::avx512 {

#include "cpu/simd/kernels_body.inc"

// F16C-style conversions on 16 lanes; tails go through a masked load/store of the same instruction.
void f32_to_f16_kernel(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i half = _mm512_cvtps_ph(_mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), half);
  }
  if (i < n) {
    const __m256i half =
        _mm512_cvtps_ph(Vec::load_partial(in + i, n - i, 0.0f), _MM_FROUND_TO_NEAREST_INT);
    _mm256_mask_storeu_epi16(out + i, static_cast<__mmask16>((1u << (n - i)) - 1u), half);
  }
}

void f16_to_f32_kernel(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(out + i,
                     _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i))));
  }
  if (i < n) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m256i half = _mm256_maskz_loadu_epi16(mask, in + i);
    _mm512_mask_storeu_ps(out + i, mask, _mm512_cvtph_ps(half));
  }
}

// bf16 by integer rounding (bits + 0x7fff + lsb) >> 16 with NaNs quieted: VCVTNEPS2BF16 would flush
// subnormals to zero, so it cannot match the reference bit for bit.
__m256i float_to_bf16(__m512 values) {
  const __m512i bits = _mm512_castps_si512(values);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
  const __m512i quiet_nan = _mm512_or_si512(bits, _mm512_set1_epi32(0x00400000));
  const __mmask16 nan_lanes = _mm512_cmp_ps_mask(values, values, _CMP_UNORD_Q);
  const __m512i chosen = _mm512_mask_blend_epi32(nan_lanes, rounded, quiet_nan);
  return _mm512_cvtepi32_epi16(_mm512_srli_epi32(chosen, 16));
}

void f32_to_bf16_kernel(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        float_to_bf16(_mm512_loadu_ps(in + i)));
  }
  if (i < n) {
    const __m256i half = float_to_bf16(Vec::load_partial(in + i, n - i, 0.0f));
    _mm256_mask_storeu_epi16(out + i, static_cast<__mmask16>((1u << (n - i)) - 1u), half);
  }
}

void bf16_to_f32_kernel(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i wide =
        _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)));
    _mm512_storeu_ps(out + i, _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16)));
  }
  if (i < n) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, in + i));
    _mm512_mask_storeu_ps(out + i, mask, _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16)));
  }
}

struct F16Lanes {
  static __m512 load(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static float scalar(uint16_t bits) { return f16_bits_to_float(bits); }
};

struct BF16Lanes {
  static __m512 load(const uint16_t* p) {
    const __m512i wide =
        _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
  }
  static float scalar(uint16_t bits) { return bf16_bits_to_float(bits); }
};

}  // namespace bitnet::cpu::avx512

namespace bitnet::cpu {

void fill_avx512_kernels(CpuKernels& table) {
  avx512::fill_common_kernels(table);
  table.f32_to_f16 = avx512::f32_to_f16_kernel;
  table.f16_to_f32 = avx512::f16_to_f32_kernel;
  table.f32_to_bf16 = avx512::f32_to_bf16_kernel;
  table.bf16_to_f32 = avx512::bf16_to_f32_kernel;
  table.dot_f16 = avx512::half_dot_kernel<avx512::F16Lanes>;
  table.dot_bf16 = avx512::half_dot_kernel<avx512::BF16Lanes>;
}

}  // namespace bitnet::cpu

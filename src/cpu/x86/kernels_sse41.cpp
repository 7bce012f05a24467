// The SSE4.1 level (compiled with -msse4.1 alone in this translation unit). f16 conversions stay
// on the scalar kernels: F16C arrived with AVX.
#define BITNET_SIMD_SSE41 1

#include "bitnet/half.h"
#include "cpu/activation_constants.h"
#include "cpu/kernels.h"
#include "cpu/simd/sleef_adapter.h"
#include "cpu/simd/vec_sse41.h"

namespace bitnet::cpu::sse41 {

#include "cpu/simd/kernels_body.inc"

__m128i float_to_bf16_words(__m128 values) {
  const __m128i bits = _mm_castps_si128(values);
  const __m128i lsb = _mm_and_si128(_mm_srli_epi32(bits, 16), _mm_set1_epi32(1));
  const __m128i rounded = _mm_add_epi32(bits, _mm_add_epi32(lsb, _mm_set1_epi32(0x7fff)));
  const __m128i quiet_nan = _mm_or_si128(bits, _mm_set1_epi32(0x00400000));
  const __m128 nan_lanes = _mm_cmpunord_ps(values, values);
  const __m128i chosen = _mm_castps_si128(
      _mm_blendv_ps(_mm_castsi128_ps(rounded), _mm_castsi128_ps(quiet_nan), nan_lanes));
  return _mm_srli_epi32(chosen, 16);
}

void f32_to_bf16_kernel(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128i words = float_to_bf16_words(_mm_loadu_ps(in + i));
    // Values are below 2^16, so the unsigned-saturating pack is exact.
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i), _mm_packus_epi32(words, words));
  }
  if (i < n) {
    alignas(16) uint16_t lanes[8];
    const __m128i words = float_to_bf16_words(Vec::load_partial(in + i, n - i, 0.0f));
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm_packus_epi32(words, words));
    for (int64_t j = 0; j < n - i; ++j) out[i + j] = lanes[j];
  }
}

void bf16_to_f32_kernel(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128i wide =
        _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(in + i)));
    _mm_storeu_ps(out + i, _mm_castsi128_ps(_mm_slli_epi32(wide, 16)));
  }
  for (; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(in[i]) << 16;
    __builtin_memcpy(out + i, &bits, 4);
  }
}

struct BF16Lanes {
  static __m128 load(const uint16_t* p) {
    const __m128i wide = _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    return _mm_castsi128_ps(_mm_slli_epi32(wide, 16));
  }
  static float scalar(uint16_t bits) { return bf16_bits_to_float(bits); }
};

}  // namespace bitnet::cpu::sse41

namespace bitnet::cpu {

void fill_sse41_kernels(CpuKernels& table) {
  sse41::fill_common_kernels(table);
  table.f32_to_bf16 = sse41::f32_to_bf16_kernel;
  table.bf16_to_f32 = sse41::bf16_to_f32_kernel;
  table.dot_bf16 = sse41::half_dot_kernel<sse41::BF16Lanes>;
}

}  // namespace bitnet::cpu

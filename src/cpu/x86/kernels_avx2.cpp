// The AVX2 level (AVX2 + FMA + F16C; compiled with those flags alone in this translation unit).
#define BITNET_SIMD_AVX2 1

#include "bitnet/half.h"
#include "cpu/activation_constants.h"
#include "cpu/kernels.h"
#include "cpu/simd/sleef_adapter.h"
#include "cpu/simd/vec_avx2.h"

namespace bitnet::cpu::avx2 {

#include "cpu/simd/kernels_body.inc"

// Tails of the conversions go through small stack buffers: AVX2 has no 16-bit masked stores.
void f32_to_f16_kernel(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i half = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), half);
  }
  if (i < n) {
    alignas(16) uint16_t lanes[8];
    _mm_store_si128(
        reinterpret_cast<__m128i*>(lanes),
        _mm256_cvtps_ph(Vec::load_partial(in + i, n - i, 0.0f), _MM_FROUND_TO_NEAREST_INT));
    for (int64_t j = 0; j < n - i; ++j) out[i + j] = lanes[j];
  }
}

void f16_to_f32_kernel(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  }
  if (i < n) {
    alignas(16) uint16_t lanes[8] = {};
    for (int64_t j = 0; j < n - i; ++j) lanes[j] = in[i + j];
    Vec::store_partial(
        out + i, _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(lanes))), n - i);
  }
}

// See the AVX-512 file: integer rounding keeps subnormals, quiets NaNs.
__m128i float_to_bf16(__m256 values) {
  const __m256i bits = _mm256_castps_si256(values);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  const __m256i rounded = _mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff)));
  const __m256i quiet_nan = _mm256_or_si256(bits, _mm256_set1_epi32(0x00400000));
  const __m256 nan_lanes = _mm256_cmp_ps(values, values, _CMP_UNORD_Q);
  const __m256i chosen = _mm256_castps_si256(
      _mm256_blendv_ps(_mm256_castsi256_ps(rounded), _mm256_castsi256_ps(quiet_nan), nan_lanes));
  const __m256i shifted = _mm256_srli_epi32(chosen, 16);
  // Values are below 2^16, so the unsigned-saturating pack is exact.
  return _mm_packus_epi32(_mm256_castsi256_si128(shifted), _mm256_extracti128_si256(shifted, 1));
}

void f32_to_bf16_kernel(const float* in, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), float_to_bf16(_mm256_loadu_ps(in + i)));
  }
  if (i < n) {
    alignas(16) uint16_t lanes[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes),
                    float_to_bf16(Vec::load_partial(in + i, n - i, 0.0f)));
    for (int64_t j = 0; j < n - i; ++j) out[i + j] = lanes[j];
  }
}

void bf16_to_f32_kernel(const uint16_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i)));
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
  }
  for (; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(in[i]) << 16;
    __builtin_memcpy(out + i, &bits, 4);
  }
}

struct F16Lanes {
  static __m256 load(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static float scalar(uint16_t bits) { return f16_bits_to_float(bits); }
};

struct BF16Lanes {
  static __m256 load(const uint16_t* p) {
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float scalar(uint16_t bits) { return bf16_bits_to_float(bits); }
};

}  // namespace bitnet::cpu::avx2

namespace bitnet::cpu {

void fill_avx2_kernels(CpuKernels& table) {
  avx2::fill_common_kernels(table);
  table.f32_to_f16 = avx2::f32_to_f16_kernel;
  table.f16_to_f32 = avx2::f16_to_f32_kernel;
  table.f32_to_bf16 = avx2::f32_to_bf16_kernel;
  table.bf16_to_f32 = avx2::bf16_to_f32_kernel;
  table.dot_f16 = avx2::half_dot_kernel<avx2::F16Lanes>;
  table.dot_bf16 = avx2::half_dot_kernel<avx2::BF16Lanes>;
}

}  // namespace bitnet::cpu

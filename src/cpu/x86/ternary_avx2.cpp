// Ternary GEMM on AVX2 (compiled with -mavx2 alone): u8 codes x s8 activations through VPMADDUBSW
// (pairs of products in i16, never saturating for codes up to 3), summed in i16 and widened by
// VPMADDWD.
#include <immintrin.h>

#include <cstdint>

#include "cpu/ternary_kernels.h"
#include "cpu/x86/ternary_tuning_sse_avx2.h"

namespace bitnet::cpu::ternary_avx2 {

struct Wide {
  using Reg = __m256i;
  static constexpr int kBytes = 32;
  static Reg load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static void store(void* p, Reg v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
  static Reg zero() { return _mm256_setzero_si256(); }
  static Reg splat_i32(int32_t value) { return _mm256_set1_epi32(value); }
  static Reg splat_i16(int16_t value) { return _mm256_set1_epi16(value); }
  static Reg splat_i8(int8_t value) { return _mm256_set1_epi8(value); }
  static Reg and_bits(Reg a, Reg b) { return _mm256_and_si256(a, b); }
  static Reg or_bits(Reg a, Reg b) { return _mm256_or_si256(a, b); }
  static Reg add8(Reg a, Reg b) { return _mm256_add_epi8(a, b); }
  static Reg add16(Reg a, Reg b) { return _mm256_add_epi16(a, b); }
  static Reg add32(Reg a, Reg b) { return _mm256_add_epi32(a, b); }
  static Reg sub32(Reg a, Reg b) { return _mm256_sub_epi32(a, b); }
  template <int kShift>
  static Reg shift_right32(Reg a) {
    return _mm256_srai_epi32(a, kShift);
  }
  template <int kShift>
  static Reg shift_right16(Reg a) {
    return _mm256_srli_epi16(a, kShift);
  }
  static Reg mullo16(Reg a, Reg b) { return _mm256_mullo_epi16(a, b); }
  static Reg mulhi_u16(Reg a, Reg b) { return _mm256_mulhi_epu16(a, b); }
  static Reg maddubs(Reg a, Reg b) { return _mm256_maddubs_epi16(a, b); }
  static Reg madd16(Reg a, Reg b) { return _mm256_madd_epi16(a, b); }
  static int32_t reduce_add32(Reg v) {
    __m128i half = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4e));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xb1));
    return _mm_cvtsi128_si32(half);
  }
  static Reg lane_mask(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  // Precondition: 0 < count < 8; only `count` lanes are read or written.
  static Reg load_i32_partial(const int32_t* p, int count) {
    return _mm256_maskload_epi32(p, lane_mask(count));
  }
  static void store_i32_partial(int32_t* p, Reg v, int count) {
    _mm256_maskstore_epi32(p, lane_mask(count), v);
  }

  // 8 x 8 dword transpose: 4 x 4 within each 128-bit lane, then the lanes of the two row groups.
  static void transpose_dwords(Reg (&rows)[8]) {
    Reg within[8];
    for (int group = 0; group < 2; ++group) {
      const Reg* r = rows + 4 * group;
      const Reg low01 = _mm256_unpacklo_epi32(r[0], r[1]);
      const Reg high01 = _mm256_unpackhi_epi32(r[0], r[1]);
      const Reg low23 = _mm256_unpacklo_epi32(r[2], r[3]);
      const Reg high23 = _mm256_unpackhi_epi32(r[2], r[3]);
      within[4 * group + 0] = _mm256_unpacklo_epi64(low01, low23);
      within[4 * group + 1] = _mm256_unpackhi_epi64(low01, low23);
      within[4 * group + 2] = _mm256_unpacklo_epi64(high01, high23);
      within[4 * group + 3] = _mm256_unpackhi_epi64(high01, high23);
    }
    for (int j = 0; j < 4; ++j) {
      rows[j] = _mm256_permute2x128_si256(within[j], within[4 + j], 0x20);
      rows[4 + j] = _mm256_permute2x128_si256(within[j], within[4 + j], 0x31);
    }
  }
};

using Tuning = MaddubsTuning;

#include "cpu/x86/ternary_ops_x86.inc"

#include "cpu/simd/ternary_body.inc"

}  // namespace bitnet::cpu::ternary_avx2

namespace bitnet::cpu {

void fill_avx2_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = ternary_avx2::gemm_t2_kernel;
  table.gemm_t1 = ternary_avx2::gemm_t1_kernel;
}

}  // namespace bitnet::cpu

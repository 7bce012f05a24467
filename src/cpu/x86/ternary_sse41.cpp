// Ternary GEMM on SSE4.1 (compiled with -msse4.1 alone): u8 codes x s8 activations through
// PMADDUBSW (pairs of products in i16, never saturating for codes up to 3), summed in i16 and
// widened by PMADDWD.
#include <smmintrin.h>

#include <cstdint>

#include "cpu/ternary_kernels.h"
#include "cpu/x86/ternary_tuning_sse_avx2.h"

namespace bitnet::cpu::ternary_sse41 {

struct Wide {
  using Reg = __m128i;
  static constexpr int kBytes = 16;
  static Reg load(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
  static void store(void* p, Reg v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
  static Reg zero() { return _mm_setzero_si128(); }
  static Reg splat_i32(int32_t value) { return _mm_set1_epi32(value); }
  static Reg splat_i16(int16_t value) { return _mm_set1_epi16(value); }
  static Reg splat_i8(int8_t value) { return _mm_set1_epi8(value); }
  static Reg and_bits(Reg a, Reg b) { return _mm_and_si128(a, b); }
  static Reg or_bits(Reg a, Reg b) { return _mm_or_si128(a, b); }
  static Reg add8(Reg a, Reg b) { return _mm_add_epi8(a, b); }
  static Reg add16(Reg a, Reg b) { return _mm_add_epi16(a, b); }
  static Reg add32(Reg a, Reg b) { return _mm_add_epi32(a, b); }
  static Reg sub32(Reg a, Reg b) { return _mm_sub_epi32(a, b); }
  template <int kShift>
  static Reg shift_right32(Reg a) {
    return _mm_srai_epi32(a, kShift);
  }
  template <int kShift>
  static Reg shift_right16(Reg a) {
    return _mm_srli_epi16(a, kShift);
  }
  static Reg mullo16(Reg a, Reg b) { return _mm_mullo_epi16(a, b); }
  static Reg mulhi_u16(Reg a, Reg b) { return _mm_mulhi_epu16(a, b); }
  static Reg maddubs(Reg a, Reg b) { return _mm_maddubs_epi16(a, b); }
  static Reg madd16(Reg a, Reg b) { return _mm_madd_epi16(a, b); }
  static int32_t reduce_add32(Reg v) {
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4e));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xb1));
    return _mm_cvtsi128_si32(v);
  }
  // Precondition: 0 < count < 4; only `count` lanes are read or written.
  static Reg load_i32_partial(const int32_t* p, int count) {
    alignas(16) int32_t lanes[4] = {0, 0, 0, 0};
    __builtin_memcpy(lanes, p, static_cast<size_t>(count) * 4);
    return _mm_load_si128(reinterpret_cast<const __m128i*>(lanes));
  }
  static void store_i32_partial(int32_t* p, Reg v, int count) {
    alignas(16) int32_t lanes[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), v);
    __builtin_memcpy(p, lanes, static_cast<size_t>(count) * 4);
  }
  static void transpose_dwords(Reg (&rows)[4]) {
    const Reg low01 = _mm_unpacklo_epi32(rows[0], rows[1]);
    const Reg high01 = _mm_unpackhi_epi32(rows[0], rows[1]);
    const Reg low23 = _mm_unpacklo_epi32(rows[2], rows[3]);
    const Reg high23 = _mm_unpackhi_epi32(rows[2], rows[3]);
    rows[0] = _mm_unpacklo_epi64(low01, low23);
    rows[1] = _mm_unpackhi_epi64(low01, low23);
    rows[2] = _mm_unpacklo_epi64(high01, high23);
    rows[3] = _mm_unpackhi_epi64(high01, high23);
  }
};

using Tuning = MaddubsTuning;

#include "cpu/x86/ternary_ops_x86.inc"

#include "cpu/simd/ternary_body.inc"

}  // namespace bitnet::cpu::ternary_sse41

namespace bitnet::cpu {

void fill_sse41_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = ternary_sse41::gemm_t2_kernel;
  table.gemm_t1 = ternary_sse41::gemm_t1_kernel;
}

}  // namespace bitnet::cpu

// Ternary GEMM on SSE4.1 (compiled with -msse4.1 alone): u8 codes x s8 activations through
// PMADDUBSW (pairs of products in i16, never saturating for codes up to 3), summed in i16 and
// widened by PMADDWD.
#include <smmintrin.h>

#include <cstdint>

#include "cpu/ternary_kernels.h"

namespace bitnet::cpu::ternary_sse41 {

struct TernaryOps {
  using Reg = __m128i;
  static constexpr int kBytes = 16;
  static constexpr bool kDotProduct = false;
  static constexpr bool kUnsignedDot = false;
  static constexpr int kGemvAccumulators = 8;  // GEMV tile registers: rows x columns
  static constexpr int kGemvColumns = 4;
  static constexpr int kGemvColumnsT1 = 4;
  static constexpr int kPanelRegisters = 2;
  static constexpr int kTileColumns = 5;  // 2 x 5 i16 accumulators + 2 code vectors of 16
  static constexpr int kGemmMinColumns = 16;
  static constexpr int64_t kChunkWeights = 1024;
  static constexpr int kPrefetchBytes = 1024;  // GEMV weight rows, ahead of use

  static Reg load(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
  static void store(void* p, Reg v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
  static Reg zero() { return _mm_setzero_si128(); }
  static Reg splat_i32(int32_t value) { return _mm_set1_epi32(value); }
  // Precondition: p points to 4 readable bytes.
  static Reg splat_dword(const void* p) {
    int32_t value;
    __builtin_memcpy(&value, p, 4);
    return _mm_set1_epi32(value);
  }
  static Reg add32(Reg a, Reg b) { return _mm_add_epi32(a, b); }
  static Reg sub32(Reg a, Reg b) { return _mm_sub_epi32(a, b); }
  template <int kShift>
  static Reg shift_right32(Reg a) {
    return _mm_srai_epi32(a, kShift);
  }
  static Reg times_three8(Reg t) { return _mm_add_epi8(t, _mm_add_epi8(t, t)); }

  // Bits 2 kShift .. 2 kShift + 1 of each byte (bits crossing from the next byte are masked off).
  template <int kShift>
  static Reg t2_codes(Reg packed) {
    const Reg mask = _mm_set1_epi8(3);
    if constexpr (kShift == 0) {
      return _mm_and_si128(packed, mask);
    } else {
      return _mm_and_si128(_mm_srli_epi16(packed, 2 * kShift), mask);
    }
  }

  // Bits 2 kShift .. 2 kShift + 1 of each byte left in place: 4^kShift times the code.
  template <int kShift>
  static Reg t2_masked(Reg packed) {
    return _mm_and_si128(packed, _mm_set1_epi8(static_cast<char>(3 << (2 * kShift))));
  }

  // Base-3 digits through 16-bit multiplies, as in ternary_ops_avx512.inc.
  struct T1Source {
    Reg packed;
    Reg odd;
  };
  static T1Source t1_source(Reg packed) {
    return {packed, _mm_and_si128(packed, _mm_set1_epi16(static_cast<int16_t>(0xff00)))};
  }
  template <int kDigit>
  static Reg t1_digit(const T1Source& source) {
    constexpr int kPower = kDigit == 0   ? 1
                           : kDigit == 1 ? 3
                           : kDigit == 2 ? 9
                           : kDigit == 3 ? 27
                                         : 81;
    const Reg even_scaled = _mm_mullo_epi16(source.packed, _mm_set1_epi16(kPower * 256));
    const Reg odd_scaled = _mm_mullo_epi16(source.odd, _mm_set1_epi16(kPower));
    const Reg even = _mm_mulhi_epu16(even_scaled, _mm_set1_epi16(3));
    const Reg odd_tripled = _mm_mulhi_epu16(odd_scaled, _mm_set1_epi16(3 * 256));
    return _mm_or_si128(even,
                        _mm_and_si128(odd_tripled, _mm_set1_epi16(static_cast<int16_t>(0xff00))));
  }

  // Byte products in i16 lanes, two per lane as PMADDUBSW adds them (never saturating: codes are
  // at most 3); widened by PMADDWD with ones.
  using Products = Reg;
  static Products no_products() { return zero(); }
  static Products accumulate_products(Products products, Reg codes, Reg x) {
    return _mm_add_epi16(products, _mm_maddubs_epi16(codes, x));
  }
  static Reg add_products(Reg acc, const Products& products) {
    return _mm_add_epi32(acc, _mm_madd_epi16(products, _mm_set1_epi16(1)));
  }
  static Reg dot(Reg acc, Reg codes, Reg x) {
    return add_products(acc, _mm_maddubs_epi16(codes, x));
  }
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

#include "cpu/simd/ternary_body.inc"

}  // namespace bitnet::cpu::ternary_sse41

namespace bitnet::cpu {

void fill_sse41_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = ternary_sse41::gemm_t2_kernel;
  table.gemm_t1 = ternary_sse41::gemm_t1_kernel;
}

}  // namespace bitnet::cpu

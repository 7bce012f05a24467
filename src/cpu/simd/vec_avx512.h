// 16-lane f32 vectors on AVX-512 (F, BW, VL). Included only by the AVX-512 translation unit.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace bitnet::cpu::avx512 {

struct Vec {
  using Reg = __m512;
  using Mask = __mmask16;
  using IntReg = __m512i;
  static constexpr int kLanes = 16;

  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  // Precondition: count < kLanes; lanes past count read as `fill` and are never written.
  static Reg load_partial(const float* p, int64_t count, float fill) {
    const Mask mask = static_cast<Mask>((1u << count) - 1u);
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask, p);
  }
  static void store_partial(float* p, Reg v, int64_t count) {
    _mm512_mask_storeu_ps(p, static_cast<Mask>((1u << count) - 1u), v);
  }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg zero() { return _mm512_setzero_ps(); }

  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg sqrt(Reg a) { return _mm512_sqrt_ps(a); }
  static Reg abs(Reg a) { return _mm512_abs_ps(a); }
  // Plain max/min: the result for NaN operands is unspecified (callers that care use is_nan).
  static Reg max_raw(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg min_raw(Reg a, Reg b) { return _mm512_min_ps(a, b); }

  static Mask lt(Reg a, Reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static Mask gt(Reg a, Reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static Mask eq(Reg a, Reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static Mask is_nan(Reg a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static Mask mask_or(Mask a, Mask b) { return static_cast<Mask>(a | b); }
  static bool any(Mask m) { return m != 0; }
  // mask ? a : b, per lane.
  static Reg select(Mask mask, Reg a, Reg b) { return _mm512_mask_blend_ps(mask, b, a); }

  static Reg round_even(Reg a) {
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  // 2^n for integral n in [-126, 127], built in the exponent field.
  static Reg pow2(Reg n) {
    const IntReg biased = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(biased, 23));
  }

  static float reduce_add(Reg v) { return _mm512_reduce_add_ps(v); }
  static float reduce_max(Reg v) { return _mm512_reduce_max_ps(v); }

  // Sums f32 lanes in f64.
  struct DoubleSum {
    __m512d low = _mm512_setzero_pd();
    __m512d high = _mm512_setzero_pd();
    void add(Reg v) {
      low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
      high = _mm512_add_pd(
          high, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
    }
    // Adds the squares of the lanes, squared in f64 (no overflow for |x| up to FLT_MAX).
    void add_squares(Reg v) {
      const __m512d first = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
      const __m512d second =
          _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
      low = _mm512_add_pd(low, _mm512_mul_pd(first, first));
      high = _mm512_add_pd(high, _mm512_mul_pd(second, second));
    }
    void merge(const DoubleSum& other) {
      low = _mm512_add_pd(low, other.low);
      high = _mm512_add_pd(high, other.high);
    }
    double total() const { return _mm512_reduce_add_pd(_mm512_add_pd(low, high)); }
  };

  // Rounds to nearest even and saturates to int8; stores kLanes (or count) bytes.
  static void store_i8(int8_t* p, Reg scaled) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                     _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(scaled)));
  }
  static void store_i8_partial(int8_t* p, Reg scaled, int64_t count) {
    _mm512_mask_cvtsepi32_storeu_epi8(p, static_cast<Mask>((1u << count) - 1u),
                                      _mm512_cvtps_epi32(scaled));
  }
};

}  // namespace bitnet::cpu::avx512

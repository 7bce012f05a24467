// 4-lane f32 vectors on SSE4.1 (no FMA: fmadd is a multiply then an add). Included only by the
// SSE4.1 translation unit.
#pragma once

#include <smmintrin.h>

#include <cstdint>

namespace bitnet::cpu::sse41 {

struct Vec {
  using Reg = __m128;
  using Mask = __m128;
  static constexpr int kLanes = 4;

  static Reg load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm_storeu_ps(p, v); }
  // Precondition: count < kLanes; only `count` floats are read or written.
  static Reg load_partial(const float* p, int64_t count, float fill) {
    alignas(16) float lanes[4] = {fill, fill, fill, fill};
    for (int64_t i = 0; i < count; ++i) lanes[i] = p[i];
    return _mm_load_ps(lanes);
  }
  static void store_partial(float* p, Reg v, int64_t count) {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, v);
    for (int64_t i = 0; i < count; ++i) p[i] = lanes[i];
  }
  static Reg set1(float x) { return _mm_set1_ps(x); }
  static Reg zero() { return _mm_setzero_ps(); }

  static Reg add(Reg a, Reg b) { return _mm_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm_div_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static Reg sqrt(Reg a) { return _mm_sqrt_ps(a); }
  static Reg abs(Reg a) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), a); }
  static Reg max_raw(Reg a, Reg b) { return _mm_max_ps(a, b); }
  static Reg min_raw(Reg a, Reg b) { return _mm_min_ps(a, b); }

  static Mask lt(Reg a, Reg b) { return _mm_cmplt_ps(a, b); }
  static Mask gt(Reg a, Reg b) { return _mm_cmpgt_ps(a, b); }
  static Mask eq(Reg a, Reg b) { return _mm_cmpeq_ps(a, b); }
  static Mask is_nan(Reg a) { return _mm_cmpunord_ps(a, a); }
  static Mask mask_or(Mask a, Mask b) { return _mm_or_ps(a, b); }
  static bool any(Mask m) { return _mm_movemask_ps(m) != 0; }
  static Reg select(Mask mask, Reg a, Reg b) { return _mm_blendv_ps(b, a, mask); }

  static Reg round_even(Reg a) {
    return _mm_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static Reg pow2(Reg n) {
    const __m128i biased = _mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127));
    return _mm_castsi128_ps(_mm_slli_epi32(biased, 23));
  }

  static float reduce_add(Reg v) {
    __m128 sum = _mm_add_ps(v, _mm_movehl_ps(v, v));
    sum = _mm_add_ss(sum, _mm_shuffle_ps(sum, sum, 1));
    return _mm_cvtss_f32(sum);
  }
  static float reduce_max(Reg v) {
    __m128 best = _mm_max_ps(v, _mm_movehl_ps(v, v));
    best = _mm_max_ss(best, _mm_shuffle_ps(best, best, 1));
    return _mm_cvtss_f32(best);
  }

  struct DoubleSum {
    __m128d low = _mm_setzero_pd();
    __m128d high = _mm_setzero_pd();
    void add(Reg v) {
      low = _mm_add_pd(low, _mm_cvtps_pd(v));
      high = _mm_add_pd(high, _mm_cvtps_pd(_mm_movehl_ps(v, v)));
    }
    void add_squares(Reg v) {
      const __m128d first = _mm_cvtps_pd(v);
      const __m128d second = _mm_cvtps_pd(_mm_movehl_ps(v, v));
      low = _mm_add_pd(low, _mm_mul_pd(first, first));
      high = _mm_add_pd(high, _mm_mul_pd(second, second));
    }
    void merge(const DoubleSum& other) {
      low = _mm_add_pd(low, other.low);
      high = _mm_add_pd(high, other.high);
    }
    double total() const {
      const __m128d sum = _mm_add_pd(low, high);
      return _mm_cvtsd_f64(_mm_add_sd(sum, _mm_unpackhi_pd(sum, sum)));
    }
  };

  static __m128i to_i8(Reg scaled) {
    const __m128i words = _mm_cvtps_epi32(scaled);
    const __m128i halves = _mm_packs_epi32(words, words);
    return _mm_packs_epi16(halves, halves);
  }
  static void store_i8(int8_t* p, Reg scaled) {
    const int packed = _mm_cvtsi128_si32(to_i8(scaled));
    // Precondition: p has 4 writable bytes.
    __builtin_memcpy(p, &packed, 4);
  }
  static void store_i8_partial(int8_t* p, Reg scaled, int64_t count) {
    alignas(16) int8_t bytes[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(bytes), to_i8(scaled));
    for (int64_t i = 0; i < count; ++i) p[i] = bytes[i];
  }
};

}  // namespace bitnet::cpu::sse41

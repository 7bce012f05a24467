// 8-lane f32 vectors on AVX2 + FMA. Included only by the AVX2 translation unit.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace bitnet::cpu::avx2 {

struct Vec {
  using Reg = __m256;
  using Mask = __m256;
  static constexpr int kLanes = 8;

  static __m256i lane_mask(int64_t count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), lanes);
  }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  // Precondition: count < kLanes; masked lanes are not touched in memory.
  static Reg load_partial(const float* p, int64_t count, float fill) {
    const __m256i mask = lane_mask(count);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, mask),
                            _mm256_castsi256_ps(mask));
  }
  static void store_partial(float* p, Reg v, int64_t count) {
    _mm256_maskstore_ps(p, lane_mask(count), v);
  }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg zero() { return _mm256_setzero_ps(); }

  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm256_div_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg sqrt(Reg a) { return _mm256_sqrt_ps(a); }
  static Reg abs(Reg a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static Reg max_raw(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  static Reg min_raw(Reg a, Reg b) { return _mm256_min_ps(a, b); }

  static Mask lt(Reg a, Reg b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static Mask gt(Reg a, Reg b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static Mask eq(Reg a, Reg b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static Mask is_nan(Reg a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static Mask mask_or(Mask a, Mask b) { return _mm256_or_ps(a, b); }
  static bool any(Mask m) { return _mm256_movemask_ps(m) != 0; }
  static Reg select(Mask mask, Reg a, Reg b) { return _mm256_blendv_ps(b, a, mask); }

  static Reg round_even(Reg a) {
    return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static Reg pow2(Reg n) {
    const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23));
  }

  static float reduce_add(Reg v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
  }
  static float reduce_max(Reg v) {
    __m128 best = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    best = _mm_max_ps(best, _mm_movehl_ps(best, best));
    best = _mm_max_ss(best, _mm_movehdup_ps(best));
    return _mm_cvtss_f32(best);
  }

  struct DoubleSum {
    __m256d low = _mm256_setzero_pd();
    __m256d high = _mm256_setzero_pd();
    void add(Reg v) {
      low = _mm256_add_pd(low, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
      high = _mm256_add_pd(high, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    void add_squares(Reg v) {
      const __m256d first = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
      const __m256d second = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
      low = _mm256_add_pd(low, _mm256_mul_pd(first, first));
      high = _mm256_add_pd(high, _mm256_mul_pd(second, second));
    }
    void merge(const DoubleSum& other) {
      low = _mm256_add_pd(low, other.low);
      high = _mm256_add_pd(high, other.high);
    }
    double total() const {
      const __m256d sum = _mm256_add_pd(low, high);
      __m128d half = _mm_add_pd(_mm256_castpd256_pd128(sum), _mm256_extractf128_pd(sum, 1));
      half = _mm_add_sd(half, _mm_unpackhi_pd(half, half));
      return _mm_cvtsd_f64(half);
    }
  };

  // Round to nearest even (MXCSR default), saturate to int8: 8 lanes -> 8 bytes.
  static __m128i to_i8(Reg scaled) {
    const __m256i words = _mm256_cvtps_epi32(scaled);
    const __m128i halves =
        _mm_packs_epi32(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
    return _mm_packs_epi16(halves, halves);
  }
  static void store_i8(int8_t* p, Reg scaled) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), to_i8(scaled));
  }
  static void store_i8_partial(int8_t* p, Reg scaled, int64_t count) {
    alignas(16) int8_t bytes[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(bytes), to_i8(scaled));
    for (int64_t i = 0; i < count; ++i) p[i] = bytes[i];
  }
};

}  // namespace bitnet::cpu::avx2

// 4-lane f32 vectors on AArch64 Advanced SIMD (NEON). Included only by the NEON translation unit.
#pragma once

#include <arm_neon.h>

#include <cstdint>

namespace bitnet::cpu::neon {

struct Vec {
  using Reg = float32x4_t;
  using Mask = uint32x4_t;
  static constexpr int kLanes = 4;

  static Reg load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, Reg v) { vst1q_f32(p, v); }
  // Precondition: count < kLanes; only `count` floats are read or written.
  static Reg load_partial(const float* p, int64_t count, float fill) {
    float lanes[4] = {fill, fill, fill, fill};
    for (int64_t i = 0; i < count; ++i) lanes[i] = p[i];
    return vld1q_f32(lanes);
  }
  static void store_partial(float* p, Reg v, int64_t count) {
    float lanes[4];
    vst1q_f32(lanes, v);
    for (int64_t i = 0; i < count; ++i) p[i] = lanes[i];
  }
  static Reg set1(float x) { return vdupq_n_f32(x); }
  static Reg zero() { return vdupq_n_f32(0.0f); }

  static Reg add(Reg a, Reg b) { return vaddq_f32(a, b); }
  static Reg sub(Reg a, Reg b) { return vsubq_f32(a, b); }
  static Reg mul(Reg a, Reg b) { return vmulq_f32(a, b); }
  static Reg div(Reg a, Reg b) { return vdivq_f32(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return vfmaq_f32(c, a, b); }
  static Reg sqrt(Reg a) { return vsqrtq_f32(a); }
  static Reg abs(Reg a) { return vabsq_f32(a); }
  static Reg max_raw(Reg a, Reg b) { return vmaxq_f32(a, b); }
  static Reg min_raw(Reg a, Reg b) { return vminq_f32(a, b); }

  static Mask lt(Reg a, Reg b) { return vcltq_f32(a, b); }
  static Mask gt(Reg a, Reg b) { return vcgtq_f32(a, b); }
  static Mask eq(Reg a, Reg b) { return vceqq_f32(a, b); }
  static Mask is_nan(Reg a) { return vmvnq_u32(vceqq_f32(a, a)); }
  static Mask mask_or(Mask a, Mask b) { return vorrq_u32(a, b); }
  static bool any(Mask m) { return vmaxvq_u32(m) != 0; }
  static Reg select(Mask mask, Reg a, Reg b) { return vbslq_f32(mask, a, b); }

  static Reg round_even(Reg a) { return vrndnq_f32(a); }
  static Reg pow2(Reg n) {
    const int32x4_t biased = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(biased, 23));
  }

  static float reduce_add(Reg v) { return vaddvq_f32(v); }
  static float reduce_max(Reg v) { return vmaxvq_f32(v); }

  struct DoubleSum {
    float64x2_t low = vdupq_n_f64(0.0);
    float64x2_t high = vdupq_n_f64(0.0);
    void add(Reg v) {
      low = vaddq_f64(low, vcvt_f64_f32(vget_low_f32(v)));
      high = vaddq_f64(high, vcvt_high_f64_f32(v));
    }
    void add_squares(Reg v) {
      const float64x2_t first = vcvt_f64_f32(vget_low_f32(v));
      const float64x2_t second = vcvt_high_f64_f32(v);
      low = vaddq_f64(low, vmulq_f64(first, first));
      high = vaddq_f64(high, vmulq_f64(second, second));
    }
    void merge(const DoubleSum& other) {
      low = vaddq_f64(low, other.low);
      high = vaddq_f64(high, other.high);
    }
    double total() const { return vaddvq_f64(vaddq_f64(low, high)); }
  };

  // Round to nearest even, saturate to int8 (narrowing with saturation twice).
  static int8x8_t to_i8(Reg scaled) {
    const int32x4_t words = vcvtnq_s32_f32(scaled);
    const int16x4_t halves = vqmovn_s32(words);
    return vqmovn_s16(vcombine_s16(halves, halves));
  }
  static void store_i8(int8_t* p, Reg scaled) {
    int8_t bytes[8];
    vst1_s8(bytes, to_i8(scaled));
    for (int i = 0; i < 4; ++i) p[i] = bytes[i];
  }
  static void store_i8_partial(int8_t* p, Reg scaled, int64_t count) {
    int8_t bytes[8];
    vst1_s8(bytes, to_i8(scaled));
    for (int64_t i = 0; i < count; ++i) p[i] = bytes[i];
  }
};

}  // namespace bitnet::cpu::neon

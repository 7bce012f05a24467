// SLEEF (vectorised libm) for the transcendentals we do not approximate ourselves: erfc for the
// exact GELU. Included by one SIMD translation unit at a time, after it defines which level it is
// (BITNET_SIMD_SSE41, _AVX2, _AVX512 or _NEON); the rest of the code never sees <sleef.h>.
#pragma once

#include <sleef.h>

namespace bitnet::cpu {

#if defined(BITNET_SIMD_AVX512)
inline __m512 sleef_erfc(__m512 x) {
  return Sleef_erfcf16_u15avx512f(x);
}
#elif defined(BITNET_SIMD_AVX2)
inline __m256 sleef_erfc(__m256 x) {
  return Sleef_erfcf8_u15avx2(x);
}
#elif defined(BITNET_SIMD_SSE41)
inline __m128 sleef_erfc(__m128 x) {
  return Sleef_erfcf4_u15sse4(x);
}
#elif defined(BITNET_SIMD_NEON)
inline float32x4_t sleef_erfc(float32x4_t x) {
  return Sleef_erfcf4_u15advsimd(x);
}
#else
#error "sleef_adapter.h: define the SIMD level before including it"
#endif

}  // namespace bitnet::cpu

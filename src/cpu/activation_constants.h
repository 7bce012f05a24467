// Constants shared by the scalar and SIMD activation kernels (so both compute the same formula).
#pragma once

namespace bitnet::cpu {

inline constexpr float kSqrtTwoOverPi = 0.7978845608028654f;  // sqrt(2/pi), tanh-form GELU
inline constexpr float kGeluCubic = 0.044715f;
inline constexpr float kInverseSqrtTwo = 0.7071067811865476f;  // 1/sqrt(2), erf-form GELU

}  // namespace bitnet::cpu

// Scalar definitions of the f32 arithmetic and activations, shared by the reference kernels and by
// the SIMD levels' scalar fallbacks. Only for baseline-compiled translation units.
#pragma once

#include <cmath>
#include <cstdint>

#include "cpu/activation_constants.h"
#include "cpu/kernels.h"

namespace bitnet::cpu::reference {

template <ArithmeticKind Kind>
inline float apply_arithmetic(float a, float b) {
  if constexpr (Kind == ArithmeticKind::kAdd) return a + b;
  if constexpr (Kind == ArithmeticKind::kSub) return a - b;
  if constexpr (Kind == ArithmeticKind::kMul) return a * b;
  if constexpr (Kind == ArithmeticKind::kDiv) return a / b;
  if constexpr (Kind == ArithmeticKind::kMax || Kind == ArithmeticKind::kMin) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    if constexpr (Kind == ArithmeticKind::kMax)
      return a < b ? b : a;
    else
      return b < a ? b : a;
  }
}

// x * sigmoid(z) in double, rounded once: 1/(1+e) for z >= 0 and e/(1+e) below, with
// e = e^{-|z|} (no overflow, and tiny results keep their precision).
inline float times_sigmoid(double x, double z) {
  const double e = std::exp(-std::fabs(z));
  return static_cast<float>(z < 0 ? x * e / (1.0 + e) : x / (1.0 + e));
}

template <ActivationKind Kind>
inline float apply_activation(float x) {
  // silu and the GELUs tend to -0 as x -> -Inf; the formulas would give -Inf / Inf or -Inf * 0.
  if constexpr (Kind == ActivationKind::kSilu || Kind == ActivationKind::kGeluErf ||
                Kind == ActivationKind::kGeluTanh) {
    if (x == -INFINITY) return -0.0f;
  }
  if constexpr (Kind == ActivationKind::kExp) return std::exp(x);
  if constexpr (Kind == ActivationKind::kTanh) return std::tanh(x);
  if constexpr (Kind == ActivationKind::kSigmoid) return times_sigmoid(1.0, x);
  if constexpr (Kind == ActivationKind::kSilu) return times_sigmoid(x, x);
  if constexpr (Kind == ActivationKind::kGeluErf) return 0.5f * x * std::erfc(-x * kInverseSqrtTwo);
  if constexpr (Kind == ActivationKind::kGeluTanh) {
    // 0.5 x (1 + tanh(u)) written as x sigmoid(2u): the same value without cancellation for x < 0.
    const float cubic = x * x * x;
    const float u = kSqrtTwoOverPi * (x + kGeluCubic * cubic);
    return times_sigmoid(x, static_cast<double>(u) + u);
  }
  if constexpr (Kind == ActivationKind::kRelu) return x > 0 ? x : (std::isnan(x) ? x : 0.0f);
  if constexpr (Kind == ActivationKind::kRelu2) {
    const float positive = x > 0 ? x : (std::isnan(x) ? x : 0.0f);
    return positive * positive;
  }
}

// round half to even (the default rounding mode), then saturate to int8.
inline int8_t quantize_to_i8(float scaled) {
  const float rounded = std::nearbyint(scaled);
  if (rounded >= 127.0f) return 127;
  if (rounded <= -128.0f) return -128;
  return static_cast<int8_t>(rounded);
}

}  // namespace bitnet::cpu::reference

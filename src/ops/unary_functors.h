// The scalar definition of each unary op. Integer neg and abs wrap modulo 2^bits (computed in
// unsigned arithmetic: abs(INT_MIN) is INT_MIN, no undefined behaviour). The transcendental ops
// evaluate in double and their caller rounds once to the storage type, so this scalar reference is
// correctly rounded in almost every case and can serve as the oracle for vectorised kernels.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "bitnet/ops.h"
#include "ops/binary_functors.h"

namespace bitnet {

// True for the ops whose result is floating whatever the input (integers and bool give f32).
constexpr bool unary_result_is_floating(UnaryOp op) noexcept {
  return !(op == UnaryOp::kNeg || op == UnaryOp::kAbs || op == UnaryOp::kRelu ||
           op == UnaryOp::kRelu2);
}

// True for the ops evaluated in double for every floating storage type. The others (neg, abs,
// relu, relu2, sqrt) are exact or correctly rounded in the storage type's compute type already:
// sqrt in float rounds correctly to f16 and bf16 because float has more than 2p + 2 bits.
constexpr bool unary_evaluates_in_double(UnaryOp op) noexcept {
  return unary_result_is_floating(op) && op != UnaryOp::kSqrt;
}

// 1 / (1 + exp(-x)), written so that neither branch overflows: exp only sees non-positive values.
inline double stable_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

template <UnaryOp Op, typename C>
inline C apply_unary(C x) {
  if constexpr (Op == UnaryOp::kNeg) {
    if constexpr (std::is_integral_v<C>) {
      return wrapping_sub(C(0), x);
    } else {
      return -x;
    }
  } else if constexpr (Op == UnaryOp::kAbs) {
    if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
      return x < 0 ? wrapping_sub(C(0), x) : x;
    } else if constexpr (std::is_integral_v<C>) {
      return x;
    } else {
      return std::fabs(x);
    }
  } else if constexpr (Op == UnaryOp::kRelu) {
    // A comparison that is false for NaN, so NaN passes through.
    return x < C(0) ? C(0) : x;
  } else if constexpr (Op == UnaryOp::kRelu2) {
    if constexpr (std::is_same_v<C, bool>) {
      return x;
    } else if constexpr (std::is_floating_point_v<C>) {
      // relu as a bit mask (x < 0 clears every bit; NaN keeps its bits): GCC moves the product of
      // a select into its branches, and a product under a branch may trap, so the plain select
      // form does not vectorise.
      using Bits = std::conditional_t<sizeof(C) == 4, uint32_t, uint64_t>;
      const Bits keep = x < C(0) ? Bits{0} : ~Bits{0};
      const C positive = std::bit_cast<C>(std::bit_cast<Bits>(x) & keep);
      return positive * positive;
    } else {
      const C positive = x < C(0) ? C(0) : x;
      return wrapping_mul(positive, positive);
    }
  } else if constexpr (Op == UnaryOp::kSqrt) {
    return std::sqrt(x);
  } else {
    static_assert(std::is_same_v<C, double>, "transcendental ops evaluate in double");
    if constexpr (Op == UnaryOp::kExp) {
      return std::exp(x);
    } else if constexpr (Op == UnaryOp::kLog) {
      return std::log(x);
    } else if constexpr (Op == UnaryOp::kRsqrt) {
      return 1.0 / std::sqrt(x);
    } else if constexpr (Op == UnaryOp::kSin) {
      return std::sin(x);
    } else if constexpr (Op == UnaryOp::kCos) {
      return std::cos(x);
    } else if constexpr (Op == UnaryOp::kTanh) {
      return std::tanh(x);
    } else if constexpr (Op == UnaryOp::kSigmoid) {
      return stable_sigmoid(x);
    } else {
      // silu and both gelus are x times a factor that tends to 0 as x -> -inf; the product would
      // be -inf * 0 = NaN there, so the limit is returned instead.
      if (x == -INFINITY) return -0.0;
      if constexpr (Op == UnaryOp::kSilu) {
        return x * stable_sigmoid(x);
      } else if constexpr (Op == UnaryOp::kGeluErf) {
        // 0.5 x (1 + erf(x / sqrt 2)) as erfc(-x / sqrt 2): no cancellation for negative x.
        constexpr double inverse_sqrt_2 = 0.70710678118654752440;
        return 0.5 * x * std::erfc(-x * inverse_sqrt_2);
      } else {
        static_assert(Op == UnaryOp::kGeluTanh);
        // 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3) (Hendrycks and
        // Gimpel, 2016); the sigmoid form has no cancellation for negative x.
        constexpr double sqrt_2_over_pi = 0.79788456080286535588;
        const double u = sqrt_2_over_pi * (x + 0.044715 * x * x * x);
        return x * stable_sigmoid(2.0 * u);
      }
    }
  }
}

}  // namespace bitnet

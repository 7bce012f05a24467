// The scalar definition of each binary op on a compute type C (float for f16/bf16). Integer
// arithmetic wraps modulo 2^bits (computed in unsigned arithmetic: no undefined behaviour).
#pragma once

#include <cmath>
#include <type_traits>

#include "bitnet/ops.h"

namespace bitnet {

template <typename C>
inline C wrapping_add(C a, C b) {
  if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
    using U = std::make_unsigned_t<C>;
    return static_cast<C>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return static_cast<C>(a + b);
  }
}

template <typename C>
inline C wrapping_sub(C a, C b) {
  if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
    using U = std::make_unsigned_t<C>;
    return static_cast<C>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return static_cast<C>(a - b);
  }
}

template <typename C>
inline C wrapping_mul(C a, C b) {
  if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
    using U = std::make_unsigned_t<C>;
    // Unsigned types narrower than int promote to (signed) int; widen to a type that does not.
    using Wide = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
    return static_cast<C>(static_cast<U>(static_cast<Wide>(static_cast<U>(a)) *
                                         static_cast<Wide>(static_cast<U>(b))));
  } else if constexpr (std::is_integral_v<C>) {
    using Wide = std::conditional_t<(sizeof(C) < sizeof(unsigned)), unsigned, C>;
    return static_cast<C>(static_cast<Wide>(a) * static_cast<Wide>(b));
  } else {
    return a * b;
  }
}

// Integer power by squaring; a negative exponent truncates 1/base^-e toward zero.
template <typename C>
inline C integer_pow(C base, C exponent) {
  if constexpr (std::is_signed_v<C>) {
    if (exponent < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exponent % 2 == 0) ? C(1) : C(-1);
      return 0;
    }
  }
  C result = 1;
  while (exponent != 0) {
    if (exponent & 1) result = wrapping_mul(result, base);
    base = wrapping_mul(base, base);
    exponent = static_cast<C>(exponent >> 1);
  }
  return result;
}

template <BinaryOp Op, typename C>
inline auto apply_binary(C a, C b) {
  if constexpr (Op == BinaryOp::kEq) {
    return a == b;
  } else if constexpr (Op == BinaryOp::kNe) {
    return a != b;
  } else if constexpr (Op == BinaryOp::kLt) {
    return a < b;
  } else if constexpr (Op == BinaryOp::kLe) {
    return a <= b;
  } else if constexpr (Op == BinaryOp::kGt) {
    return a > b;
  } else if constexpr (Op == BinaryOp::kGe) {
    return a >= b;
  } else if constexpr (std::is_same_v<C, bool>) {
    // bool arithmetic is logical: add and maximum are "or", mul and minimum are "and".
    if constexpr (Op == BinaryOp::kAdd || Op == BinaryOp::kMaximum)
      return a || b;
    else
      return a && b;
  } else if constexpr (Op == BinaryOp::kAdd) {
    return wrapping_add(a, b);
  } else if constexpr (Op == BinaryOp::kSub) {
    return wrapping_sub(a, b);
  } else if constexpr (Op == BinaryOp::kMul) {
    return wrapping_mul(a, b);
  } else if constexpr (Op == BinaryOp::kDiv) {
    static_assert(std::is_floating_point_v<C>, "div computes in floating point");
    return a / b;
  } else if constexpr (Op == BinaryOp::kMaximum || Op == BinaryOp::kMinimum) {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;  // NaN propagates
      if (std::isnan(b)) return b;
    }
    if constexpr (Op == BinaryOp::kMaximum)
      return a < b ? b : a;
    else
      return b < a ? b : a;
  } else {
    static_assert(Op == BinaryOp::kPow);
    if constexpr (std::is_floating_point_v<C>)
      return static_cast<C>(std::pow(a, b));
    else
      return integer_pow(a, b);
  }
}

}  // namespace bitnet

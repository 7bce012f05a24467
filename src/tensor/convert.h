// Element conversion with the documented cast semantics (see cast() in ops.h):
// float -> integer truncates, saturates and maps NaN to 0; anything -> bool is "non-zero";
// integer -> integer wraps; -> f16/bf16 rounds to nearest even, from f64 without double rounding.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "bitnet/half.h"

namespace bitnet {

// f64 -> f32 rounding to odd: the last bit records inexactness, so a later rounding of the f32 to
// a narrower format (11 or 8 significant bits) gives the correctly rounded result of the f64.
inline float double_to_float_round_to_odd(double value) noexcept {
  const float nearest = static_cast<float>(value);
  if (!std::isfinite(value) || static_cast<double>(nearest) == value) return nearest;
  uint32_t bits = std::bit_cast<uint32_t>(nearest);
  if (std::fabs(static_cast<double>(nearest)) > std::fabs(value)) --bits;  // truncate toward zero
  return std::bit_cast<float>(bits | 1u);
}

// Integer -> f32 rounding to odd, for the same purpose: i32 and i64 hold more significant bits
// than f32, and bf16's range covers them, so a nearest rounding to f32 (or to f64 for i64 beyond
// 2^53) first could land on a bf16 halfway point and then round the wrong way.
inline float integer_to_float_round_to_odd(int64_t value) noexcept {
  const bool negative = value < 0;
  // Unsigned negation: the magnitude of INT64_MIN is 2^63, no overflow.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  const int width = std::bit_width(magnitude);
  if (width > 24) {
    const int dropped = width - 24;
    const uint64_t inexact = (magnitude & ((uint64_t{1} << dropped) - 1)) != 0 ? 1 : 0;
    magnitude = ((magnitude >> dropped) | inexact) << dropped;
  }
  const float result = static_cast<float>(magnitude);  // exact: at most 24 significant bits
  return negative ? -result : result;
}

template <typename To, typename From>
inline To convert_element(From value) noexcept {
  if constexpr (std::is_same_v<To, From>) {
    return value;
  } else if constexpr (std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>) {
    return convert_element<To, float>(static_cast<float>(value));
  } else if constexpr (std::is_same_v<To, bool>) {
    return value != From(0);
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    if constexpr (std::is_same_v<From, double>) {
      return To(double_to_float_round_to_odd(value));
    } else if constexpr (std::is_same_v<From, int64_t> || std::is_same_v<From, int32_t>) {
      return To(integer_to_float_round_to_odd(value));
    } else {
      return To(static_cast<float>(value));
    }
  } else if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(value);
  } else if constexpr (std::is_floating_point_v<From>) {
    // Float to integer: NaN -> 0, saturate at the bounds, otherwise truncate toward zero.
    if (std::isnan(value)) return To(0);
    constexpr double lowest = static_cast<double>(std::numeric_limits<To>::lowest());
    // 2^bits for the exclusive upper bound: exactly representable, unlike max() for 64 bits.
    constexpr double upper_exclusive =
        -lowest == 0 ? static_cast<double>(std::numeric_limits<To>::max()) + 1.0 : -lowest;
    const double wide = static_cast<double>(value);
    if (wide <= lowest) return std::numeric_limits<To>::lowest();
    if (wide >= upper_exclusive) return std::numeric_limits<To>::max();
    return static_cast<To>(wide);
  } else {
    // Integer or bool to integer: modular (C++20 defines narrowing conversions as wrapping).
    return static_cast<To>(value);
  }
}

}  // namespace bitnet

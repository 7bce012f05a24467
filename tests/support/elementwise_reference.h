// Independent double-precision reference for element-wise tests: rounding to each dtype, the
// documented cast rules, type promotion, and poisoned output buffers with guard regions. Written
// from the documented semantics (ops.h, dtype.h), not from the library's code.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/test_support.h"

namespace bitnet::testing {

// Rounds `value` to the nearest number with `precision` significant bits, ties to even, where the
// smallest normal number is 2^min_normal_exponent (below it the spacing stays fixed: subnormals)
// and results above `max_finite` overflow to Inf (IEEE 754 round to nearest).
inline double round_to_format(double value, int precision, int min_normal_exponent,
                              double max_finite) {
  if (!std::isfinite(value) || value == 0) return value;
  int exponent = 0;
  std::frexp(value, &exponent);  // |value| in [2^(exponent-1), 2^exponent)
  const int quantum = std::max(exponent - precision, min_normal_exponent - precision + 1);
  // ldexp by a power of two is exact, and nearbyint rounds ties to even in the default mode.
  const double rounded = std::ldexp(std::nearbyint(std::ldexp(value, -quantum)), quantum);
  if (std::fabs(rounded) > max_finite) return std::copysign(INFINITY, value);
  return rounded;
}

inline double round_to_f16(double value) {
  return round_to_format(value, 11, -14, 65504.0);
}
inline double round_to_bf16(double value) {
  return round_to_format(value, 8, -126, std::ldexp(255.0, 120));
}
inline double round_to_f32(double value) {
  return round_to_format(value, 24, -126, std::numeric_limits<float>::max());
}

inline int integer_bits(DType dtype) {
  switch (dtype) {
    case DType::kU8:
    case DType::kI8:
      return 8;
    case DType::kI32:
      return 32;
    default:
      return 64;
  }
}

// An integer taken modulo 2^bits of `dtype` (two's complement for the signed ones).
inline double wrap_integer(uint64_t value, DType dtype) {
  const int bits = integer_bits(dtype);
  if (bits < 64) value &= (uint64_t{1} << bits) - 1;
  if (!is_signed(dtype)) return static_cast<double>(value);
  if (bits < 64 && (value >> (bits - 1)) != 0) {
    return static_cast<double>(static_cast<int64_t>(value) - (int64_t{1} << bits));
  }
  return static_cast<double>(static_cast<int64_t>(value));
}

inline double integer_lowest(DType dtype) {
  if (!is_signed(dtype)) return 0;
  return -std::ldexp(1.0, integer_bits(dtype) - 1);
}
inline double integer_highest(DType dtype) {
  return std::ldexp(1.0, integer_bits(dtype) - (is_signed(dtype) ? 1 : 0)) - 1;
}

// Rounds a real result to a floating dtype (f64 keeps it).
inline double round_to_floating(double value, DType dtype) {
  switch (dtype) {
    case DType::kF16:
      return round_to_f16(value);
    case DType::kBF16:
      return round_to_bf16(value);
    case DType::kF32:
      return round_to_f32(value);
    default:
      return value;
  }
}

// The documented cast rules (ops.h, cast()) applied to a value of dtype `from`, which a double
// holds exactly in these tests (integers below 2^53).
inline double expected_cast(double value, DType from, DType to) {
  if (to == DType::kBool) return value != 0 ? 1.0 : 0.0;  // NaN != 0: true
  if (is_floating(to)) return round_to_floating(value, to);
  if (is_floating(from)) {
    if (std::isnan(value)) return 0;
    const double truncated = std::trunc(value);
    return std::clamp(truncated, integer_lowest(to), integer_highest(to));
  }
  return wrap_integer(static_cast<uint64_t>(static_cast<int64_t>(value)), to);
}

// The promotion rule of dtype.h, restated: bool < integers < floats; within a kind the wider wins;
// u8 with i8 gives i32; f16 with bf16 gives f32.
inline DType expected_promote(DType a, DType b) {
  auto kind = [](DType dtype) { return dtype == DType::kBool ? 0 : is_floating(dtype) ? 2 : 1; };
  if (a == b) return a;
  if (kind(a) != kind(b)) return kind(a) > kind(b) ? a : b;
  if (kind(a) == 1) {
    if ((a == DType::kU8 && b == DType::kI8) || (a == DType::kI8 && b == DType::kU8)) {
      return DType::kI32;
    }
  } else if (dtype_size(a) == 2 && dtype_size(b) == 2) {
    return DType::kF32;
  }
  return dtype_size(a) >= dtype_size(b) ? a : b;
}

struct Tolerance {
  double relative = 0;
  double absolute = 0;
};

// Tolerances for one rounding of a correctly computed value (f16 and bf16 allow for one double
// rounding through float: one unit in the last place).
inline Tolerance rounding_tolerance(DType dtype) {
  switch (dtype) {
    case DType::kF16:
      return {1e-3, 1e-7};
    case DType::kBF16:
      return {8e-3, 1e-38};
    case DType::kF32:
      return {2e-6, 1e-44};
    case DType::kF64:
      return {1e-13, 1e-300};
    default:
      return {0, 0};
  }
}

inline std::string describe_case(const std::string& what, const Tensor& a) {
  return what + " " + std::string(dtype_name(a.dtype())) + to_string(a.shape());
}

// Element `linear` (row-major over `out_shape`) of `tensor` broadcast to `out_shape`, computed
// from the NumPy rule (align right, size-1 dimensions repeat), not through expand().
inline double broadcast_element(const Tensor& tensor, const Shape& out_shape, int64_t linear) {
  const std::vector<int64_t> out_index = unravel(out_shape, linear);
  const int lead = out_shape.rank() - tensor.rank();
  int64_t source = 0;
  for (int d = 0; d < tensor.rank(); ++d) {
    const int64_t index = tensor.shape()[d] == 1 ? 0 : out_index[d + lead];
    source = source * tensor.shape()[d] + index;
  }
  return element_at(tensor, source);
}

// ---- poisoned outputs with guard regions -----------------------------------------------------

inline constexpr int64_t kGuardElements = 1024;

// A flat buffer whose every byte holds the pattern of 0xdeadbeef.
inline Tensor poisoned_buffer(int64_t numel, DType dtype) {
  Tensor flat = Tensor::empty({numel}, dtype);
  unsigned char* bytes = static_cast<unsigned char*>(flat.data());
  const unsigned char pattern[4] = {0xef, 0xbe, 0xad, 0xde};
  for (int64_t i = 0; i < flat.nbytes(); ++i) bytes[i] = pattern[i % 4];
  return flat;
}

// An output view of `shape` inside a poisoned buffer: kGuardElements before and after it, and with
// `gap` > 1, unused elements between its elements (a non-contiguous output).
struct GuardedOutput {
  Tensor buffer;
  Tensor view;
  int64_t gap = 1;
};

inline GuardedOutput guarded_output(const Shape& shape, DType dtype, int64_t gap = 1) {
  const int64_t numel = checked_numel(shape);
  GuardedOutput out;
  out.gap = gap;
  out.buffer = poisoned_buffer(2 * kGuardElements + numel * gap, dtype);
  out.view = out.buffer.slice(0, kGuardElements, kGuardElements + numel * gap, gap).view(shape);
  return out;
}

// Expects every byte of the buffer outside the view's elements to still hold the poison.
inline void expect_guard_intact(const GuardedOutput& out, const std::string& context) {
  const Tensor reference = poisoned_buffer(out.buffer.numel(), out.buffer.dtype());
  const size_t element = out.buffer.element_size();
  const auto* actual = static_cast<const unsigned char*>(out.buffer.data());
  const auto* expected = static_cast<const unsigned char*>(reference.data());
  const int64_t numel = out.view.numel();
  for (int64_t i = 0; i < out.buffer.numel(); ++i) {
    const int64_t inside = i - kGuardElements;
    const bool written = inside >= 0 && inside < numel * out.gap && inside % out.gap == 0;
    if (written) continue;
    ASSERT_EQ(std::memcmp(actual + i * element, expected + i * element, element), 0)
        << context << ": element " << i << " of the buffer outside the output was overwritten";
  }
}

}  // namespace bitnet::testing

// Reference reductions for the tests: an independent long-double computation over the input
// values grouped by output element, tolerances per dtype, and input builders over every layout.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/test_support.h"

namespace bitnet::testing::reduce_reference {

// random_tensor's layouts plus "broadcast" (axis 0 expanded from size 1, stride 0) and "reversed"
// (every axis permuted, so the innermost memory dimension is the first logical one).
inline const std::vector<std::string>& all_layouts() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result = testing::layouts();
    result.push_back("broadcast");
    result.push_back("reversed");
    return result;
  }();
  return names;
}

inline Tensor make_input(const Shape& shape, DType dtype, uint64_t seed, const std::string& layout,
                         double low = -3.0, double high = 3.0) {
  if (layout == "broadcast" && shape.rank() > 0) {
    Shape base = shape;
    base[0] = 1;
    return testing::random_tensor(base, dtype, seed, "contiguous", low, high).expand(shape);
  }
  if (layout == "reversed" && shape.rank() > 1) {
    Shape reversed;
    std::vector<int64_t> order;
    for (int d = shape.rank() - 1; d >= 0; --d) {
      reversed.push_back(shape[d]);
      order.push_back(d);
    }
    return testing::random_tensor(reversed, dtype, seed, "contiguous", low, high).permute(order);
  }
  if (layout == "broadcast" || layout == "reversed") {
    return testing::random_tensor(shape, dtype, seed, "contiguous", low, high);
  }
  return testing::random_tensor(shape, dtype, seed, layout, low, high);
}

// ---- the reference --------------------------------------------------------------------------

inline uint32_t axes_mask(const std::vector<int64_t>& axes, int rank) {
  if (axes.empty()) return rank == 0 ? 0u : (1u << rank) - 1u;
  uint32_t mask = 0;
  for (int64_t axis : axes) {
    if (rank > 0) mask |= 1u << (axis < 0 ? axis + rank : axis);
  }
  return mask;
}

inline Shape reduced_shape(const Shape& shape, uint32_t mask, bool keepdim) {
  Shape result;
  for (int d = 0; d < shape.rank(); ++d) {
    if ((mask >> d & 1u) == 0) {
      result.push_back(shape[d]);
    } else if (keepdim) {
      result.push_back(1);
    }
  }
  return result;
}

// The input values of each output element, in row-major order of the input. The multi-index is
// stepped like an odometer (cheaper than unravelling every position of the large inputs).
inline std::vector<std::vector<double>> group_by_output(const Tensor& x,
                                                        const std::vector<double>& values,
                                                        uint32_t mask) {
  const int rank = x.rank();
  std::vector<int64_t> output_strides(static_cast<size_t>(rank), 0);
  int64_t output_count = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if ((mask >> d & 1u) != 0) continue;
    output_strides[d] = output_count;
    output_count *= x.shape()[d];
  }
  std::vector<std::vector<double>> groups(static_cast<size_t>(output_count));
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t output = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    groups[static_cast<size_t>(output)].push_back(values[static_cast<size_t>(i)]);
    for (int d = rank - 1; d >= 0; --d) {
      ++index[d];
      output += output_strides[d];
      if (index[d] < x.shape()[d]) break;
      output -= index[d] * output_strides[d];
      index[d] = 0;
    }
  }
  return groups;
}

enum class Op { kSum, kProd, kMean, kVar, kStd, kMax, kMin };

inline const char* op_name(Op op) {
  switch (op) {
    case Op::kSum:
      return "sum";
    case Op::kProd:
      return "prod";
    case Op::kMean:
      return "mean";
    case Op::kVar:
      return "var";
    case Op::kStd:
      return "std";
    case Op::kMax:
      return "max";
    case Op::kMin:
      return "min";
  }
  return "?";
}

inline Tensor run_op(Op op, const Tensor& x, const std::vector<int64_t>& axes, bool keepdim,
                     int64_t correction) {
  switch (op) {
    case Op::kSum:
      return sum(x, axes, keepdim);
    case Op::kProd:
      return prod(x, axes, keepdim);
    case Op::kMean:
      return mean(x, axes, keepdim);
    case Op::kVar:
      return var(x, axes, correction, keepdim);
    case Op::kStd:
      return bitnet::std(x, axes, correction, keepdim);
    case Op::kMax:
      return max(x, axes, keepdim);
    case Op::kMin:
      return min(x, axes, keepdim);
  }
  return {};
}

inline DType expected_dtype(Op op, DType input) {
  switch (op) {
    case Op::kSum:
    case Op::kProd:
      return is_floating(input) ? input : DType::kI64;
    case Op::kMean:
    case Op::kVar:
    case Op::kStd:
      return is_floating(input) ? input : DType::kF32;
    case Op::kMax:
    case Op::kMin:
      return input;
  }
  return input;
}

inline double unit_roundoff(DType dtype) {
  switch (dtype) {
    case DType::kF16:
      return std::ldexp(1.0, -11);
    case DType::kBF16:
      return std::ldexp(1.0, -8);
    case DType::kF64:
      return std::ldexp(1.0, -53);
    default:
      return std::ldexp(1.0, -24);
  }
}

inline double smallest_subnormal(DType dtype) {
  switch (dtype) {
    case DType::kF16:
      return std::ldexp(1.0, -24);
    case DType::kBF16:
      return std::ldexp(1.0, -133);
    case DType::kF64:
      return std::numeric_limits<double>::denorm_min();
    default:
      return std::ldexp(1.0, -149);
  }
}

inline double largest_finite(DType dtype) {
  switch (dtype) {
    case DType::kF16:
      return 65504.0;
    case DType::kBF16:
      return 3.3895313892515355e38;
    case DType::kF64:
      return DBL_MAX;
    default:
      return FLT_MAX;
  }
}

// One expected value with the absolute error its accumulation may carry (beyond final rounding).
struct Expected {
  long double value = 0;
  double accumulation_error = 0;
  bool exact = false;  // integer results and max/min: bit-exact
  // A double accumulator (f64 input) may overflow part-way where long double does not, so the
  // order of operations decides between the value, +-Inf and NaN (Inf - Inf): any is accepted.
  bool may_overflow = false;
};

inline Expected reference(Op op, const std::vector<double>& group, DType input,
                          int64_t correction) {
  const double count = static_cast<double>(group.size());
  constexpr double kDoubleEpsilon = 2.3e-16;  // a little over 2^-53
  Expected result;
  long double total = 0, absolute = 0;
  for (double value : group) {
    total += value;
    absolute += std::fabs(value);
  }
  const bool integral = !is_floating(input);
  long double partial_product = 1, largest_partial_product = 0, squares = 0;
  for (double value : group) {
    partial_product *= std::fabs(value);
    largest_partial_product = std::max(largest_partial_product, partial_product);
    squares += static_cast<long double>(value) * value;
  }
  result.may_overflow =
      input == DType::kF64 && (absolute > DBL_MAX || squares > DBL_MAX ||
                               (op == Op::kProd && largest_partial_product > DBL_MAX));
  switch (op) {
    case Op::kSum:
      if (integral) {
        uint64_t wrapped = 0;
        for (double value : group) wrapped += static_cast<uint64_t>(static_cast<int64_t>(value));
        result.value = static_cast<long double>(static_cast<int64_t>(wrapped));
        result.exact = true;
      } else {
        result.value = total;
        result.accumulation_error = count * kDoubleEpsilon * static_cast<double>(absolute);
      }
      return result;
    case Op::kProd:
      if (integral) {
        uint64_t wrapped = 1;
        for (double value : group) wrapped *= static_cast<uint64_t>(static_cast<int64_t>(value));
        result.value = static_cast<long double>(static_cast<int64_t>(wrapped));
        result.exact = true;
      } else {
        long double product = 1;
        for (double value : group) product *= value;
        result.value = product;
        result.accumulation_error =
            count * kDoubleEpsilon * std::fabs(static_cast<double>(product));
      }
      return result;
    case Op::kMean:
      result.value = group.empty() ? NAN : total / count;
      result.accumulation_error = kDoubleEpsilon * static_cast<double>(absolute);
      return result;
    case Op::kVar:
    case Op::kStd: {
      const double divisor = count - static_cast<double>(correction);
      if (group.empty() || divisor <= 0) {
        result.value = NAN;
        return result;
      }
      const long double center = total / count;
      long double squares = 0, raw_squares = 0;
      for (double value : group) {
        squares += (value - center) * (value - center);
        raw_squares += static_cast<long double>(value) * value;
      }
      const double variance_error =
          4 * count * kDoubleEpsilon * static_cast<double>(raw_squares) / divisor;
      result.value = squares / divisor;
      result.accumulation_error = variance_error;
      if (op == Op::kStd) {
        result.value = std::sqrt(result.value);
        result.accumulation_error = std::sqrt(variance_error);
      }
      return result;
    }
    case Op::kMax:
    case Op::kMin: {
      result.exact = true;
      long double best = op == Op::kMax ? -INFINITY : INFINITY;
      for (double value : group) {
        if (std::isnan(value)) {
          result.value = NAN;
          return result;
        }
        if (op == Op::kMax ? value > best : value < best) best = value;
      }
      result.value = best;
      return result;
    }
  }
  return result;
}

// Compares `actual` (read back as double) with the reference, allowing the output dtype's
// rounding, the accumulation error and gradual underflow; values past the dtype's range may be
// +-Inf.
inline void expect_matches(double actual, const Expected& expected, DType dtype,
                           const std::string& context) {
  const double value = static_cast<double>(expected.value);
  if (std::isnan(value)) {
    EXPECT_TRUE(std::isnan(actual)) << context << ": got " << actual << ", expected NaN";
    return;
  }
  if (expected.may_overflow && !std::isfinite(actual)) return;
  if (expected.exact) {
    EXPECT_EQ(actual, value) << context;
    return;
  }
  if (std::isinf(actual) && std::fabs(value) >= largest_finite(dtype) &&
      std::signbit(actual) == std::signbit(value)) {
    return;
  }
  const double tolerance = 2 * unit_roundoff(dtype) * std::fabs(value) +
                           2 * smallest_subnormal(dtype) + expected.accumulation_error;
  EXPECT_LE(std::fabs(actual - value), tolerance)
      << context << ": got " << actual << ", expected " << value;
}

inline void check_reduction(Op op, const Tensor& x, const std::vector<double>& values,
                            const std::vector<int64_t>& axes, bool keepdim, int64_t correction,
                            const std::string& context) {
  const uint32_t mask = axes_mask(axes, x.rank());
  const Tensor result = run_op(op, x, axes, keepdim, correction);
  const std::string where =
      context + " " + op_name(op) + " correction=" + std::to_string(correction);
  ASSERT_EQ(result.dtype(), expected_dtype(op, x.dtype())) << where;
  ASSERT_EQ(result.shape(), reduced_shape(x.shape(), mask, keepdim)) << where;
  const std::vector<std::vector<double>> groups = group_by_output(x, values, mask);
  ASSERT_EQ(static_cast<size_t>(result.numel()), groups.size()) << where;
  for (size_t i = 0; i < groups.size(); ++i) {
    const Expected expected = reference(op, groups[i], x.dtype(), correction);
    expect_matches(element_at(result, static_cast<int64_t>(i)), expected, result.dtype(),
                   where + " output " + std::to_string(i));
    if (::testing::Test::HasFailure()) return;
  }
}

inline int64_t reference_arg(const std::vector<double>& group, bool maximum) {
  int64_t best = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    if (std::isnan(group[i])) return static_cast<int64_t>(i);
    if (maximum ? group[i] > group[best] : group[i] < group[best]) best = static_cast<int64_t>(i);
  }
  return best;
}

inline void check_arg(bool maximum, const Tensor& x, const std::vector<double>& values,
                      std::optional<int64_t> axis, bool keepdim, const std::string& context) {
  const std::string where = context + (maximum ? " argmax" : " argmin") +
                            " axis=" + (axis ? std::to_string(*axis) : "none") +
                            " keepdim=" + std::to_string(keepdim);
  const Tensor result = maximum ? argmax(x, axis, keepdim) : argmin(x, axis, keepdim);
  const uint32_t mask =
      axes_mask(axis ? std::vector<int64_t>{*axis} : std::vector<int64_t>{}, x.rank());
  ASSERT_EQ(result.dtype(), DType::kI64) << where;
  ASSERT_EQ(result.shape(), reduced_shape(x.shape(), mask, keepdim)) << where;
  const std::vector<std::vector<double>> groups = group_by_output(x, values, mask);
  for (size_t i = 0; i < groups.size(); ++i) {
    ASSERT_EQ(element_at(result, static_cast<int64_t>(i)), reference_arg(groups[i], maximum))
        << where << " output " << i;
  }
}

// Every subset of axes as explicit lists (negative spellings for odd subsets), plus {} (= all).
inline std::vector<std::vector<int64_t>> axis_lists(int rank) {
  std::vector<std::vector<int64_t>> lists = {{}};
  for (uint32_t subset = 1; subset < (1u << rank); ++subset) {
    std::vector<int64_t> axes;
    for (int d = 0; d < rank; ++d) {
      if ((subset >> d & 1u) != 0) axes.push_back((subset & 1u) != 0 ? d - rank : d);
    }
    lists.push_back(axes);
  }
  if (rank == 0) lists.push_back({0});
  return lists;
}

inline std::string describe_case(const Shape& shape, DType dtype, const std::string& layout,
                                 const std::vector<int64_t>& axes, bool keepdim) {
  std::string axes_text;
  for (int64_t axis : axes) axes_text += std::to_string(axis) + ",";
  return "shape=" + to_string(shape) + " dtype=" + std::string(dtype_name(dtype)) +
         " layout=" + layout + " axes=[" + axes_text + "] keepdim=" + std::to_string(keepdim);
}

inline const std::vector<Shape>& sweep_shapes() {
  static const std::vector<Shape> shapes = {{},     {0},       {1},          {7},
                                            {33},   {1023},    {1, 0, 3},    {0, 3},
                                            {5, 7}, {3, 4, 5}, {2, 3, 4, 5}, {1, 6, 1, 4}};
  return shapes;
}

}  // namespace bitnet::testing::reduce_reference

// Element-wise binary ops (src/ops/binary.cpp) against an independent double-precision reference:
// every op and dtype pair, layouts, sizes, broadcasting, promotion, weak scalars, in-place forms
// with aliasing, outputs with guard regions, NaN/Inf and integer wrap-around, and error messages.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/elementwise_reference.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::element_at;
using testing::expected_cast;
using testing::expected_promote;
using testing::seed_trace;
using testing::test_seeds;

constexpr BinaryOp kAllBinaryOps[] = {
    BinaryOp::kAdd,     BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv, BinaryOp::kMaximum,
    BinaryOp::kMinimum, BinaryOp::kPow, BinaryOp::kEq,  BinaryOp::kNe,  BinaryOp::kLt,
    BinaryOp::kLe,      BinaryOp::kGt,  BinaryOp::kGe};

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::kEq || op == BinaryOp::kNe || op == BinaryOp::kLt || op == BinaryOp::kLe ||
         op == BinaryOp::kGt || op == BinaryOp::kGe;
}

// sub and pow of two bool tensors are refused (checked in ErrorMessages).
bool is_refused(BinaryOp op, DType a, DType b) {
  return (op == BinaryOp::kSub || op == BinaryOp::kPow) && a == DType::kBool && b == DType::kBool;
}

DType expected_result_dtype(BinaryOp op, DType a, DType b) {
  if (is_comparison(op)) return DType::kBool;
  const DType promoted = expected_promote(a, b);
  if (op == BinaryOp::kDiv && !is_floating(promoted)) return DType::kF32;
  return promoted;
}

// The dtype both inputs are converted to before the op: the promoted type (f32 for an integer div).
DType expected_compute_dtype(BinaryOp op, DType a, DType b) {
  return is_comparison(op) ? expected_promote(a, b) : expected_result_dtype(op, a, b);
}

uint64_t as_bits(double integer_value) {
  return static_cast<uint64_t>(static_cast<int64_t>(integer_value));
}

// Integer power, the rule of ops.h/binary_functors.h restated: a negative exponent gives
// trunc(1 / base^-e), i.e. 1 for base 1, +-1 for base -1 and 0 otherwise (0 too).
double reference_integer_pow(double base, double exponent, DType dtype) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return std::fmod(exponent, 2) == 0 ? 1 : -1;
    return 0;
  }
  uint64_t result = 1;
  for (int64_t k = 0; k < static_cast<int64_t>(exponent); ++k) result *= as_bits(base);
  return testing::wrap_integer(result, dtype);
}

// op(x, y) for x and y already converted to `compute`, rounded to `result`.
double reference_binary(BinaryOp op, double x, double y, DType compute, DType result) {
  switch (op) {
    case BinaryOp::kEq:
      return x == y;
    case BinaryOp::kNe:
      return x != y;
    case BinaryOp::kLt:
      return x < y;
    case BinaryOp::kLe:
      return x <= y;
    case BinaryOp::kGt:
      return x > y;
    case BinaryOp::kGe:
      return x >= y;
    default:
      break;
  }
  if (compute == DType::kBool) {
    // Logical: add and maximum are "or", mul and minimum are "and".
    if (op == BinaryOp::kAdd || op == BinaryOp::kMaximum) return (x != 0 || y != 0) ? 1 : 0;
    return (x != 0 && y != 0) ? 1 : 0;
  }
  if (is_floating(compute)) {
    double value = 0;
    switch (op) {
      case BinaryOp::kAdd:
        value = x + y;
        break;
      case BinaryOp::kSub:
        value = x - y;
        break;
      case BinaryOp::kMul:
        value = x * y;
        break;
      case BinaryOp::kDiv:
        value = x / y;
        break;
      case BinaryOp::kMaximum:
        value = std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
        break;
      case BinaryOp::kMinimum:
        value = std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
        break;
      case BinaryOp::kPow:
        value = std::pow(x, y);
        break;
      default:
        break;
    }
    return testing::round_to_floating(value, result);
  }
  switch (op) {
    case BinaryOp::kAdd:
      return testing::wrap_integer(as_bits(x) + as_bits(y), result);
    case BinaryOp::kSub:
      return testing::wrap_integer(as_bits(x) - as_bits(y), result);
    case BinaryOp::kMul:
      return testing::wrap_integer(as_bits(x) * as_bits(y), result);
    case BinaryOp::kMaximum:
      return std::max(x, y);
    case BinaryOp::kMinimum:
      return std::min(x, y);
    case BinaryOp::kPow:
      return reference_integer_pow(x, y, result);
    default:
      return NAN;
  }
}

// Pow is the one op here that is not a single correctly rounded operation in the compute type
// (powf is within an ulp); the others, computed in float or double and rounded once, match the
// reference exactly: the double rounding through float of an f16/bf16 result is innocuous for
// + - * / since float has at least 2p + 2 bits.
testing::Tolerance binary_tolerance(BinaryOp op, DType result) {
  if (op == BinaryOp::kPow) return testing::rounding_tolerance(result);
  return {};
}

void expect_binary_matches(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& actual,
                           const std::string& context) {
  const DType result = expected_result_dtype(op, a.dtype(), b.dtype());
  ASSERT_EQ(actual.dtype(), result) << context;
  const DType compute = expected_compute_dtype(op, a.dtype(), b.dtype());
  const Shape& shape = actual.shape();
  std::vector<double> expected(static_cast<size_t>(actual.numel()));
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const double x = expected_cast(testing::broadcast_element(a, shape, i), a.dtype(), compute);
    const double y = expected_cast(testing::broadcast_element(b, shape, i), b.dtype(), compute);
    expected[static_cast<size_t>(i)] = reference_binary(op, x, y, compute, result);
  }
  const testing::Tolerance tolerance = binary_tolerance(op, result);
  testing::expect_close(testing::elements(actual), expected, tolerance.relative, tolerance.absolute,
                        context);
}

std::string case_name(BinaryOp op, const Tensor& a, const Tensor& b, const std::string& detail) {
  return std::string(binary_op_name(op)) + "(" + std::string(dtype_name(a.dtype())) +
         to_string(a.shape()) + ", " + std::string(dtype_name(b.dtype())) + to_string(b.shape()) +
         ") " + detail;
}

// ---- reference comparisons on random inputs ---------------------------------------------------

TEST(BinaryOps, EveryDTypePairMatchesReference) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (BinaryOp op : kAllBinaryOps) {
      for (DType a_dtype : kAllDTypes) {
        for (DType b_dtype : kAllDTypes) {
          if (is_refused(op, a_dtype, b_dtype)) continue;
          const Tensor a = testing::random_tensor({3, 5}, a_dtype, seed, "strided");
          const Tensor b = testing::random_tensor({3, 5}, b_dtype, seed + 1, "transposed");
          expect_binary_matches(op, a, b, binary(op, a, b),
                                case_name(op, a, b, "strided/transposed"));
          const Tensor c = testing::random_tensor({33}, a_dtype, seed + 2);
          const Tensor d = testing::random_tensor({33}, b_dtype, seed + 3, "offset");
          expect_binary_matches(op, c, d, binary(op, c, d),
                                case_name(op, c, d, "contiguous/offset"));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(BinaryOps, LayoutsAndSizesMatchReference) {
  const std::vector<Shape> shapes = {{0},  {1, 0, 3}, {},     {1},       {7},
                                     {33}, {1023},    {4, 6}, {2, 3, 5}, {3, 1, 9}};
  const std::vector<std::pair<DType, DType>> dtype_pairs = {
      {DType::kF32, DType::kF32},   {DType::kF64, DType::kI8},  {DType::kF16, DType::kF16},
      {DType::kBF16, DType::kBF16}, {DType::kI32, DType::kI32}, {DType::kU8, DType::kI8},
      {DType::kBool, DType::kBool}};
  const std::vector<std::pair<std::string, std::string>> layout_pairs = {
      {"contiguous", "contiguous"}, {"transposed", "transposed"}, {"strided", "strided"},
      {"offset", "offset"},         {"contiguous", "strided"},    {"transposed", "offset"}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (BinaryOp op : kAllBinaryOps) {
      for (const auto& [a_dtype, b_dtype] : dtype_pairs) {
        if (is_refused(op, a_dtype, b_dtype)) continue;
        for (const Shape& shape : shapes) {
          for (const auto& [a_layout, b_layout] : layout_pairs) {
            const Tensor a = testing::random_tensor(shape, a_dtype, seed, a_layout);
            const Tensor b = testing::random_tensor(shape, b_dtype, seed * 7 + 1, b_layout);
            const Tensor out = binary(op, a, b);
            ASSERT_EQ(out.shape(), shape);
            expect_binary_matches(op, a, b, out, case_name(op, a, b, a_layout + "/" + b_layout));
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

TEST(BinaryOps, BroadcastingMatchesReference) {
  struct Case {
    Shape a, b, expected;
  };
  const std::vector<Case> cases = {{{3, 1}, {1, 4}, {3, 4}},
                                   {{5}, {2, 5}, {2, 5}},
                                   {{}, {2, 3}, {2, 3}},
                                   {{2, 3}, {}, {2, 3}},
                                   {{}, {}, {}},
                                   {{1, 0, 3}, {3}, {1, 0, 3}},
                                   {{2, 1, 4}, {3, 1}, {2, 3, 4}},
                                   {{4, 1}, {4, 5}, {4, 5}},
                                   {{1}, {1023}, {1023}},
                                   {{6, 1, 1}, {1, 5, 7}, {6, 5, 7}},
                                   {{0}, {1}, {0}},
                                   {{2, 1}, {2, 0}, {2, 0}}};
  const std::vector<std::pair<DType, DType>> dtype_pairs = {
      {DType::kF32, DType::kF32}, {DType::kI32, DType::kF16}, {DType::kBF16, DType::kF64}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (BinaryOp op : kAllBinaryOps) {
      for (const auto& [a_dtype, b_dtype] : dtype_pairs) {
        for (const Case& test_case : cases) {
          for (const std::string& layout : testing::layouts()) {
            const Tensor a = testing::random_tensor(test_case.a, a_dtype, seed, layout);
            const Tensor b = testing::random_tensor(test_case.b, b_dtype, seed + 5, layout);
            const Tensor out = binary(op, a, b);
            ASSERT_EQ(out.shape(), test_case.expected) << case_name(op, a, b, layout);
            expect_binary_matches(op, a, b, out, case_name(op, a, b, layout));
            // Swapped operands broadcast the same way.
            expect_binary_matches(op, b, a, binary(op, b, a), case_name(op, b, a, layout));
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

TEST(BinaryOps, ExpandedViewsAsInputs) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const Tensor column = testing::random_tensor({3, 1}, DType::kF32, seed).expand({3, 4});
    const Tensor row = testing::random_tensor({4}, DType::kI32, seed + 1).expand({2, 3, 4});
    const Tensor scalar = testing::random_tensor({}, DType::kF16, seed + 2).expand({3, 4});
    for (BinaryOp op : kAllBinaryOps) {
      expect_binary_matches(op, column, row, binary(op, column, row), "column x row");
      expect_binary_matches(op, scalar, column, binary(op, scalar, column), "scalar x column");
      expect_binary_matches(op, row, scalar, binary(op, row, scalar), "row x scalar");
      if (HasFatalFailure()) return;
    }
  }
}

// Every length up to 1023 (all remainders modulo 8 ... 256, the tails of vectorised loops), with
// both operands contiguous, one starting at an odd offset, and one a broadcast scalar.
TEST(BinaryOps, EveryLengthUpTo1023) {
  const uint64_t seed = test_seeds().back();
  SCOPED_TRACE(seed_trace(seed));
  const Tensor scalar = testing::random_tensor({}, DType::kF32, seed);
  for (int64_t length = 0; length <= 1023; ++length) {
    const Tensor a = testing::random_tensor({length}, DType::kF32, seed + length);
    const Tensor b = testing::random_tensor({length}, DType::kF32, seed + length + 1,
                                            length % 2 == 0 ? "contiguous" : "offset");
    for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kMul, BinaryOp::kMaximum, BinaryOp::kLt}) {
      expect_binary_matches(op, a, b, binary(op, a, b), case_name(op, a, b, "length sweep"));
      expect_binary_matches(op, a, scalar, binary(op, a, scalar),
                            case_name(op, a, scalar, "sweep"));
      expect_binary_matches(op, scalar, b, binary(op, scalar, b),
                            case_name(op, scalar, b, "sweep"));
    }
    if (HasFatalFailure()) return;
  }
}

// Above 2 * kParallelGrain (65536) elements the loop is split across threads.
TEST(BinaryOps, LargeTensorsAcrossThreads) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const Tensor a = testing::random_tensor({301, 257}, DType::kF32, seed, "transposed");
    const Tensor b = testing::random_tensor({257}, DType::kF32, seed + 1);
    const Tensor c = testing::random_tensor({301, 257}, DType::kI8, seed + 2, "strided");
    for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kPow, BinaryOp::kLt, BinaryOp::kMaximum}) {
      expect_binary_matches(op, a, b, binary(op, a, b), "transposed x row");
      expect_binary_matches(op, c, a, binary(op, c, a), "strided i8 x transposed f32");
      if (HasFatalFailure()) return;
    }
  }
}

// ---- dtype promotion --------------------------------------------------------------------------

TEST(BinaryOps, PromotionTable) {
  struct Case {
    DType a, b, add, div;
  };
  const std::vector<Case> cases = {
      {DType::kI8, DType::kU8, DType::kI32, DType::kF32},
      {DType::kI32, DType::kF16, DType::kF16, DType::kF16},
      {DType::kF16, DType::kBF16, DType::kF32, DType::kF32},
      {DType::kBool, DType::kBool, DType::kBool, DType::kF32},
      {DType::kI32, DType::kI32, DType::kI32, DType::kF32},
      {DType::kU8, DType::kU8, DType::kU8, DType::kF32},
      {DType::kI64, DType::kBF16, DType::kBF16, DType::kBF16},
      {DType::kBool, DType::kU8, DType::kU8, DType::kF32},
      {DType::kI8, DType::kI64, DType::kI64, DType::kF32},
      {DType::kF32, DType::kF64, DType::kF64, DType::kF64},
      {DType::kBool, DType::kF16, DType::kF16, DType::kF16},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(std::string(dtype_name(test_case.a)) + " with " +
                 std::string(dtype_name(test_case.b)));
    EXPECT_EQ(binary_result_dtype(BinaryOp::kAdd, test_case.a, test_case.b), test_case.add);
    EXPECT_EQ(binary_result_dtype(BinaryOp::kAdd, test_case.b, test_case.a), test_case.add);
    EXPECT_EQ(binary_result_dtype(BinaryOp::kDiv, test_case.a, test_case.b), test_case.div);
    EXPECT_EQ(binary_result_dtype(BinaryOp::kLt, test_case.a, test_case.b), DType::kBool);
    const Tensor a = Tensor::ones({2}, test_case.a);
    const Tensor b = Tensor::ones({2}, test_case.b);
    EXPECT_EQ(add(a, b).dtype(), test_case.add);
    EXPECT_EQ(div(a, b).dtype(), test_case.div);
    EXPECT_EQ(eq(a, b).dtype(), DType::kBool);
  }
  // The whole table against the documented rule.
  for (BinaryOp op : kAllBinaryOps) {
    for (DType a : kAllDTypes) {
      for (DType b : kAllDTypes) {
        EXPECT_EQ(binary_result_dtype(op, a, b), expected_result_dtype(op, a, b))
            << binary_op_name(op) << " " << dtype_name(a) << " " << dtype_name(b);
      }
    }
  }
}

// ---- weak scalars -----------------------------------------------------------------------------

TEST(BinaryOps, ScalarOperandsAreWeak) {
  const Tensor half = Tensor::from_vector<float>({1.0f, -2.5f, 3.25f}, {3}).to(DType::kF16);
  const Tensor half_sum = add(half, 0.5);
  EXPECT_EQ(half_sum.dtype(), DType::kF16);
  testing::expect_same_values(testing::elements(half_sum), {1.5, -2.0, 3.75}, "f16 + 0.5");

  const Tensor integers = Tensor::from_vector<int32_t>({1, -2, 7}, {3});
  const Tensor fractional = add(integers, 2.5);
  EXPECT_EQ(fractional.dtype(), DType::kF32);
  testing::expect_same_values(testing::elements(fractional), {3.5, 0.5, 9.5}, "i32 + 2.5");
  const Tensor whole = mul(integers, 3.0);
  EXPECT_EQ(whole.dtype(), DType::kI32);
  testing::expect_same_values(testing::elements(whole), {3, -6, 21}, "i32 * 3");
  const Tensor reversed = sub(10.0, integers);
  EXPECT_EQ(reversed.dtype(), DType::kI32);
  testing::expect_same_values(testing::elements(reversed), {9, 12, 3}, "10 - i32");
  const Tensor powers = pow(2.0, integers);
  EXPECT_EQ(powers.dtype(), DType::kI32);
  testing::expect_same_values(testing::elements(powers), {2, 0, 128}, "2 ^ i32");
  EXPECT_EQ(div(integers, 2.0).dtype(), DType::kF32);
  EXPECT_EQ(lt(integers, 0.5).dtype(), DType::kBool);
  testing::expect_same_values(testing::elements(lt(integers, 0.5)), {0, 1, 0}, "i32 < 0.5");

  const Tensor bytes = Tensor::from_vector<uint8_t>({250, 3}, {2});
  EXPECT_EQ(add(bytes, 255.0).dtype(), DType::kU8);
  testing::expect_same_values(testing::elements(add(bytes, 5.0)), {255, 8}, "u8 + 5");
  testing::expect_same_values(testing::elements(add(bytes, 6.0)), {0, 9}, "u8 + 6 wraps");
  EXPECT_BITNET_ERROR(add(bytes, 300.0), "does not fit");
  EXPECT_BITNET_ERROR(add(bytes, -1.0), "does not fit");
  EXPECT_BITNET_ERROR(add(Tensor::ones({2}, DType::kI8), 128.0), "does not fit");
  EXPECT_BITNET_ERROR(mul(Tensor::ones({2}, DType::kI64), 1e19), "does not fit");
  EXPECT_BITNET_ERROR(mul(Tensor::ones({2}, DType::kI64), 0x1p63), "does not fit");
  EXPECT_EQ(add(Tensor::zeros({1}, DType::kI64), -0x1p63).to_vector<int64_t>()[0],
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(add(Tensor::zeros({1}, DType::kI32), 2147483647.0).to_vector<int64_t>()[0], 2147483647);
  EXPECT_BITNET_ERROR(add(Tensor::zeros({1}, DType::kI32), 2147483648.0), "does not fit");

  const Tensor single = Tensor::ones({2}, DType::kF32);
  EXPECT_EQ(add(single, 1e300).dtype(), DType::kF32);
  EXPECT_TRUE(std::isinf(add(single, 1e300).to_vector<float>()[0]));
  const Tensor nan_sum = add(integers, NAN);
  EXPECT_EQ(nan_sum.dtype(), DType::kF32);
  EXPECT_TRUE(std::isnan(nan_sum.to_vector<float>()[1]));
  EXPECT_EQ(add(Tensor::ones({2}, DType::kBF16), 1.0).dtype(), DType::kBF16);
  EXPECT_EQ(mul(Tensor::ones({2}, DType::kF64), 0.1).dtype(), DType::kF64);

  // A bool tensor meeting a whole number takes an integer type (bool cannot hold 2).
  const Tensor flags = Tensor::from_vector<bool>({true, false}, {2});
  const Tensor counted = add(flags, 2.0);
  EXPECT_TRUE(is_integral(counted.dtype()));
  testing::expect_same_values(testing::elements(counted), {3, 2}, "bool + 2");
  EXPECT_EQ(add(flags, 0.5).dtype(), DType::kF32);
}

TEST(BinaryOps, ScalarInPlace) {
  const Tensor integers = Tensor::from_vector<int32_t>({1, -2, 7}, {3});
  add_(integers, 2.0);
  testing::expect_same_values(testing::elements(integers), {3, 0, 9}, "i32 += 2");
  EXPECT_BITNET_ERROR(add_(integers, 2.5), "cannot be stored");
  testing::expect_same_values(testing::elements(integers), {3, 0, 9}, "unchanged after refusal");
  const Tensor half = Tensor::from_vector<float>({1.0f, 3.0f}, {2}).to(DType::kF16);
  mul_(half, 0.5);
  EXPECT_EQ(half.dtype(), DType::kF16);
  testing::expect_same_values(testing::elements(half), {0.5, 1.5}, "f16 *= 0.5");
}

// ---- in place and aliasing --------------------------------------------------------------------

TEST(BinaryOps, InPlaceMatchesOutOfPlace) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (BinaryOp op : kAllBinaryOps) {
      for (DType dtype : {DType::kF32, DType::kF16, DType::kI32, DType::kF64}) {
        if (op == BinaryOp::kDiv && !is_floating(dtype)) continue;
        for (const std::string& layout : testing::layouts()) {
          const Tensor a = testing::random_tensor({5, 6}, dtype, seed, layout);
          const Tensor b = testing::random_tensor({6}, dtype, seed + 1);
          const Tensor expected = binary(op, a, b);
          binary_out(op, a, b, a);
          // A comparison written into a numeric tensor stores 0 and 1.
          testing::expect_same_values(testing::elements(a), testing::elements(expected),
                                      case_name(op, a, b, layout + " in place"));
        }
      }
    }
  }
}

TEST(BinaryOps, InPlaceAliasing) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv,
                        BinaryOp::kMaximum, BinaryOp::kPow, BinaryOp::kLt}) {
      // a op= a
      Tensor a = testing::random_tensor({7, 7}, DType::kF32, seed);
      Tensor expected = binary(op, a, a.clone());
      binary_out(op, a, a, a);
      testing::expect_same_values(testing::elements(a), testing::elements(expected), "a op= a");

      // a op= a^T on a square matrix: the transpose reads elements the loop has already written.
      a = testing::random_tensor({33, 33}, DType::kF32, seed + 1);
      expected = binary(op, a, a.transpose(0, 1).clone());
      binary_out(op, a, a.transpose(0, 1), a);
      testing::expect_same_values(testing::elements(a), testing::elements(expected), "a op= a^T");

      // a = a^T op a: the aliased transpose is now the first operand.
      a = testing::random_tensor({17, 17}, DType::kF32, seed + 5);
      expected = binary(op, a.transpose(0, 1).clone(), a.clone());
      binary_out(op, a.transpose(0, 1), a, a);
      testing::expect_same_values(testing::elements(a), testing::elements(expected),
                                  "a = a^T op a");

      // a^T op= a (the output is the non-contiguous view).
      a = testing::random_tensor({9, 9}, DType::kF32, seed + 2);
      Tensor transposed = a.transpose(0, 1);
      expected = binary(op, transposed, a.clone());
      binary_out(op, transposed, a, transposed);
      testing::expect_same_values(testing::elements(transposed), testing::elements(expected),
                                  "a^T op= a");

      // Overlapping shifted windows of one buffer.
      const Tensor buffer = testing::random_tensor({65}, DType::kF32, seed + 3);
      const Tensor head = buffer.slice(0, 0, 64);
      const Tensor tail = buffer.slice(0, 1, 65);
      expected = binary(op, head.clone(), tail.clone());
      binary_out(op, head, tail, head);
      testing::expect_same_values(testing::elements(head), testing::elements(expected),
                                  "head op= tail");

      // A row of the output broadcast over all rows.
      a = testing::random_tensor({4, 5}, DType::kF32, seed + 4);
      expected = binary(op, a, a.select(0, 2).clone());
      binary_out(op, a, a.select(0, 2), a);
      testing::expect_same_values(testing::elements(a), testing::elements(expected),
                                  "a op= a[2] broadcast");
    }
  }
}

TEST(BinaryOps, NamedInPlaceForms) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const Tensor twice = testing::random_tensor({5, 5}, DType::kF16, seed);
    const Tensor doubled = mul(twice, 2.0);
    EXPECT_EQ(&add_(twice, twice), &twice);
    testing::expect_same_values(testing::elements(twice), testing::elements(doubled), "a.add_(a)");
    const Tensor square = testing::random_tensor({6, 6}, DType::kI32, seed + 1, "offset");
    const Tensor sum = add(square, square.transpose(0, 1).clone());
    add_(square, square.transpose(0, 1));
    testing::expect_same_values(testing::elements(square), testing::elements(sum), "a.add_(a^T)");
    const Tensor strided = testing::random_tensor({4, 3}, DType::kF32, seed + 2, "strided");
    const Tensor product = mul(strided, strided.select(1, 0).unsqueeze(1).clone());
    mul_(strided, strided.select(1, 0).unsqueeze(1));
    testing::expect_same_values(testing::elements(strided), testing::elements(product),
                                "strided *= own column");
  }
}

TEST(BinaryOps, OutputWithGuardRegion) {
  const std::vector<Shape> shapes = {{0}, {}, {1}, {7}, {33}, {1023}, {3, 5}, {1, 0, 3}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (BinaryOp op : kAllBinaryOps) {
      for (const Shape& shape : shapes) {
        for (int64_t gap : {1, 2}) {
          const Tensor a = testing::random_tensor(shape, DType::kF32, seed, "strided");
          const Tensor b = testing::random_tensor(shape, DType::kI32, seed + 1, "offset");
          const DType result = expected_result_dtype(op, a.dtype(), b.dtype());
          const std::string context = case_name(op, a, b, "gap " + std::to_string(gap));
          // Same dtype as the result, then a wider one (the result is converted on the way).
          for (DType out_dtype : {result, DType::kF64}) {
            const testing::GuardedOutput out = testing::guarded_output(shape, out_dtype, gap);
            binary_out(op, a, b, out.view);
            testing::expect_guard_intact(out, context);
            expect_binary_matches(op, a, b, binary(op, a, b), context);
            testing::expect_same_values(testing::elements(out.view),
                                        testing::elements(binary(op, a, b)), context);
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

TEST(BinaryOps, RefusesFloatResultIntoIntegerOutput) {
  const Tensor integers = Tensor::from_vector<int32_t>({1, 2}, {2});
  EXPECT_BITNET_ERROR(div_(integers, integers),
                      "div: result type f32 cannot be stored in an output of i32");
  EXPECT_BITNET_ERROR(add_(integers, Tensor::ones({2}, DType::kF32)),
                      "add: result type f32 cannot be stored in an output of i32");
  EXPECT_BITNET_ERROR(add_(Tensor::ones({2}, DType::kBool), integers),
                      "add: result type i32 cannot be stored in an output of bool");
  testing::expect_same_values(testing::elements(integers), {1, 2}, "unchanged after refusal");
  // Narrower integers and comparisons are accepted.
  const Tensor bytes = Tensor::from_vector<uint8_t>({200, 100}, {2});
  add_(bytes, Tensor::from_vector<int32_t>({100, 1000}, {2}));
  testing::expect_same_values(testing::elements(bytes), {44, 76}, "u8 += i32 wraps");
  const Tensor counts = Tensor::from_vector<int32_t>({1, 5}, {2});
  lt_(counts, Tensor::from_vector<float>({2.0f, 2.0f}, {2}));
  testing::expect_same_values(testing::elements(counts), {1, 0}, "i32 < f32 stored as 0/1");
}

TEST(BinaryOps, RefusesBroadcastOutput) {
  const Tensor row = Tensor::from_vector<float>({1, 2, 3}, {1, 3});
  const Tensor expanded = row.expand({4, 3});
  EXPECT_BITNET_ERROR(add_(expanded, Tensor::ones({4, 3})), "share memory");
  testing::expect_same_values(testing::elements(row), {1, 2, 3}, "unchanged after refusal");
  // A size-1 dimension with stride 0 addresses one element once: accepted.
  const Tensor single = Tensor::from_vector<float>({5}, {1}).expand({1, 1});
  add_(single, 1.0);
  EXPECT_EQ(single.item(), 6.0);
}

// ---- special values and integer wrap-around ---------------------------------------------------

std::vector<double> special_values() {
  return {NAN, INFINITY, -INFINITY, 0.0,  -0.0,  1.0,    -1.0,    0.5,      -0.5,    2.0, -2.0,
          3.0, -3.0,     2.5,       -2.5, 1e-40, -1e-40, FLT_MAX, -FLT_MAX, 65504.0, 1e5, 7e-46};
}

TEST(BinaryOps, NanAndInfMatchReference) {
  const std::vector<double> values = special_values();
  const int64_t count = static_cast<int64_t>(values.size());
  // Every pair: a varies along rows, b along columns.
  const Tensor column = Tensor::from_vector(values, {count, 1});
  const Tensor row = Tensor::from_vector(values, {1, count});
  for (DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    const Tensor a = column.to(dtype);
    const Tensor b = row.to(dtype);
    for (BinaryOp op : kAllBinaryOps) {
      expect_binary_matches(op, a, b, binary(op, a, b), case_name(op, a, b, "special values"));
    }
  }
}

TEST(BinaryOps, MaximumMinimumPropagateNan) {
  const Tensor a = Tensor::from_vector<float>({NAN, 1.0f, NAN, -INFINITY}, {4});
  const Tensor b = Tensor::from_vector<float>({1.0f, NAN, NAN, NAN}, {4});
  for (const Tensor& result : {maximum(a, b), minimum(a, b), maximum(b, a), minimum(b, a)}) {
    for (float value : result.to_vector<float>()) EXPECT_TRUE(std::isnan(value));
  }
  const Tensor zeros = Tensor::from_vector<float>({-0.0f, 0.0f}, {2});
  const std::vector<float> larger = maximum(zeros, Tensor::zeros({2})).to_vector<float>();
  EXPECT_EQ(larger[1], 0.0f);
}

TEST(BinaryOps, PowSpecialCasesMatchStdPow) {
  const std::vector<double> values = special_values();
  for (double base : values) {
    for (double exponent : values) {
      const Tensor result =
          pow(Tensor::full({}, base, DType::kF64), Tensor::full({}, exponent, DType::kF64));
      const double expected = std::pow(base, exponent);
      const double actual = result.item();
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(actual)) << base << " ^ " << exponent;
      } else {
        EXPECT_EQ(actual, expected) << base << " ^ " << exponent;
        EXPECT_EQ(std::signbit(actual), std::signbit(expected)) << base << " ^ " << exponent;
      }
    }
  }
}

TEST(BinaryOps, IntegerArithmeticWraps) {
  auto check = [](BinaryOp op, const Tensor& a, const Tensor& b,
                  const std::vector<int64_t>& expected) {
    const Tensor result = binary(op, a, b);
    EXPECT_EQ(result.to_vector<int64_t>(), expected)
        << binary_op_name(op) << " " << dtype_name(a.dtype());
  };
  check(BinaryOp::kAdd, Tensor::from_vector<int8_t>({127, -128}, {2}),
        Tensor::from_vector<int8_t>({1, -1}, {2}), {-128, 127});
  check(BinaryOp::kAdd, Tensor::from_vector<uint8_t>({255, 200}, {2}),
        Tensor::from_vector<uint8_t>({1, 100}, {2}), {0, 44});
  check(BinaryOp::kSub, Tensor::from_vector<uint8_t>({0}, {1}),
        Tensor::from_vector<uint8_t>({1}, {1}), {255});
  check(BinaryOp::kMul, Tensor::from_vector<int8_t>({-128, 16}, {2}),
        Tensor::from_vector<int8_t>({-1, 16}, {2}), {-128, 0});
  constexpr int32_t int32_max = std::numeric_limits<int32_t>::max();
  constexpr int32_t int32_min = std::numeric_limits<int32_t>::min();
  check(BinaryOp::kAdd, Tensor::from_vector<int32_t>({int32_max, int32_min}, {2}),
        Tensor::from_vector<int32_t>({1, -1}, {2}), {int32_min, int32_max});
  check(BinaryOp::kMul, Tensor::from_vector<int32_t>({65536, int32_min}, {2}),
        Tensor::from_vector<int32_t>({65536, -1}, {2}), {0, int32_min});
  constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();
  constexpr int64_t int64_min = std::numeric_limits<int64_t>::min();
  check(BinaryOp::kAdd, Tensor::from_vector<int64_t>({int64_max, int64_min}, {2}),
        Tensor::from_vector<int64_t>({1, -1}, {2}), {int64_min, int64_max});
  check(BinaryOp::kSub, Tensor::from_vector<int64_t>({int64_min}, {1}),
        Tensor::from_vector<int64_t>({1}, {1}), {int64_max});
  check(BinaryOp::kMul, Tensor::from_vector<int64_t>({int64_min, int64_t{1} << 32}, {2}),
        Tensor::from_vector<int64_t>({-1, int64_t{1} << 32}, {2}), {int64_min, 0});
  // Exact large i64 values (beyond 2^53) survive add and compare.
  const int64_t large = (int64_t{1} << 60) + 1;
  check(BinaryOp::kAdd, Tensor::from_vector<int64_t>({large}, {1}),
        Tensor::from_vector<int64_t>({large}, {1}), {(int64_t{1} << 61) + 2});
  EXPECT_EQ(
      eq(Tensor::from_vector<int64_t>({large}, {1}), Tensor::from_vector<int64_t>({large - 1}, {1}))
          .to_vector<bool>()[0],
      false);
  // Mixed signedness promotes first: u8 200 + i8 100 is i32 300, no wrap.
  check(BinaryOp::kAdd, Tensor::from_vector<uint8_t>({200}, {1}),
        Tensor::from_vector<int8_t>({100}, {1}), {300});
}

TEST(BinaryOps, IntegerPow) {
  const Tensor bases = Tensor::from_vector<int32_t>({2, 1, -1, -1, 0, -2, 0, 3, 2, -2, 5}, {11});
  const Tensor exponents =
      Tensor::from_vector<int32_t>({-1, -5, -3, -4, -1, -1, 0, 4, 31, 31, 0}, {11});
  const Tensor result = pow(bases, exponents);
  EXPECT_EQ(result.dtype(), DType::kI32);
  EXPECT_EQ(result.to_vector<int64_t>(),
            (std::vector<int64_t>{0, 1, -1, 1, 0, 0, 1, 81, std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int32_t>::min(), 1}));
  EXPECT_EQ(
      pow(Tensor::from_vector<uint8_t>({2, 3}, {2}), Tensor::from_vector<uint8_t>({8, 5}, {2}))
          .to_vector<int64_t>(),
      (std::vector<int64_t>{0, 243}));
  EXPECT_EQ(pow(Tensor::from_vector<int8_t>({-2, 3}, {2}), Tensor::from_vector<int8_t>({7, 5}, {2}))
                .to_vector<int64_t>(),
            (std::vector<int64_t>{-128, -13}));  // 243 wraps to -13
  // 3^40 modulo 2^64, as a signed value.
  uint64_t power = 1;
  for (int k = 0; k < 40; ++k) power *= 3;
  EXPECT_EQ(pow(Tensor::from_vector<int64_t>({3}, {1}), Tensor::from_vector<int64_t>({40}, {1}))
                .to_vector<int64_t>()[0],
            static_cast<int64_t>(power));
  EXPECT_EQ(pow(Tensor::from_vector<int64_t>({-1}, {1}),
                Tensor::from_vector<int64_t>({std::numeric_limits<int64_t>::min()}, {1}))
                .to_vector<int64_t>()[0],
            1);
}

TEST(BinaryOps, BoolArithmeticIsLogical) {
  const Tensor a = Tensor::from_vector<bool>({false, false, true, true}, {4});
  const Tensor b = Tensor::from_vector<bool>({false, true, false, true}, {4});
  EXPECT_EQ(add(a, b).dtype(), DType::kBool);
  EXPECT_EQ(add(a, b).to_vector<bool>(), (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(mul(a, b).to_vector<bool>(), (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(maximum(a, b).to_vector<bool>(), (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(minimum(a, b).to_vector<bool>(), (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(ne(a, b).to_vector<bool>(), (std::vector<bool>{false, true, true, false}));
  const Tensor quotient = div(a, b);
  EXPECT_EQ(quotient.dtype(), DType::kF32);
  testing::expect_same_values(testing::elements(quotient), {NAN, 0, INFINITY, 1}, "bool / bool");
}

TEST(BinaryOps, IntegerDivisionGivesFloat) {
  const Tensor a = Tensor::from_vector<int32_t>({7, -7, 1, 0, -1}, {5});
  const Tensor b = Tensor::from_vector<int32_t>({2, 2, 0, 0, 0}, {5});
  const Tensor quotient = div(a, b);
  EXPECT_EQ(quotient.dtype(), DType::kF32);
  testing::expect_same_values(testing::elements(quotient), {3.5, -3.5, INFINITY, NAN, -INFINITY},
                              "i32 / i32");
}

// ---- errors -----------------------------------------------------------------------------------

TEST(BinaryOps, ErrorMessages) {
  const Tensor a = Tensor::zeros({2, 3});
  const Tensor b = Tensor::zeros({4});
  EXPECT_BITNET_ERROR(add(a, b), "add: shapes [2,3] and [4] cannot be broadcast together");
  EXPECT_BITNET_ERROR(lt(b, a), "lt: shapes [4] and [2,3] cannot be broadcast together");
  EXPECT_BITNET_ERROR(add(Tensor{}, a), "add: the first operand is undefined");
  EXPECT_BITNET_ERROR(mul(a, Tensor{}), "mul: the second operand is undefined");
  EXPECT_BITNET_ERROR(add(Tensor{}, 1.0), "add: the first operand is undefined");
  EXPECT_BITNET_ERROR(sub(1.0, Tensor{}), "sub: the second operand is undefined");
  const Tensor flags = Tensor::zeros({2}, DType::kBool);
  EXPECT_BITNET_ERROR(sub(flags, flags), "sub: not defined for two bool tensors");
  EXPECT_BITNET_ERROR(pow(flags, flags), "pow: not defined for two bool tensors");
  EXPECT_BITNET_ERROR(binary_out(BinaryOp::kAdd, a, a, Tensor::zeros({3, 2})),
                      "add: output shape [3,2] differs from the broadcast shape [2,3]");
  EXPECT_BITNET_ERROR(binary_out(BinaryOp::kAdd, a, a, Tensor{}), "add: the output is undefined");
  // An in-place op cannot grow its output by broadcasting.
  EXPECT_BITNET_ERROR(add_(Tensor::zeros({1, 3}), a), "add: output shape [1,3]");
  EXPECT_BITNET_ERROR(div_(Tensor::zeros({2}, DType::kI8), Tensor::zeros({2}, DType::kI8)),
                      "div: result type f32 cannot be stored in an output of i8");
  try {
    (void)add(a, b);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kShapeMismatch);
  }
}

TEST(BinaryOps, OpNames) {
  const std::vector<std::string> names = {"add", "sub", "mul", "div", "maximum", "minimum", "pow",
                                          "eq",  "ne",  "lt",  "le",  "gt",      "ge"};
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(binary_op_name(kAllBinaryOps[i]), names[i]);
}

}  // namespace
}  // namespace bitnet

// where() and clamp() (src/ops/where.cpp) against an independent reference: every condition dtype
// and value dtype pair, broadcasting of all three operands, layouts and sizes, bit-exact selection
// (NaN payloads, -0), bound conversion for each dtype, NaN handling and error messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/elementwise_reference.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::broadcast_element;
using testing::expected_cast;
using testing::seed_trace;
using testing::test_seeds;

// ---- where ------------------------------------------------------------------------------------

// A condition of `dtype` and `layout` holding -1, 0 and 1 (about a third zero), so that both
// branches are taken for every dtype, floats included.
Tensor random_condition(const Shape& shape, DType dtype, uint64_t seed, const std::string& layout) {
  Tensor condition = testing::random_tensor(shape, dtype, seed, layout);
  condition.copy_from(
      testing::random_tensor(shape, DType::kI8, seed + 99, "contiguous", -1.4, 1.4));
  return condition;
}

void expect_where_matches(const Tensor& condition, const Tensor& a, const Tensor& b,
                          const Tensor& actual, const std::string& context) {
  const DType dtype = testing::expected_promote(a.dtype(), b.dtype());
  ASSERT_EQ(actual.dtype(), dtype) << context;
  std::vector<double> expected(static_cast<size_t>(actual.numel()));
  for (int64_t i = 0; i < actual.numel(); ++i) {
    // Non-zero is true, NaN included.
    const bool take_a = broadcast_element(condition, actual.shape(), i) != 0;
    const Tensor& source = take_a ? a : b;
    expected[static_cast<size_t>(i)] =
        expected_cast(broadcast_element(source, actual.shape(), i), source.dtype(), dtype);
  }
  testing::expect_same_values(testing::elements(actual), expected, context);
}

std::string where_name(const Tensor& condition, const Tensor& a, const Tensor& b,
                       const std::string& detail) {
  auto describe = [](const Tensor& t) {
    return std::string(dtype_name(t.dtype())) + to_string(t.shape());
  };
  return "where(" + describe(condition) + ", " + describe(a) + ", " + describe(b) + ") " + detail;
}

TEST(Where, EveryDTypeCombinationMatchesReference) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (DType condition_dtype : kAllDTypes) {
      for (DType a_dtype : kAllDTypes) {
        for (DType b_dtype : kAllDTypes) {
          const Tensor condition = random_condition({3, 5}, condition_dtype, seed, "strided");
          const Tensor a = testing::random_tensor({3, 5}, a_dtype, seed + 1, "transposed");
          const Tensor b = testing::random_tensor({3, 5}, b_dtype, seed + 2, "offset");
          expect_where_matches(condition, a, b, where(condition, a, b),
                               where_name(condition, a, b, ""));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(Where, LayoutsAndSizes) {
  const std::vector<Shape> shapes = {{0},  {1, 0, 3}, {},     {1},       {7},
                                     {33}, {1023},    {4, 6}, {2, 3, 5}, {3, 1, 9}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const Shape& shape : shapes) {
      for (const std::string& layout : testing::layouts()) {
        for (const auto& [a_dtype, b_dtype] :
             std::vector<std::pair<DType, DType>>{{DType::kF32, DType::kF32},
                                                  {DType::kF16, DType::kF16},
                                                  {DType::kI64, DType::kI8},
                                                  {DType::kBF16, DType::kF16}}) {
          const Tensor condition = random_condition(shape, DType::kBool, seed, layout);
          const Tensor a = testing::random_tensor(shape, a_dtype, seed + 1, layout);
          const Tensor b = testing::random_tensor(shape, b_dtype, seed + 2, "contiguous");
          const Tensor out = where(condition, a, b);
          ASSERT_EQ(out.shape(), shape);
          expect_where_matches(condition, a, b, out, where_name(condition, a, b, layout));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(Where, BroadcastsAllThree) {
  struct Case {
    Shape condition, a, b, expected;
  };
  const std::vector<Case> cases = {{{3, 1}, {1, 4}, {}, {3, 4}},
                                   {{}, {2, 3}, {3}, {2, 3}},
                                   {{5}, {2, 5}, {2, 1}, {2, 5}},
                                   {{2, 1, 1}, {1, 3, 1}, {1, 1, 4}, {2, 3, 4}},
                                   {{}, {}, {}, {}},
                                   {{1, 0, 3}, {3}, {1}, {1, 0, 3}},
                                   {{4, 1}, {}, {1, 6}, {4, 6}},
                                   {{1}, {1023}, {1}, {1023}}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const Case& test_case : cases) {
      for (const std::string& layout : testing::layouts()) {
        const Tensor condition = random_condition(test_case.condition, DType::kF32, seed, layout);
        const Tensor a = testing::random_tensor(test_case.a, DType::kI32, seed + 1, layout);
        const Tensor b = testing::random_tensor(test_case.b, DType::kF16, seed + 2, layout);
        const Tensor out = where(condition, a, b);
        ASSERT_EQ(out.shape(), test_case.expected) << where_name(condition, a, b, layout);
        expect_where_matches(condition, a, b, out, where_name(condition, a, b, layout));
        if (HasFatalFailure()) return;
      }
    }
    // Expanded views as operands.
    const Tensor condition =
        random_condition({1, 4}, DType::kBool, seed, "contiguous").expand({3, 4});
    const Tensor a = testing::random_tensor({3, 1}, DType::kF32, seed + 1).expand({3, 4});
    const Tensor b = testing::random_tensor({}, DType::kF32, seed + 2).expand({3, 4});
    expect_where_matches(condition, a, b, where(condition, a, b), "expanded operands");
  }
}

TEST(Where, LargeTensorsAcrossThreads) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const Tensor condition = random_condition({301, 257}, DType::kBool, seed, "transposed");
    const Tensor a = testing::random_tensor({301, 257}, DType::kF32, seed + 1);
    const Tensor b = testing::random_tensor({257}, DType::kBF16, seed + 2);
    expect_where_matches(condition, a, b, where(condition, a, b), "large");
  }
}

TEST(Where, PromotesValueDTypes) {
  const Tensor condition = Tensor::from_vector<bool>({true, false}, {2});
  auto result_dtype = [&](DType a, DType b) {
    return where(condition, Tensor::ones({2}, a), Tensor::zeros({2}, b)).dtype();
  };
  EXPECT_EQ(result_dtype(DType::kI8, DType::kU8), DType::kI32);
  EXPECT_EQ(result_dtype(DType::kF16, DType::kBF16), DType::kF32);
  EXPECT_EQ(result_dtype(DType::kI32, DType::kF16), DType::kF16);
  EXPECT_EQ(result_dtype(DType::kBool, DType::kBool), DType::kBool);
  EXPECT_EQ(result_dtype(DType::kBool, DType::kI64), DType::kI64);
  const Tensor mixed = where(condition, Tensor::from_vector<uint8_t>({200, 200}, {2}),
                             Tensor::from_vector<int8_t>({-5, -5}, {2}));
  EXPECT_EQ(mixed.to_vector<int64_t>(), (std::vector<int64_t>{200, -5}));
}

TEST(Where, SelectsBitsExactly) {
  const float payload_nan = std::bit_cast<float>(0x7fc12345u);
  const float signalling_nan = std::bit_cast<float>(0xff800001u);
  const Tensor a = Tensor::from_vector<float>({payload_nan, -0.0f, signalling_nan}, {3});
  const Tensor b = Tensor::from_vector<float>({1.0f, 1.0f, 1.0f}, {3});
  const Tensor out = where(Tensor::ones({3}, DType::kBool), a, b);
  EXPECT_EQ(std::memcmp(out.data(), a.data(), 12), 0);
  // f16 NaN payloads too.
  const Tensor half =
      Tensor::from_data(std::vector<uint16_t>{0x7e01, 0x8000}.data(), 4, {2}, DType::kF16);
  const Tensor half_out =
      where(Tensor::ones({2}, DType::kI32), half, Tensor::zeros({2}, DType::kF16));
  EXPECT_EQ(std::memcmp(half_out.data(), half.data(), 4), 0);
}

TEST(Where, ConditionIsNonZero) {
  const Tensor condition = Tensor::from_vector<double>({NAN, -0.0, 0.0, 1e-300, -INFINITY}, {5});
  const Tensor a = Tensor::ones({5}, DType::kI32);
  const Tensor b = Tensor::zeros({5}, DType::kI32);
  for (DType dtype : {DType::kF64, DType::kF32, DType::kF16, DType::kBF16}) {
    const Tensor out = where(condition.to(dtype), a, b);
    // 1e-300 is zero once narrowed.
    const double tiny = dtype == DType::kF64 ? 1 : 0;
    testing::expect_same_values(testing::elements(out), {1, 0, 0, tiny, 1},
                                std::string("condition ") + std::string(dtype_name(dtype)));
  }
  // A bool tensor over foreign bytes: any non-zero byte is true (read without a bool load).
  std::vector<uint8_t> bytes = {0, 1, 2, 255};
  const Tensor foreign = Tensor::from_blob(bytes.data(), {4}, DType::kBool);
  testing::expect_same_values(
      testing::elements(where(foreign, Tensor::ones({4}), Tensor::zeros({4}))), {0, 1, 1, 1},
      "foreign bool bytes");
  const Tensor integers = Tensor::from_vector<int64_t>({int64_t{1} << 40, 0}, {2});
  testing::expect_same_values(
      testing::elements(where(integers, Tensor::ones({2}), Tensor::zeros({2}))), {1, 0},
      "i64 condition");
}

TEST(Where, ErrorMessages) {
  const Tensor a = Tensor::zeros({3});
  EXPECT_BITNET_ERROR(where(Tensor::ones({2}, DType::kBool), a, a),
                      "where: shapes [2] (condition), [3] and [3] cannot be broadcast together");
  EXPECT_BITNET_ERROR(
      where(Tensor::ones({3}, DType::kBool), Tensor::zeros({2, 3}), Tensor::zeros({4, 1})),
      "where: shapes [3] (condition), [2,3] and [4,1] cannot be broadcast together");
  EXPECT_BITNET_ERROR(where(Tensor{}, a, a), "where: the condition is undefined");
  EXPECT_BITNET_ERROR(where(a, Tensor{}, a), "where: the first value tensor is undefined");
  EXPECT_BITNET_ERROR(where(a, a, Tensor{}), "where: the second value tensor is undefined");
  try {
    (void)where(Tensor::ones({2}, DType::kBool), a, a);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kShapeMismatch);
  }
}

// ---- clamp ------------------------------------------------------------------------------------

// The bound as the documented rule converts it: floats round to nearest; integers take the whole
// number inside [low, high] nearest to the bound, saturated to the dtype's range; bool is [0, 1].
double expected_bound(double bound, bool is_lower, DType dtype) {
  if (is_floating(dtype)) return testing::round_to_floating(bound, dtype);
  const double whole = is_lower ? std::ceil(bound) : std::floor(bound);
  if (dtype == DType::kBool) return std::clamp(whole, 0.0, 1.0);
  return std::clamp(whole, testing::integer_lowest(dtype), testing::integer_highest(dtype));
}

void expect_clamp_matches(const Tensor& x, std::optional<double> low, std::optional<double> high,
                          const Tensor& actual, const std::string& context) {
  ASSERT_EQ(actual.dtype(), x.dtype()) << context;
  ASSERT_EQ(actual.shape(), x.shape()) << context;
  const double lower = low ? expected_bound(*low, true, x.dtype()) : -INFINITY;
  const double upper = high ? expected_bound(*high, false, x.dtype()) : INFINITY;
  std::vector<double> expected;
  for (double value : testing::elements(x)) {
    if (std::isnan(value))
      expected.push_back(value);
    else
      expected.push_back(std::min(std::max(value, lower), upper));
  }
  testing::expect_same_values(testing::elements(actual), expected, context);
}

std::string bound_name(std::optional<double> bound) {
  return bound ? std::to_string(*bound) : std::string("none");
}

TEST(Clamp, EveryDTypeAndBoundsMatchReference) {
  struct Bounds {
    std::optional<double> low, high;
  };
  const std::vector<Bounds> bounds = {{-1.0, 1.0},
                                      {-0.5, 2.5},
                                      {std::nullopt, 0.0},
                                      {0.0, std::nullopt},
                                      {std::nullopt, std::nullopt},
                                      {2.0, 2.0},
                                      {-1e10, 1e10},
                                      {-2.5, -1.5},
                                      {0.1, 0.7},
                                      {-INFINITY, INFINITY},
                                      {1e10, std::nullopt},
                                      {std::nullopt, -1e10}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (DType dtype : kAllDTypes) {
      for (const Bounds& bound : bounds) {
        const bool empty_integer_range = !is_floating(dtype) && bound.low && bound.high &&
                                         std::ceil(*bound.low) > std::floor(*bound.high);
        if (empty_integer_range) continue;  // checked in ClampErrors
        const std::string context = std::string(dtype_name(dtype)) + " in [" +
                                    bound_name(bound.low) + ", " + bound_name(bound.high) + "]";
        for (const std::string& layout : testing::layouts()) {
          const Tensor x = testing::random_tensor({4, 9}, dtype, seed, layout);
          expect_clamp_matches(x, bound.low, bound.high, clamp(x, bound.low, bound.high),
                               context + " " + layout);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(Clamp, SizesAndViews) {
  const std::vector<Shape> shapes = {{0}, {1, 0, 3}, {}, {1}, {7}, {33}, {1023}, {2, 3, 5}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const Shape& shape : shapes) {
      for (const std::string& layout : testing::layouts()) {
        for (DType dtype : {DType::kF32, DType::kF16, DType::kI32}) {
          const Tensor x = testing::random_tensor(shape, dtype, seed, layout);
          expect_clamp_matches(x, -1.0, 2.0, clamp(x, -1.0, 2.0), to_string(shape) + " " + layout);
        }
      }
    }
    const Tensor expanded = testing::random_tensor({3, 1}, DType::kF32, seed).expand({3, 5});
    expect_clamp_matches(expanded, 0.0, 1.0, clamp(expanded, 0.0, 1.0), "expanded");
    const Tensor large = testing::random_tensor({301, 257}, DType::kBF16, seed, "transposed");
    expect_clamp_matches(large, -0.5, 0.5, clamp(large, -0.5, 0.5), "large");
  }
}

TEST(Clamp, NanStaysNanAndInfClamps) {
  const std::vector<float> values = {NAN,  INFINITY, -INFINITY,
                                     0.5f, -0.0f,    std::bit_cast<float>(0x7fc12345u)};
  for (DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    const Tensor x = Tensor::from_vector(values, {6}).to(dtype);
    testing::expect_same_values(testing::elements(clamp(x, -1.0, 1.0)), {NAN, 1, -1, 0.5, 0, NAN},
                                std::string("clamp ") + std::string(dtype_name(dtype)));
    testing::expect_same_values(testing::elements(clamp(x, std::nullopt, 0.0)),
                                {NAN, 0, -INFINITY, 0, 0, NAN}, "upper only");
  }
  // The NaN payload passes through untouched.
  const Tensor x = Tensor::from_vector(values, {6});
  uint32_t bits;
  std::memcpy(&bits, static_cast<const float*>(clamp(x, -1.0, 1.0).data()) + 5, 4);
  EXPECT_EQ(bits, 0x7fc12345u);
}

TEST(Clamp, IntegerBounds) {
  const Tensor i8 = Tensor::from_vector<int8_t>({-128, -3, 0, 2, 3, 127}, {6});
  // Out-of-range bounds saturate: no change.
  EXPECT_EQ(clamp(i8, -1000, 1000).to_vector<int64_t>(),
            (std::vector<int64_t>{-128, -3, 0, 2, 3, 127}));
  // Fractional bounds keep results inside [low, high]: at least 3, at most -3.
  EXPECT_EQ(clamp(i8, 2.5, std::nullopt).to_vector<int64_t>(),
            (std::vector<int64_t>{3, 3, 3, 3, 3, 127}));
  EXPECT_EQ(clamp(i8, std::nullopt, -2.5).to_vector<int64_t>(),
            (std::vector<int64_t>{-128, -3, -3, -3, -3, -3}));
  EXPECT_EQ(clamp(i8, -0.5, 2.5).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 2, 2, 2}));
  const Tensor u8 = Tensor::from_vector<uint8_t>({0, 5, 255}, {3});
  EXPECT_EQ(clamp(u8, -5, 3.7).to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 3}));
  EXPECT_EQ(clamp(u8, 300, 400).to_vector<int64_t>(), (std::vector<int64_t>{255, 255, 255}));
  EXPECT_EQ(clamp(u8, -10, -5).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0}));
  constexpr int64_t i64_max = std::numeric_limits<int64_t>::max();
  constexpr int64_t i64_min = std::numeric_limits<int64_t>::min();
  const Tensor i64 = Tensor::from_vector<int64_t>({i64_min, -1, i64_max}, {3});
  EXPECT_EQ(clamp(i64, -1e30, 1e30).to_vector<int64_t>(),
            (std::vector<int64_t>{i64_min, -1, i64_max}));
  EXPECT_EQ(clamp(i64, 0x1p63, std::nullopt).to_vector<int64_t>(),
            (std::vector<int64_t>{i64_max, i64_max, i64_max}));
  EXPECT_EQ(clamp(i64, -INFINITY, 0).to_vector<int64_t>(), (std::vector<int64_t>{i64_min, -1, 0}));
  const Tensor flags = Tensor::from_vector<bool>({false, true}, {2});
  EXPECT_EQ(clamp(flags, 0.5, std::nullopt).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ(clamp(flags, -1, 0.5).to_vector<bool>(), (std::vector<bool>{false, false}));
  EXPECT_EQ(clamp(flags, -1, 1).to_vector<bool>(), (std::vector<bool>{false, true}));
}

TEST(Clamp, FloatBoundsRoundToTheDType) {
  const Tensor half = Tensor::from_vector<float>({0.0f, 0.5f, 70000.0f}, {3}).to(DType::kF16);
  // 0.1 is 0.0999755859375 in f16; 1e5 is beyond f16 and becomes Inf (no clamping from above).
  testing::expect_same_values(testing::elements(clamp(half, 0.1, 1e5)),
                              {0.0999755859375, 0.5, INFINITY}, "f16 bounds");
  const Tensor brain = Tensor::from_vector<float>({0.0f, 3.0f}, {2}).to(DType::kBF16);
  testing::expect_same_values(testing::elements(clamp(brain, 0.1, 1.01)),
                              {0.10009765625, 1.0078125}, "bf16 bounds");
}

TEST(Clamp, Errors) {
  const Tensor x = Tensor::zeros({3});
  EXPECT_BITNET_ERROR(clamp(Tensor{}, 0.0, 1.0), "clamp: the tensor is undefined");
  EXPECT_BITNET_ERROR(clamp(x, 3.0, 1.0), "clamp: the lower bound 3 is above the upper bound 1");
  EXPECT_BITNET_ERROR(clamp(x, NAN, 1.0), "clamp: the lower bound is NaN");
  EXPECT_BITNET_ERROR(clamp(x, std::nullopt, NAN), "clamp: the upper bound is NaN");
  EXPECT_BITNET_ERROR(clamp(Tensor::zeros({3}, DType::kI32), 2.3, 2.7),
                      "clamp: no i32 value lies between 2.3 and 2.7");
  // Equal bounds are fine.
  testing::expect_same_values(testing::elements(clamp(x, 1.0, 1.0)), {1, 1, 1}, "equal bounds");
}

// Every length up to 1023 (all remainders modulo 8 ... 256, the tails of vectorised loops).
TEST(WhereAndClamp, EveryLengthUpTo1023) {
  const uint64_t seed = test_seeds().back();
  SCOPED_TRACE(seed_trace(seed));
  for (int64_t length = 0; length <= 1023; ++length) {
    const Tensor condition = random_condition({length}, DType::kBool, seed + length, "contiguous");
    const Tensor a = testing::random_tensor({length}, DType::kF32, seed + length + 1);
    const Tensor b = testing::random_tensor({length}, DType::kF32, seed + length + 2,
                                            length % 2 == 0 ? "contiguous" : "offset");
    expect_where_matches(condition, a, b, where(condition, a, b), "length sweep");
    expect_clamp_matches(a, -1.0, 1.5, clamp(a, -1.0, 1.5), "clamp length sweep");
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace bitnet

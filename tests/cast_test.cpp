// cast() (src/tensor/copy.cpp with the rules of src/tensor/convert.h) against the documented
// conversion rules restated independently: all 81 dtype pairs on random values, then the special
// cases one by one (NaN, Inf, saturation, wrap-around, rounding without double rounding).
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
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
using testing::seed_trace;
using testing::test_seeds;

void expect_cast_matches(const Tensor& x, DType to, const std::string& context) {
  const Tensor result = cast(x, to);
  ASSERT_EQ(result.dtype(), to) << context;
  ASSERT_EQ(result.shape(), x.shape()) << context;
  ASSERT_TRUE(result.is_contiguous()) << context;
  std::vector<double> expected;
  for (int64_t i = 0; i < x.numel(); ++i) {
    expected.push_back(expected_cast(element_at(x, i), x.dtype(), to));
  }
  // Every conversion is one correctly rounded step: exact agreement.
  testing::expect_same_values(testing::elements(result), expected, context);
}

std::string pair_name(DType from, DType to, const std::string& detail) {
  return std::string(dtype_name(from)) + " -> " + std::string(dtype_name(to)) + " " + detail;
}

TEST(Cast, AllDTypePairsOnRandomValues) {
  struct Range {
    double low, high;
  };
  // Fractions around zero (truncation), values past the 8-bit ranges (saturation and wrap), and
  // values past f16's range (overflow to Inf) and i32-sized integers (rounding to f16/bf16).
  const std::vector<Range> ranges = {{-3, 3}, {-300, 300}, {-1e5, 1e5}, {-3e9, 3e9}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (DType from : kAllDTypes) {
      for (DType to : kAllDTypes) {
        for (const Range& range : ranges) {
          const std::string detail = "range " + std::to_string(range.high);
          const Tensor a =
              testing::random_tensor({33}, from, seed, "offset", range.low, range.high);
          expect_cast_matches(a, to, pair_name(from, to, detail + " offset"));
          const Tensor b =
              testing::random_tensor({3, 5}, from, seed + 1, "transposed", range.low, range.high);
          expect_cast_matches(b, to, pair_name(from, to, detail + " transposed"));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(Cast, LayoutsAndSizes) {
  const std::vector<Shape> shapes = {{0}, {1, 0, 3}, {}, {1}, {7}, {1023}, {4, 6}, {2, 3, 5}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const auto& [from, to] :
         std::vector<std::pair<DType, DType>>{{DType::kF32, DType::kF16},
                                              {DType::kF64, DType::kBF16},
                                              {DType::kI32, DType::kU8},
                                              {DType::kF16, DType::kI8},
                                              {DType::kBF16, DType::kF32},
                                              {DType::kF32, DType::kF32}}) {
      for (const Shape& shape : shapes) {
        for (const std::string& layout : testing::layouts()) {
          const Tensor x = testing::random_tensor(shape, from, seed, layout, -200, 200);
          expect_cast_matches(x, to, pair_name(from, to, layout + " " + to_string(shape)));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(Cast, ExpandedInput) {
  const Tensor row = Tensor::from_vector<float>({1.5f, -2.5f, 300.0f}, {3}).expand({4, 3});
  const Tensor result = cast(row, DType::kU8);
  EXPECT_TRUE(result.is_contiguous());
  EXPECT_EQ(result.to_vector<int64_t>(),
            (std::vector<int64_t>{1, 0, 255, 1, 0, 255, 1, 0, 255, 1, 0, 255}));
}

// ---- float to integer ------------------------------------------------------------------------

TEST(Cast, FloatToIntegerTruncatesSaturatesAndMapsNanToZero) {
  const std::vector<double> values = {NAN,    INFINITY,     -INFINITY,    0.0,   -0.0,   0.9,
                                      -0.9,   -1.5,         127.9,        128.0, -128.9, -129.0,
                                      255.9,  256.0,        300.7,        1e10,  -1e10,  1e300,
                                      -1e300, 2147483647.5, -2147483648.5};
  struct Expected {
    DType dtype;
    std::vector<int64_t> values;
  };
  constexpr int64_t i32_max = std::numeric_limits<int32_t>::max();
  constexpr int64_t i32_min = std::numeric_limits<int32_t>::min();
  constexpr int64_t i64_max = std::numeric_limits<int64_t>::max();
  constexpr int64_t i64_min = std::numeric_limits<int64_t>::min();
  const std::vector<Expected> table = {
      {DType::kU8,
       {0, 255, 0, 0, 0, 0, 0, 0, 127, 128, 0, 0, 255, 255, 255, 255, 0, 255, 0, 255, 0}},
      {DType::kI8, {0,    127, -128, 0,   0,   0,    0,   -1,   127, 127, -128,
                    -128, 127, 127,  127, 127, -128, 127, -128, 127, -128}},
      {DType::kI32,
       {0,    i32_max, i32_min, 0,   0,       0,       0,       -1,      127,     128,    -128,
        -129, 255,     256,     300, i32_max, i32_min, i32_max, i32_min, i32_max, i32_min}},
      {DType::kI64, {0,   i64_max,     i64_min,      0,       0,       0,          0,
                     -1,  127,         128,          -128,    -129,    255,        256,
                     300, 10000000000, -10000000000, i64_max, i64_min, 2147483647, -2147483648}},
  };
  const Tensor source = Tensor::from_vector(values, {static_cast<int64_t>(values.size())});
  for (const Expected& expected : table) {
    EXPECT_EQ(cast(source, expected.dtype).to_vector<int64_t>(), expected.values)
        << "f64 -> " << dtype_name(expected.dtype);
  }
  // The same from f32 and f16 for the values they hold exactly.
  const Tensor single = Tensor::from_vector<float>({NAN, INFINITY, -INFINITY, -1.5f, 300.7f}, {5});
  EXPECT_EQ(cast(single, DType::kU8).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 255, 0, 0, 255}));
  EXPECT_EQ(cast(single, DType::kI32).to_vector<int64_t>(),
            (std::vector<int64_t>{0, i32_max, i32_min, -1, 300}));
  EXPECT_EQ(cast(single.to(DType::kF16), DType::kI8).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 127, -128, -1, 127}));
  EXPECT_EQ(cast(single.to(DType::kBF16), DType::kI64).to_vector<int64_t>(),
            (std::vector<int64_t>{0, i64_max, i64_min, -1, 300}));
}

TEST(Cast, FloatToI64AtTheBoundary) {
  // 2^63 is the first value out of range; the largest double below it converts exactly.
  const double below = std::nextafter(0x1p63, 0.0);
  const Tensor source = Tensor::from_vector<double>({0x1p63, -0x1p63, below, -below}, {4});
  const std::vector<int64_t> result = cast(source, DType::kI64).to_vector<int64_t>();
  EXPECT_EQ(result[0], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(result[1], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(result[2], int64_t{0x7ffffffffffffc00});
  EXPECT_EQ(result[3], -int64_t{0x7ffffffffffffc00});
  const Tensor single = Tensor::from_vector<float>({0x1p63f, 0x1p31f, -0x1p31f}, {3});
  EXPECT_EQ(cast(single, DType::kI64).to_vector<int64_t>()[0], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(cast(single, DType::kI32).to_vector<int64_t>(),
            (std::vector<int64_t>{std::numeric_limits<int32_t>::max(),
                                  std::numeric_limits<int32_t>::max(),
                                  std::numeric_limits<int32_t>::min()}));
}

// ---- bool -------------------------------------------------------------------------------------

TEST(Cast, ToBoolIsNonZero) {
  const Tensor floats = Tensor::from_vector<double>({0.0, -0.0, NAN, 1e-300, -INFINITY, 0.5}, {6});
  for (DType dtype : {DType::kF64, DType::kF32, DType::kF16, DType::kBF16}) {
    // 1e-300 underflows to zero in the narrower types; 5e-324 checks denormals in f64.
    const Tensor source = dtype == DType::kF64 ? floats : cast(floats, dtype);
    const std::vector<bool> expected = {false, false, true, dtype == DType::kF64, true, true};
    EXPECT_EQ(cast(source, DType::kBool).to_vector<bool>(), expected) << dtype_name(dtype);
  }
  const Tensor denormal = Tensor::from_vector<double>({5e-324}, {1});
  EXPECT_TRUE(cast(denormal, DType::kBool).to_vector<bool>()[0]);
  const Tensor integers = Tensor::from_vector<int32_t>({0, -1, 256, 1}, {4});
  EXPECT_EQ(cast(integers, DType::kBool).to_vector<bool>(),
            (std::vector<bool>{false, true, true, true}));
  // 256 is non-zero even though its low byte is zero.
  EXPECT_EQ(
      cast(Tensor::from_vector<int64_t>({int64_t{1} << 40}, {1}), DType::kBool).to_vector<bool>(),
      (std::vector<bool>{true}));
}

TEST(Cast, BoolToNumbersIsZeroOrOne) {
  const Tensor flags = Tensor::from_vector<bool>({true, false, true}, {3});
  for (DType dtype : kAllDTypes) {
    testing::expect_same_values(testing::elements(cast(flags, dtype)), {1, 0, 1},
                                std::string("bool -> ") + std::string(dtype_name(dtype)));
  }
}

// ---- integer to integer -----------------------------------------------------------------------

TEST(Cast, IntegerToIntegerWraps) {
  const Tensor i32 = Tensor::from_vector<int32_t>({300, -1, -129, 128, 255, 256}, {6});
  EXPECT_EQ(cast(i32, DType::kU8).to_vector<int64_t>(),
            (std::vector<int64_t>{44, 255, 127, 128, 255, 0}));
  EXPECT_EQ(cast(i32, DType::kI8).to_vector<int64_t>(),
            (std::vector<int64_t>{44, -1, 127, -128, -1, 0}));
  const Tensor u8 = Tensor::from_vector<uint8_t>({200, 127, 128}, {3});
  EXPECT_EQ(cast(u8, DType::kI8).to_vector<int64_t>(), (std::vector<int64_t>{-56, 127, -128}));
  const Tensor i8 = Tensor::from_vector<int8_t>({-1, -128}, {2});
  EXPECT_EQ(cast(i8, DType::kU8).to_vector<int64_t>(), (std::vector<int64_t>{255, 128}));
  EXPECT_EQ(cast(i8, DType::kI64).to_vector<int64_t>(), (std::vector<int64_t>{-1, -128}));
  const Tensor i64 = Tensor::from_vector<int64_t>(
      {(int64_t{1} << 40) + 5, std::numeric_limits<int64_t>::min(), (int64_t{1} << 31)}, {3});
  EXPECT_EQ(cast(i64, DType::kI32).to_vector<int64_t>(),
            (std::vector<int64_t>{5, 0, std::numeric_limits<int32_t>::min()}));
}

// ---- rounding to f16, bf16 and f32 ------------------------------------------------------------

double cast_value(double value, DType from, DType to) {
  return element_at(cast(Tensor::full({}, value, from), to), 0);
}

TEST(Cast, F64ToHalfRoundsOnce) {
  // Just above the f16 halfway point 1 + 2^-11: rounding to f32 first would land exactly on the
  // halfway point and then tie to even (1.0); the correct result rounds up.
  const double tiny = 0x1p-40;
  EXPECT_EQ(cast_value(1 + 0x1p-11 + tiny, DType::kF64, DType::kF16), 1 + 0x1p-10);
  EXPECT_EQ(cast_value(1 + 0x1p-11 - tiny, DType::kF64, DType::kF16), 1.0);
  EXPECT_EQ(cast_value(-(1 + 0x1p-11 + tiny), DType::kF64, DType::kF16), -(1 + 0x1p-10));
  EXPECT_EQ(cast_value(1 + 0x1p-11, DType::kF64, DType::kF16), 1.0);  // the exact tie: to even
  EXPECT_EQ(cast_value(1 + 3 * 0x1p-11, DType::kF64, DType::kF16), 1 + 0x1p-9);
  // The same in the subnormal range (spacing 2^-24) and for bf16 (8 bits).
  EXPECT_EQ(cast_value(0x1.8p-24 + 0x1p-60, DType::kF64, DType::kF16), 0x1p-23);
  EXPECT_EQ(cast_value(0x1p-25 + 0x1p-60, DType::kF64, DType::kF16), 0x1p-24);
  EXPECT_EQ(cast_value(0x1p-25, DType::kF64, DType::kF16), 0.0);
  EXPECT_EQ(cast_value(1 + 0x1p-8 + tiny, DType::kF64, DType::kBF16), 1 + 0x1p-7);
  EXPECT_EQ(cast_value(1 + 0x1p-8, DType::kF64, DType::kBF16), 1.0);
  // Overflow: just below the f16 rounding threshold 65520 stays finite.
  EXPECT_EQ(cast_value(65520 - 0x1p-30, DType::kF64, DType::kF16), 65504);
  EXPECT_TRUE(std::isinf(cast_value(65520, DType::kF64, DType::kF16)));
  EXPECT_TRUE(std::isinf(cast_value(1e300, DType::kF64, DType::kF16)));
  EXPECT_TRUE(std::isinf(cast_value(1e300, DType::kF64, DType::kBF16)));
  EXPECT_EQ(cast_value(1e-300, DType::kF64, DType::kBF16), 0.0);
  EXPECT_TRUE(std::isnan(cast_value(NAN, DType::kF64, DType::kF16)));
}

TEST(Cast, LargeIntegersToBFloat16RoundOnce) {
  // Just above a bf16 halfway point with a low bit set that only the integer holds: an
  // intermediate rounding to f32 (24 bits) or f64 (53 bits) would land on the halfway point.
  const Tensor i32 = Tensor::from_vector<int32_t>(
      {(1 << 30) + (1 << 22) + 1, (1 << 30) + (1 << 22), -((1 << 30) + (1 << 22) + 1)}, {3});
  testing::expect_same_values(testing::elements(cast(i32, DType::kBF16)),
                              {0x1p30 + 0x1p23, 0x1p30, -(0x1p30 + 0x1p23)}, "i32 -> bf16");
  const int64_t above = (int64_t{1} << 62) + (int64_t{1} << 54) + 1;
  const Tensor i64 = Tensor::from_vector<int64_t>({above, above - 1, -above}, {3});
  testing::expect_same_values(testing::elements(cast(i64, DType::kBF16)),
                              {0x1p62 + 0x1p55, 0x1p62, -(0x1p62 + 0x1p55)}, "i64 -> bf16");
  // To f32 and f64 the conversion is a single rounding already.
  EXPECT_EQ(cast(i64, DType::kF32).to_vector<float>()[0], 0x1p62f + 0x1p54f);
  EXPECT_EQ(cast(Tensor::from_vector<int64_t>({(int64_t{1} << 53) + 1}, {1}), DType::kF64)
                .to_vector<double>()[0],
            0x1p53);
  EXPECT_EQ(cast(Tensor::from_vector<int64_t>({(int64_t{1} << 24) + 1}, {1}), DType::kF32)
                .to_vector<float>()[0],
            0x1p24f);
  // i64 and i32 to f16: beyond 65519 is Inf.
  testing::expect_same_values(
      testing::elements(
          cast(Tensor::from_vector<int64_t>({65519, 65520, -70000, 2049}, {4}), DType::kF16)),
      {65504, INFINITY, -INFINITY, 2048}, "i64 -> f16");
}

uint16_t bits_of(const Tensor& scalar) {
  uint16_t bits;
  std::memcpy(&bits, scalar.data(), 2);
  return bits;
}

TEST(Cast, F32ToBFloat16TiesToEven) {
  const std::vector<float> values = {1 + 0x1p-8f,    1 + 3 * 0x1p-8f, 1 + 0x1p-8f + 0x1p-23f,
                                     -(1 + 0x1p-8f), FLT_MAX,         -0.0f,
                                     0x1p-133f,      0x1p-134f,       0x1.8p-133f};
  const std::vector<double> expected = {1.0, 1 + 0x1p-6, 1 + 0x1p-7, -1.0,    INFINITY,
                                        0.0, 0x1p-133,   0.0,        0x1p-132};
  const Tensor source = Tensor::from_vector(values, {static_cast<int64_t>(values.size())});
  testing::expect_same_values(testing::elements(cast(source, DType::kBF16)), expected,
                              "f32 -> bf16");
  // -0 keeps its sign; NaN stays a quiet NaN (not Inf) with its sign.
  EXPECT_EQ(bits_of(cast(Tensor::full({}, -0.0, DType::kF32), DType::kBF16)), 0x8000);
  const Tensor nan =
      cast(Tensor::from_vector<float>({std::bit_cast<float>(0xff800001u)}, {}), DType::kBF16);
  EXPECT_TRUE(std::isnan(element_at(nan, 0)));
  EXPECT_EQ(bits_of(nan) & 0x8000, 0x8000);
}

TEST(Cast, F32ToHalfRounding) {
  const std::vector<float> values = {65504.0f,     65519.99f, 65520.0f,   -65520.0f,
                                     0x1p-24f,     0x1p-25f,  0x1.8p-25f, 0x1.8p-24f,
                                     1 + 0x1p-11f, 0x1p-14f,  1e-8f};
  const std::vector<double> expected = {65504,   65504,   INFINITY, -INFINITY, 0x1p-24, 0.0,
                                        0x1p-24, 0x1p-23, 1.0,      0x1p-14,   0.0};
  const Tensor source = Tensor::from_vector(values, {static_cast<int64_t>(values.size())});
  testing::expect_same_values(testing::elements(cast(source, DType::kF16)), expected, "f32 -> f16");
  // Every f16 bit pattern survives f16 -> f32 -> f16 (NaN stays NaN).
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  const Tensor halves = Tensor::from_data(all.data(), all.size() * 2, {65536}, DType::kF16);
  const Tensor round_trip = cast(cast(halves, DType::kF32), DType::kF16);
  const auto* bits = static_cast<const uint16_t*>(round_trip.data());
  for (size_t i = 0; i < all.size(); ++i) {
    const bool is_nan = (i & 0x7c00) == 0x7c00 && (i & 0x3ff) != 0;
    if (is_nan) {
      ASSERT_TRUE((bits[i] & 0x7c00) == 0x7c00 && (bits[i] & 0x3ff) != 0) << i;
    } else {
      ASSERT_EQ(bits[i], all[i]) << i;
    }
  }
  // And f16 -> f32 matches the independent decoder for every pattern.
  testing::expect_same_values(testing::elements(cast(halves, DType::kF32)),
                              testing::elements(halves), "f16 -> f32");
}

// ---- copies through copy_from use the same rules ---------------------------------------------

TEST(Cast, CopyFromConvertsIntoGuardedView) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const Tensor source =
        testing::random_tensor({5, 7}, DType::kF32, seed, "transposed", -300, 300);
    for (DType to : kAllDTypes) {
      const testing::GuardedOutput out = testing::guarded_output({5, 7}, to, 2);
      out.view.copy_from(source);
      testing::expect_guard_intact(out,
                                   std::string("copy_from into ") + std::string(dtype_name(to)));
      testing::expect_same_values(testing::elements(out.view), testing::elements(cast(source, to)),
                                  "copy_from");
    }
  }
}

TEST(Cast, ErrorsAndIdentity) {
  EXPECT_BITNET_ERROR(cast(Tensor{}, DType::kF32), "cast: the tensor is undefined");
  const Tensor x = Tensor::ones({3});
  const Tensor same = cast(x, DType::kF32);
  EXPECT_FALSE(same.shares_storage(x));  // cast always gives a fresh tensor
  testing::expect_same_values(testing::elements(same), {1, 1, 1}, "identity cast");
}

}  // namespace
}  // namespace bitnet

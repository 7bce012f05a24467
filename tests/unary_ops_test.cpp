// Element-wise unary ops (src/ops/unary.cpp) against an independent long-double reference: every
// op and dtype, layouts, sizes, broadcast inputs, result dtypes, integer wrap-around, NaN/Inf and
// extreme inputs, in-place forms with guard regions, and error messages.
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
using testing::seed_trace;
using testing::test_seeds;

constexpr UnaryOp kAllUnaryOps[] = {
    UnaryOp::kNeg,   UnaryOp::kAbs,   UnaryOp::kExp,  UnaryOp::kLog,     UnaryOp::kSqrt,
    UnaryOp::kRsqrt, UnaryOp::kSin,   UnaryOp::kCos,  UnaryOp::kTanh,    UnaryOp::kSigmoid,
    UnaryOp::kRelu,  UnaryOp::kRelu2, UnaryOp::kSilu, UnaryOp::kGeluErf, UnaryOp::kGeluTanh};

bool keeps_dtype(UnaryOp op) {
  return op == UnaryOp::kNeg || op == UnaryOp::kAbs || op == UnaryOp::kRelu ||
         op == UnaryOp::kRelu2;
}

bool refuses_bool(UnaryOp op) {
  return op == UnaryOp::kNeg || op == UnaryOp::kAbs;
}

DType expected_result_dtype(UnaryOp op, DType dtype) {
  if (keeps_dtype(op) || is_floating(dtype)) return dtype;
  return DType::kF32;
}

// The ops that are a single correctly rounded operation (or exact) in the storage type's compute
// type, so the result equals the reference rounded once. For f64 the long-double reference of
// sqrt and relu2 is itself rounded twice (64 then 53 bits), which may be one unit off.
bool is_exact(UnaryOp op, DType result) {
  if (result == DType::kF64 && (op == UnaryOp::kSqrt || op == UnaryOp::kRelu2)) return false;
  return keeps_dtype(op) || op == UnaryOp::kSqrt;
}

// The definitions as ops.h states them, in long double.
long double reference_real(UnaryOp op, long double x) {
  const long double pi = 3.14159265358979323846264338327950288L;
  switch (op) {
    case UnaryOp::kNeg:
      return -x;
    case UnaryOp::kAbs:
      return std::fabs(x);
    case UnaryOp::kExp:
      return std::exp(x);
    case UnaryOp::kLog:
      return std::log(x);
    case UnaryOp::kSqrt:
      return std::sqrt(x);
    case UnaryOp::kRsqrt:
      return 1.0L / std::sqrt(x);
    case UnaryOp::kSin:
      return std::sin(x);
    case UnaryOp::kCos:
      return std::cos(x);
    case UnaryOp::kTanh:
      return std::tanh(x);
    case UnaryOp::kSigmoid:
      return 1.0L / (1.0L + std::exp(-x));
    case UnaryOp::kRelu:
      return std::isnan(x) ? x : std::max(x, 0.0L);
    case UnaryOp::kRelu2:
      return std::isnan(x) ? x : std::max(x, 0.0L) * std::max(x, 0.0L);
    case UnaryOp::kSilu:
      return x / (1.0L + std::exp(-x));
    case UnaryOp::kGeluErf:
      return 0.5L * x * (1.0L + std::erf(x / std::sqrt(2.0L)));
    case UnaryOp::kGeluTanh: {
      const long double u = std::sqrt(2.0L / pi) * (x + 0.044715L * x * x * x);
      return 0.5L * x * (1.0L + std::tanh(u));
    }
  }
  return NAN;
}

// Integer neg, abs, relu and relu2 wrap modulo 2^bits; bool relu and relu2 are the identity.
double reference_integer(UnaryOp op, double x, DType dtype) {
  if (dtype == DType::kBool) return x;
  const auto bits = static_cast<uint64_t>(static_cast<int64_t>(x));
  switch (op) {
    case UnaryOp::kNeg:
      return testing::wrap_integer(0 - bits, dtype);
    case UnaryOp::kAbs:
      return x < 0 ? testing::wrap_integer(0 - bits, dtype) : x;
    case UnaryOp::kRelu:
      return x < 0 ? 0 : x;
    case UnaryOp::kRelu2:
      return x < 0 ? 0 : testing::wrap_integer(bits * bits, dtype);
    default:
      return NAN;
  }
}

double reference_unary(UnaryOp op, double x, DType input, DType result) {
  if (!is_floating(result)) return reference_integer(op, x, input);
  // Integer and bool inputs are converted to the result type first.
  const double converted = testing::expected_cast(x, input, result);
  return testing::round_to_floating(static_cast<double>(reference_real(op, converted)), result);
}

void expect_unary_matches(UnaryOp op, const Tensor& x, const Tensor& actual,
                          const std::string& context) {
  const DType result = expected_result_dtype(op, x.dtype());
  ASSERT_EQ(actual.dtype(), result) << context;
  ASSERT_EQ(actual.shape(), x.shape()) << context;
  std::vector<double> expected(static_cast<size_t>(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i) {
    expected[static_cast<size_t>(i)] = reference_unary(op, element_at(x, i), x.dtype(), result);
  }
  const testing::Tolerance tolerance =
      is_exact(op, result) ? testing::Tolerance{} : testing::rounding_tolerance(result);
  testing::expect_close(testing::elements(actual), expected, tolerance.relative, tolerance.absolute,
                        context);
}

std::string case_name(UnaryOp op, const Tensor& x, const std::string& detail) {
  return std::string(unary_op_name(op)) + "(" + std::string(dtype_name(x.dtype())) +
         to_string(x.shape()) + ") " + detail;
}

// ---- reference comparisons on random inputs ---------------------------------------------------

TEST(UnaryOps, EveryOpAndDTypeMatchesReference) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (UnaryOp op : kAllUnaryOps) {
      for (DType dtype : kAllDTypes) {
        if (dtype == DType::kBool && refuses_bool(op)) continue;
        const Tensor a = testing::random_tensor({3, 5}, dtype, seed, "strided");
        expect_unary_matches(op, a, unary(op, a), case_name(op, a, "strided"));
        const Tensor b = testing::random_tensor({33}, dtype, seed + 1, "offset");
        expect_unary_matches(op, b, unary(op, b), case_name(op, b, "offset"));
        // Positive inputs, where log, sqrt and rsqrt are finite.
        const Tensor c = testing::random_tensor({2, 9}, dtype, seed + 2, "transposed", 0.0, 20.0);
        expect_unary_matches(op, c, unary(op, c), case_name(op, c, "transposed, positive"));
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(UnaryOps, LayoutsAndSizesMatchReference) {
  const std::vector<Shape> shapes = {{0},  {1, 0, 3}, {},     {1},       {7},
                                     {33}, {1023},    {4, 6}, {2, 3, 5}, {3, 1, 9}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (UnaryOp op : kAllUnaryOps) {
      for (DType dtype :
           {DType::kF32, DType::kF16, DType::kBF16, DType::kF64, DType::kI32, DType::kI8}) {
        for (const Shape& shape : shapes) {
          for (const std::string& layout : testing::layouts()) {
            const Tensor x = testing::random_tensor(shape, dtype, seed, layout);
            expect_unary_matches(op, x, unary(op, x), case_name(op, x, layout));
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

TEST(UnaryOps, BroadcastInputs) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const Tensor column = testing::random_tensor({3, 1}, DType::kF32, seed).expand({3, 4});
    const Tensor scalar = testing::random_tensor({}, DType::kBF16, seed + 1).expand({2, 5});
    const Tensor row = testing::random_tensor({6}, DType::kI8, seed + 2).expand({4, 6});
    for (UnaryOp op : kAllUnaryOps) {
      for (const Tensor& x : {column, scalar, row}) {
        const Tensor out = unary(op, x);
        EXPECT_TRUE(out.is_contiguous());
        expect_unary_matches(op, x, out, case_name(op, x, "expanded"));
      }
    }
  }
}

// Above 2 * kParallelGrain (65536) elements the loop is split across threads.
TEST(UnaryOps, LargeTensorsAcrossThreads) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    const Tensor contiguous = testing::random_tensor({301, 257}, DType::kF32, seed);
    const Tensor transposed =
        testing::random_tensor({301, 257}, DType::kBF16, seed + 1, "transposed");
    for (UnaryOp op : {UnaryOp::kRelu2, UnaryOp::kSilu, UnaryOp::kExp, UnaryOp::kAbs}) {
      expect_unary_matches(op, contiguous, unary(op, contiguous), case_name(op, contiguous, ""));
      expect_unary_matches(op, transposed, unary(op, transposed), case_name(op, transposed, ""));
      if (HasFatalFailure()) return;
    }
  }
}

// ---- result dtypes and integer semantics ------------------------------------------------------

TEST(UnaryOps, ResultDTypes) {
  for (UnaryOp op : kAllUnaryOps) {
    for (DType dtype : kAllDTypes) {
      if (dtype == DType::kBool && refuses_bool(op)) continue;
      EXPECT_EQ(unary(op, Tensor::ones({2}, dtype)).dtype(), expected_result_dtype(op, dtype))
          << unary_op_name(op) << " " << dtype_name(dtype);
    }
  }
  EXPECT_EQ(neg(Tensor::ones({1}, DType::kI32)).dtype(), DType::kI32);
  EXPECT_EQ(exp(Tensor::ones({1}, DType::kI32)).dtype(), DType::kF32);
  EXPECT_EQ(exp(Tensor::ones({1}, DType::kBool)).dtype(), DType::kF32);
  EXPECT_EQ(relu(Tensor::ones({1}, DType::kBool)).dtype(), DType::kBool);
  EXPECT_EQ(relu2(Tensor::ones({1}, DType::kU8)).dtype(), DType::kU8);
  EXPECT_EQ(gelu(Tensor::ones({1}, DType::kF16)).dtype(), DType::kF16);
  EXPECT_EQ(sqrt(Tensor::ones({1}, DType::kF64)).dtype(), DType::kF64);
}

TEST(UnaryOps, IntegerNegAndAbsWrap) {
  constexpr int32_t int32_min = std::numeric_limits<int32_t>::min();
  constexpr int64_t int64_min = std::numeric_limits<int64_t>::min();
  constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();
  const Tensor i32 = Tensor::from_vector<int32_t>({int32_min, -5, 0, 7, int32_min + 1}, {5});
  EXPECT_EQ(abs(i32).to_vector<int64_t>(),
            (std::vector<int64_t>{int32_min, 5, 0, 7, -int64_t{int32_min + 1}}));
  EXPECT_EQ(neg(i32).to_vector<int64_t>(),
            (std::vector<int64_t>{int32_min, 5, 0, -7, -int64_t{int32_min + 1}}));
  const Tensor i64 = Tensor::from_vector<int64_t>({int64_min, int64_max, -1}, {3});
  EXPECT_EQ(abs(i64).to_vector<int64_t>(), (std::vector<int64_t>{int64_min, int64_max, 1}));
  EXPECT_EQ(neg(i64).to_vector<int64_t>(), (std::vector<int64_t>{int64_min, -int64_max, 1}));
  const Tensor i8 = Tensor::from_vector<int8_t>({-128, -127, 12, -12}, {4});
  EXPECT_EQ(abs(i8).to_vector<int64_t>(), (std::vector<int64_t>{-128, 127, 12, 12}));
  EXPECT_EQ(neg(i8).to_vector<int64_t>(), (std::vector<int64_t>{-128, 127, -12, 12}));
  EXPECT_EQ(relu(i8).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 12, 0}));
  EXPECT_EQ(relu2(i8).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, -112, 0}));  // 144 wraps
  const Tensor u8 = Tensor::from_vector<uint8_t>({0, 1, 255, 16}, {4});
  EXPECT_EQ(neg(u8).to_vector<int64_t>(), (std::vector<int64_t>{0, 255, 1, 240}));
  EXPECT_EQ(abs(u8).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 255, 16}));
  EXPECT_EQ(relu2(u8).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 0}));
  const Tensor flags = Tensor::from_vector<bool>({true, false}, {2});
  EXPECT_EQ(relu(flags).to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(relu2(flags).to_vector<bool>(), (std::vector<bool>{true, false}));
  testing::expect_same_values(testing::elements(sigmoid(flags)),
                              {testing::round_to_f32(1 / (1 + std::exp(-1.0))), 0.5},
                              "sigmoid(bool)");
}

// ---- special and extreme values ---------------------------------------------------------------

struct Special {
  UnaryOp op;
  double input;
  double expected;
};

TEST(UnaryOps, SpecialValues) {
  const double inf = INFINITY;
  const std::vector<Special> cases = {
      {UnaryOp::kRelu, NAN, NAN},         {UnaryOp::kRelu, -inf, 0},
      {UnaryOp::kRelu, inf, inf},         {UnaryOp::kRelu, -0.0, 0},
      {UnaryOp::kRelu2, NAN, NAN},        {UnaryOp::kRelu2, -inf, 0},
      {UnaryOp::kRelu2, inf, inf},        {UnaryOp::kSigmoid, -inf, 0},
      {UnaryOp::kSigmoid, inf, 1},        {UnaryOp::kSigmoid, -1000, 0},
      {UnaryOp::kSigmoid, 1000, 1},       {UnaryOp::kSigmoid, 0, 0.5},
      {UnaryOp::kSigmoid, NAN, NAN},      {UnaryOp::kSilu, -inf, 0},
      {UnaryOp::kSilu, inf, inf},         {UnaryOp::kSilu, -1000, 0},
      {UnaryOp::kSilu, NAN, NAN},         {UnaryOp::kGeluErf, -inf, 0},
      {UnaryOp::kGeluErf, inf, inf},      {UnaryOp::kGeluErf, -1000, 0},
      {UnaryOp::kGeluErf, NAN, NAN},      {UnaryOp::kGeluTanh, -inf, 0},
      {UnaryOp::kGeluTanh, inf, inf},     {UnaryOp::kGeluTanh, -1000, 0},
      {UnaryOp::kGeluTanh, 1e200, 1e200}, {UnaryOp::kGeluTanh, NAN, NAN},
      {UnaryOp::kTanh, -inf, -1},         {UnaryOp::kTanh, inf, 1},
      {UnaryOp::kExp, -inf, 0},           {UnaryOp::kExp, inf, inf},
      {UnaryOp::kExp, 1000, inf},         {UnaryOp::kLog, 0, -inf},
      {UnaryOp::kLog, -1, NAN},           {UnaryOp::kLog, inf, inf},
      {UnaryOp::kSqrt, -1, NAN},          {UnaryOp::kSqrt, inf, inf},
      {UnaryOp::kSqrt, -0.0, -0.0},       {UnaryOp::kRsqrt, 0, inf},
      {UnaryOp::kRsqrt, inf, 0},          {UnaryOp::kRsqrt, -1, NAN},
      {UnaryOp::kSin, inf, NAN},          {UnaryOp::kCos, -inf, NAN},
      {UnaryOp::kAbs, -inf, inf},         {UnaryOp::kAbs, NAN, NAN},
      {UnaryOp::kNeg, inf, -inf},         {UnaryOp::kNeg, NAN, NAN},
  };
  for (DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    for (const Special& test_case : cases) {
      const Tensor x = Tensor::full({}, test_case.input, dtype);
      const double actual = unary(test_case.op, x).item();
      const double expected = testing::round_to_floating(test_case.expected, dtype);
      const std::string context = std::string(unary_op_name(test_case.op)) + "(" +
                                  std::to_string(test_case.input) + ") in " +
                                  std::string(dtype_name(dtype));
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(actual)) << context << " gave " << actual;
      } else {
        EXPECT_EQ(actual, expected) << context;
      }
    }
  }
}

// The stable forms of the definitions (same functions, written without cancellation) in long
// double, for inputs far from zero where the textbook forms lose every digit.
long double reference_stable(UnaryOp op, long double x) {
  const long double pi = 3.14159265358979323846264338327950288L;
  auto sigmoid = [](long double z) {
    return z >= 0 ? 1.0L / (1.0L + std::exp(-z)) : std::exp(z) / (1.0L + std::exp(z));
  };
  switch (op) {
    case UnaryOp::kSigmoid:
      return sigmoid(x);
    case UnaryOp::kSilu:
      return x * sigmoid(x);
    // 1 + erf(z) = erfc(-z)
    case UnaryOp::kGeluErf:
      return 0.5L * x * std::erfc(-x / std::sqrt(2.0L));
    // 0.5 (1 + tanh(u)) = sigmoid(2u)
    case UnaryOp::kGeluTanh:
      return x * sigmoid(2.0L * std::sqrt(2.0L / pi) * (x + 0.044715L * x * x * x));
    default:
      return reference_real(op, x);
  }
}

// Expects unary(op, x) to match reference_stable rounded to x's dtype, within the tolerances
// below. At -Inf, x * factor(x) with factor -> 0 (SiLU, both GELUs) expects the limit, not
// -Inf * 0.
void expect_matches_stable(UnaryOp op, const Tensor& x, const std::string& detail) {
  const DType dtype = x.dtype();
  std::vector<double> expected;
  for (double value : testing::elements(x)) {
    const bool limit_at_minus_infinity =
        value == -INFINITY &&
        (op == UnaryOp::kSilu || op == UnaryOp::kGeluErf || op == UnaryOp::kGeluTanh);
    const long double real = limit_at_minus_infinity ? 0.0L : reference_stable(op, value);
    expected.push_back(testing::round_to_floating(static_cast<double>(real), dtype));
  }
  // In f64 the rounding of the argument (x / sqrt 2, the polynomial u) is amplified by erfc's and
  // exp's steepness far from zero: about 2 z^2 and |2u| ulps.
  // f32 kernels compute the argument in f32 too (SIMD, docs/SIMD.md), so the two GELU forms carry
  // the same amplification in their far negative tail, where |gelu| < 1e-15.
  const bool gelu = op == UnaryOp::kGeluErf || op == UnaryOp::kGeluTanh;
  const testing::Tolerance tolerance =
      dtype == DType::kF64 ? testing::Tolerance{1e-11, 1e-300}
                           : (gelu && dtype == DType::kF32 ? testing::Tolerance{2e-4, 1e-44}
                                                           : testing::rounding_tolerance(dtype));
  testing::expect_close(testing::elements(unary(op, x)), expected, tolerance.relative,
                        tolerance.absolute, case_name(op, x, detail));
}

TEST(UnaryOps, WideRangeStaysAccurate) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (DType dtype : {DType::kF32, DType::kF64}) {
      const Tensor x = testing::random_tensor({2000}, dtype, seed, "contiguous", -60.0, 60.0);
      for (UnaryOp op : {UnaryOp::kSigmoid, UnaryOp::kSilu, UnaryOp::kGeluErf, UnaryOp::kGeluTanh,
                         UnaryOp::kTanh, UnaryOp::kExp}) {
        expect_matches_stable(op, x, "wide range");
        if (HasFatalFailure()) return;
      }
    }
  }
}

// Every op on extremes (Inf, NaN, signed zeros, denormals, the largest finite values, the
// overflow and underflow thresholds of exp) against the stable long-double reference.
TEST(UnaryOps, ExtremeValuesMatchReference) {
  const std::vector<double> values = {
      NAN,    INFINITY, -INFINITY, 0.0,      -0.0,   FLT_MAX, -FLT_MAX, FLT_MIN, 1e-40,
      -1e-40, 88.7,     -88.7,     89.0,     -104.0, 710.0,   -745.0,   DBL_MAX, -DBL_MAX,
      5e-324, 1e-300,   65504.0,   -65520.0, 3.0e38, 12.0,    -12.0};
  const Tensor source = Tensor::from_vector(values, {static_cast<int64_t>(values.size())});
  for (DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    const Tensor x = source.to(dtype);
    for (UnaryOp op : kAllUnaryOps) expect_matches_stable(op, x, "extremes");
  }
}

// Every length up to 1023 (all remainders modulo 8 ... 256, the tails of vectorised loops),
// aligned and starting at an odd offset.
TEST(UnaryOps, EveryLengthUpTo1023) {
  const uint64_t seed = test_seeds().back();
  SCOPED_TRACE(seed_trace(seed));
  for (int64_t length = 0; length <= 1023; ++length) {
    const std::string layout = length % 2 == 0 ? "contiguous" : "offset";
    const Tensor x = testing::random_tensor({length}, DType::kF32, seed + length, layout);
    for (UnaryOp op : {UnaryOp::kRelu, UnaryOp::kRelu2, UnaryOp::kNeg, UnaryOp::kSilu,
                       UnaryOp::kExp, UnaryOp::kGeluTanh}) {
      expect_unary_matches(op, x, unary(op, x), case_name(op, x, layout));
    }
    const Tensor half = testing::random_tensor({length}, DType::kBF16, seed + length, layout);
    expect_unary_matches(UnaryOp::kRelu2, half, unary(UnaryOp::kRelu2, half),
                         case_name(UnaryOp::kRelu2, half, layout));
    if (HasFatalFailure()) return;
  }
}

TEST(UnaryOps, GeluConvenienceForms) {
  const Tensor x = testing::random_tensor({9}, DType::kF32, 3);
  testing::expect_same_values(testing::elements(gelu(x)),
                              testing::elements(unary(UnaryOp::kGeluErf, x)), "gelu");
  testing::expect_same_values(testing::elements(gelu(x, true)),
                              testing::elements(unary(UnaryOp::kGeluTanh, x)), "gelu tanh");
  testing::expect_same_values(testing::elements(-x), testing::elements(neg(x)), "operator-");
  // The two forms agree to about 1e-3 (the tanh form's approximation error).
  testing::expect_close(testing::elements(gelu(x, true)), testing::elements(gelu(x)), 0, 2e-3,
                        "gelu forms");
}

// ---- in place ---------------------------------------------------------------------------------

TEST(UnaryOps, InPlaceMatchesOutOfPlace) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (UnaryOp op : kAllUnaryOps) {
      for (DType dtype : {DType::kF32, DType::kBF16, DType::kF64, DType::kI32}) {
        if (!keeps_dtype(op) && !is_floating(dtype)) continue;
        for (const std::string& layout : testing::layouts()) {
          const Tensor x = testing::random_tensor({6, 7}, dtype, seed, layout);
          const Tensor expected = unary(op, x);
          const Tensor& returned = unary_(op, x);
          EXPECT_EQ(returned.data(), x.data());
          testing::expect_same_values(testing::elements(x), testing::elements(expected),
                                      case_name(op, x, layout + " in place"));
        }
      }
    }
  }
}

TEST(UnaryOps, InPlaceWithGuardRegion) {
  const std::vector<Shape> shapes = {{0}, {}, {1}, {7}, {33}, {1023}, {3, 5}, {1, 0, 3}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (UnaryOp op : kAllUnaryOps) {
      for (const Shape& shape : shapes) {
        for (int64_t gap : {1, 3}) {
          const testing::GuardedOutput target = testing::guarded_output(shape, DType::kF32, gap);
          const Tensor input = testing::random_tensor(shape, DType::kF32, seed);
          target.view.copy_from(input);
          unary_(op, target.view);
          const std::string context = case_name(op, input, "gap " + std::to_string(gap));
          testing::expect_guard_intact(target, context);
          expect_unary_matches(op, input, target.view, context);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(UnaryOps, InPlaceRefusals) {
  const Tensor integers = Tensor::from_vector<int32_t>({1, 2}, {2});
  EXPECT_BITNET_ERROR(exp_(integers), "exp_: the result is f32");
  EXPECT_BITNET_ERROR(exp_(integers), "i32");
  EXPECT_BITNET_ERROR(unary_(UnaryOp::kGeluErf, Tensor::ones({2}, DType::kU8)), "gelu_");
  EXPECT_BITNET_ERROR(sigmoid_(Tensor::ones({2}, DType::kBool)), "sigmoid_: the result is f32");
  testing::expect_same_values(testing::elements(integers), {1, 2}, "unchanged after refusal");
  EXPECT_BITNET_ERROR(neg_(Tensor::ones({2}, DType::kBool)), "neg_: not defined for bool");
  // Integer-preserving ops work in place.
  relu_(integers);
  neg_(integers);
  testing::expect_same_values(testing::elements(integers), {-1, -2}, "neg_(relu_(i32))");
  // A broadcast view would transform each memory location once per repeat.
  const Tensor row = Tensor::from_vector<float>({1, 2, 3}, {1, 3});
  EXPECT_BITNET_ERROR(exp_(row.expand({4, 3})), "exp_: the tensor (shape [4,3], strides [0,1])");
  testing::expect_same_values(testing::elements(row), {1, 2, 3}, "unchanged after refusal");
}

// ---- errors -----------------------------------------------------------------------------------

TEST(UnaryOps, ErrorMessages) {
  EXPECT_BITNET_ERROR(exp(Tensor{}), "exp: the tensor is undefined");
  EXPECT_BITNET_ERROR(relu_(Tensor{}), "relu_: the tensor is undefined");
  const Tensor flags = Tensor::ones({2}, DType::kBool);
  EXPECT_BITNET_ERROR(neg(flags), "neg: not defined for bool tensors");
  EXPECT_BITNET_ERROR(abs(flags), "abs: not defined for bool tensors");
  EXPECT_BITNET_ERROR(-flags, "neg: not defined for bool tensors");
  try {
    (void)neg(flags);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kDTypeMismatch);
  }
}

TEST(UnaryOps, OpNames) {
  const std::vector<std::string> names = {"neg",   "abs",   "exp",  "log",  "sqrt",
                                          "rsqrt", "sin",   "cos",  "tanh", "sigmoid",
                                          "relu",  "relu2", "silu", "gelu", "gelu_tanh"};
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(unary_op_name(kAllUnaryOps[i]), names[i]);
}

}  // namespace
}  // namespace bitnet

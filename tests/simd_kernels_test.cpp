// Every SIMD level's kernels against the scalar reference: lengths 0..130 and a few large ones,
// unaligned pointers, poisoned outputs with guard regions, ULP bounds per function (see
// docs/SIMD.md), bit-identical results where the arithmetic is exact.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cpu/kernels.h"
#include "support/test_support.h"

namespace bitnet::cpu {
namespace {

constexpr float kPoison = 1234.5f;
constexpr int64_t kGuard = 1024;

std::vector<int64_t> lengths() {
  std::vector<int64_t> values;
  for (int64_t n = 0; n <= 130; ++n) values.push_back(n);
  for (int64_t n : {255, 256, 257, 1000, 1023, 4099}) values.push_back(n);
  return values;
}

std::vector<Isa> simd_levels() {
  std::vector<Isa> levels;
  for (Isa isa : available_isas()) {
    if (isa != Isa::kScalar) levels.push_back(isa);
  }
  return levels;
}

// Distance in units in the last place; NaN matches NaN only.
int64_t ulp_distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  if (a == b) return 0;
  auto ordered = [](float x) {
    const int32_t bits = std::bit_cast<int32_t>(x);
    return bits < 0 ? int64_t{INT32_MIN} - bits : int64_t{bits};
  };
  const int64_t distance = ordered(a) - ordered(b);
  return distance < 0 ? -distance : distance;
}

// An output buffer poisoned with kPoison, starting one float past a 64-byte boundary (unaligned),
// followed by a guard region that must stay untouched.
struct GuardedOutput {
  explicit GuardedOutput(int64_t n)
      : storage(static_cast<size_t>(n + kGuard + 17), kPoison), size(n) {}
  float* data() { return storage.data() + 1; }
  void expect_guard_intact(const std::string& context) const {
    for (int64_t i = size + 1; i < static_cast<int64_t>(storage.size()); ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(storage[static_cast<size_t>(i)]),
                std::bit_cast<uint32_t>(kPoison))
          << context << ": wrote past the end at offset " << i - 1 - size;
    }
    ASSERT_EQ(storage[0], kPoison) << context << ": wrote before the start";
  }
  std::vector<float> storage;
  int64_t size;
};

// Random floats in [low, high] with specials (NaN, +-Inf, +-0, subnormals, +-FLT_MAX) sprinkled in.
std::vector<float> random_input(int64_t n, uint64_t seed, float low, float high, bool specials) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<float> uniform(low, high);
  std::vector<float> values(static_cast<size_t>(n + 1));  // +1: start unaligned at index 1
  for (float& value : values) value = uniform(engine);
  if (specials && n > 0) {
    const float special[] = {std::numeric_limits<float>::quiet_NaN(),
                             INFINITY,
                             -INFINITY,
                             0.0f,
                             -0.0f,
                             1e-40f,
                             -1e-40f,
                             std::numeric_limits<float>::max(),
                             -std::numeric_limits<float>::max()};
    std::uniform_int_distribution<int64_t> position(1, n);
    for (int k = 0; k < 3; ++k)
      values[static_cast<size_t>(position(engine))] = special[engine() % 9];
  }
  return values;
}

class SimdKernelTest : public ::testing::TestWithParam<Isa> {
 protected:
  const CpuKernels& simd() const { return kernels_for(GetParam()); }
  const CpuKernels& scalar() const { return kernels_for(Isa::kScalar); }
};

std::string level_name(const ::testing::TestParamInfo<Isa>& info) {
  std::string name(isa_name(info.param));
  for (char& c : name) {
    if (c == '.') c = '_';
  }
  return name;
}

// Compares a unary float kernel at every length against the reference, within max_ulp.
template <typename Kernel>
void check_unary(Kernel simd_kernel, Kernel reference_kernel, float low, float high,
                 int64_t max_ulp, const std::string& name, bool specials = true) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      const std::string context =
          name + " n=" + std::to_string(n) + " " + testing::seed_trace(seed);
      const std::vector<float> input =
          random_input(n, seed + static_cast<uint64_t>(n), low, high, specials);
      GuardedOutput actual(n), expected(n);
      simd_kernel(input.data() + 1, actual.data(), n);
      reference_kernel(input.data() + 1, expected.data(), n);
      actual.expect_guard_intact(context);
      for (int64_t i = 0; i < n; ++i) {
        const float a = actual.data()[i], e = expected.data()[i];
        ASSERT_LE(ulp_distance(a, e), max_ulp)
            << context << " at " << i << ": input " << input[static_cast<size_t>(i + 1)]
            << " gives " << a << ", reference " << e;
      }
    }
  }
}

TEST_P(SimdKernelTest, ArithmeticIsBitIdentical) {
  const char* names[] = {"add", "sub", "mul", "div", "max", "min"};
  for (int op = 0; op < kArithmeticCount; ++op) {
    for (const uint64_t seed : testing::test_seeds()) {
      for (const int64_t n : lengths()) {
        const std::string context =
            std::string(names[op]) + " n=" + std::to_string(n) + " " + testing::seed_trace(seed);
        const std::vector<float> a = random_input(n, seed, -100, 100, true);
        const std::vector<float> b = random_input(n, seed ^ 0x5555, -100, 100, true);
        const float scalar_value = b[0];
        GuardedOutput actual(n), expected(n);
        simd().binary[op](a.data() + 1, b.data() + 1, actual.data(), n);
        scalar().binary[op](a.data() + 1, b.data() + 1, expected.data(), n);
        actual.expect_guard_intact(context);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(ulp_distance(actual.data()[i], expected.data()[i]), 0)
              << context << " at " << i;
        // Bit-identical, including the sign of zero.
        ASSERT_EQ(std::memcmp(actual.data(), expected.data(), static_cast<size_t>(n) * 4), 0)
            << context;
        for (const bool scalar_first : {false, true}) {
          GuardedOutput with_scalar(n), with_scalar_reference(n);
          const BinaryScalarKernel simd_kernel =
              scalar_first ? simd().binary_scalar_tensor[op] : simd().binary_tensor_scalar[op];
          const BinaryScalarKernel reference_kernel =
              scalar_first ? scalar().binary_scalar_tensor[op] : scalar().binary_tensor_scalar[op];
          simd_kernel(a.data() + 1, scalar_value, with_scalar.data(), n);
          reference_kernel(a.data() + 1, scalar_value, with_scalar_reference.data(), n);
          with_scalar.expect_guard_intact(context);
          ASSERT_EQ(std::memcmp(with_scalar.data(), with_scalar_reference.data(),
                                static_cast<size_t>(n) * 4),
                    0)
              << context << (scalar_first ? " scalar op tensor" : " tensor op scalar");
        }
      }
    }
  }
}

TEST_P(SimdKernelTest, InPlaceArithmetic) {
  std::vector<float> a = random_input(100, 3, -5, 5, false);
  std::vector<float> b = random_input(100, 4, -5, 5, false);
  std::vector<float> expected(101);
  scalar().binary[0](a.data(), b.data(), expected.data(), 101);
  simd().binary[0](a.data(), b.data(), a.data(), 101);
  EXPECT_EQ(a, expected);
}

// ULP bounds: measured maxima are in docs/SIMD.md; these leave a little room.
TEST_P(SimdKernelTest, ExpWithinTwoUlp) {
  check_unary(simd().activation[0], scalar().activation[0], -110, 95, 2, "exp");
}
TEST_P(SimdKernelTest, TanhWithinFourUlp) {
  check_unary(simd().activation[1], scalar().activation[1], -12, 12, 4, "tanh");
  check_unary(simd().activation[1], scalar().activation[1], -0.7f, 0.7f, 4, "tanh small");
}
TEST_P(SimdKernelTest, SigmoidWithinFourUlp) {
  check_unary(simd().activation[2], scalar().activation[2], -100, 100, 4, "sigmoid");
}
TEST_P(SimdKernelTest, SiluWithinFourUlp) {
  check_unary(simd().activation[3], scalar().activation[3], -100, 100, 4, "silu");
}
TEST_P(SimdKernelTest, GeluErfWithinFourUlp) {
  check_unary(simd().activation[4], scalar().activation[4], -12, 12, 4, "gelu_erf");
}
TEST_P(SimdKernelTest, GeluTanhWithinFourUlp) {
  check_unary(simd().activation[5], scalar().activation[5], -12, 12, 4, "gelu_tanh");
}
TEST_P(SimdKernelTest, ReluAndRelu2AreExact) {
  check_unary(simd().activation[6], scalar().activation[6], -5, 5, 0, "relu");
  check_unary(simd().activation[7], scalar().activation[7], -5, 5, 0, "relu2");
}

TEST_P(SimdKernelTest, SumAndMaxMatchTheReference) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      const std::string context = "n=" + std::to_string(n) + " " + testing::seed_trace(seed);
      const std::vector<float> input = random_input(n, seed, -1000, 1000, false);
      double magnitude = 0;
      for (int64_t i = 0; i < n; ++i) magnitude += std::fabs(input[static_cast<size_t>(i + 1)]);
      // Both accumulate in double; only the order differs.
      ASSERT_NEAR(simd().sum(input.data() + 1, n), scalar().sum(input.data() + 1, n),
                  1e-13 * magnitude)
          << context;
      ASSERT_EQ(simd().max(input.data() + 1, n), scalar().max(input.data() + 1, n)) << context;
      std::vector<float> with_nan = input;
      if (n > 0) {
        with_nan[static_cast<size_t>(n)] = NAN;
        ASSERT_TRUE(std::isnan(simd().max(with_nan.data() + 1, n))) << context;
        ASSERT_TRUE(std::isnan(simd().sum(with_nan.data() + 1, n))) << context;
      }
    }
  }
  EXPECT_EQ(simd().max(nullptr, 0), -INFINITY);
}

TEST_P(SimdKernelTest, SumOfHugePlusManySmallIsExact) {
  std::vector<float> values(10'000'001, 1.0f);
  values[0] = 1e8f;
  EXPECT_EQ(simd().sum(values.data(), static_cast<int64_t>(values.size())), 1.1e8);
}

TEST_P(SimdKernelTest, DotMatchesTheReference) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      const std::vector<float> a = random_input(n, seed, -2, 2, false);
      const std::vector<float> b = random_input(n, seed + 1, -2, 2, false);
      double magnitude = 0;
      for (int64_t i = 1; i <= n; ++i)
        magnitude += std::fabs(a[static_cast<size_t>(i)] * b[static_cast<size_t>(i)]);
      ASSERT_NEAR(simd().dot(a.data() + 1, b.data() + 1, n),
                  scalar().dot(a.data() + 1, b.data() + 1, n), 4e-7 * magnitude + 1e-30)
          << "n=" << n << " " << testing::seed_trace(seed);
    }
  }
}

TEST_P(SimdKernelTest, HalfPrecisionDotMatchesTheReference) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      const std::vector<float> a = random_input(n, seed, -2, 2, false);
      const std::vector<float> b = random_input(n, seed + 1, -2, 2, false);
      std::vector<uint16_t> f16(a.size());
      std::vector<uint16_t> bf16(a.size());
      scalar().f32_to_f16(a.data(), f16.data(), static_cast<int64_t>(a.size()));
      scalar().f32_to_bf16(a.data(), bf16.data(), static_cast<int64_t>(a.size()));
      double magnitude = 0;
      for (int64_t i = 1; i <= n; ++i)
        magnitude += std::fabs(a[static_cast<size_t>(i)] * b[static_cast<size_t>(i)]);
      // Offset by one element: unaligned rows, as a weight row of odd width is.
      ASSERT_NEAR(simd().dot_f16(f16.data() + 1, b.data() + 1, n),
                  scalar().dot_f16(f16.data() + 1, b.data() + 1, n), 4e-7 * magnitude + 1e-30)
          << "f16 n=" << n << " " << testing::seed_trace(seed);
      ASSERT_NEAR(simd().dot_bf16(bf16.data() + 1, b.data() + 1, n),
                  scalar().dot_bf16(bf16.data() + 1, b.data() + 1, n), 4e-7 * magnitude + 1e-30)
          << "bf16 n=" << n << " " << testing::seed_trace(seed);
    }
  }
}

TEST_P(SimdKernelTest, SoftmaxAndLogSoftmaxMatchTheReference) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      const std::string context = "n=" + std::to_string(n) + " " + testing::seed_trace(seed);
      for (const float range : {1.0f, 30.0f, 1e4f}) {
        const std::vector<float> input = random_input(n, seed, -range, range, false);
        GuardedOutput actual(n), expected(n), log_actual(n), log_expected(n);
        simd().softmax(input.data() + 1, actual.data(), n);
        scalar().softmax(input.data() + 1, expected.data(), n);
        simd().log_softmax(input.data() + 1, log_actual.data(), n);
        scalar().log_softmax(input.data() + 1, log_expected.data(), n);
        actual.expect_guard_intact(context);
        log_actual.expect_guard_intact(context);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_LE(ulp_distance(actual.data()[i], expected.data()[i]), 4)
              << context << " at " << i << ": " << actual.data()[i] << " vs " << expected.data()[i];
          ASSERT_NEAR(log_actual.data()[i], log_expected.data()[i],
                      2e-6 * std::fabs(log_expected.data()[i]) + 1e-6f)
              << context << " log at " << i;
        }
      }
    }
  }
}

TEST_P(SimdKernelTest, RowKernelsWorkInPlace) {
  for (const int64_t n : {1, 5, 16, 37, 300}) {
    const std::vector<float> input = random_input(n, 17 + static_cast<uint64_t>(n), -20, 20, false);
    for (auto [kernel, reference] : {std::pair{simd().softmax, scalar().softmax},
                                     std::pair{simd().log_softmax, scalar().log_softmax}}) {
      std::vector<float> in_place(input.begin() + 1, input.end());
      std::vector<float> expected(static_cast<size_t>(n));
      kernel(in_place.data(), in_place.data(), n);
      reference(input.data() + 1, expected.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_NEAR(in_place[static_cast<size_t>(i)], expected[static_cast<size_t>(i)],
                    4e-6 * std::fabs(expected[static_cast<size_t>(i)]) + 1e-6)
            << "n=" << n << " at " << i;
      }
    }
    std::vector<float> rows(input.begin() + 1, input.end());
    std::vector<float> expected(static_cast<size_t>(n));
    scalar().rms_norm(rows.data(), nullptr, expected.data(), n, 1e-6f);
    simd().rms_norm(rows.data(), nullptr, rows.data(), n, 1e-6f);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_LE(ulp_distance(rows[static_cast<size_t>(i)], expected[static_cast<size_t>(i)]), 4);
    }
  }
  // Squares of 1e30 overflow f32; the f64 accumulation keeps the result near +-1.
  std::vector<float> huge = {1e30f, -1e30f, 1e30f, -1e30f, 1e30f};
  simd().rms_norm(huge.data(), nullptr, huge.data(), 5, 1e-6f);
  for (float value : huge) EXPECT_NEAR(std::fabs(value), 1.0f, 1e-6f);
}

TEST_P(SimdKernelTest, RmsNormMatchesTheReference) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      if (n == 0) continue;
      const std::string context = "n=" + std::to_string(n) + " " + testing::seed_trace(seed);
      const std::vector<float> input = random_input(n, seed, -3, 3, false);
      const std::vector<float> weight = random_input(n, seed + 7, 0.5f, 1.5f, false);
      for (const bool with_weight : {false, true}) {
        GuardedOutput actual(n), expected(n);
        const float* w = with_weight ? weight.data() + 1 : nullptr;
        simd().rms_norm(input.data() + 1, w, actual.data(), n, 1e-6f);
        scalar().rms_norm(input.data() + 1, w, expected.data(), n, 1e-6f);
        actual.expect_guard_intact(context);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_LE(ulp_distance(actual.data()[i], expected.data()[i]), 4)
              << context << " at " << i;
        }
      }
    }
  }
}

TEST_P(SimdKernelTest, ConversionsAreBitIdentical) {
  std::vector<float> every_half(65536 + 1);
  std::vector<uint16_t> patterns(65536 + 1);
  for (uint32_t bits = 0; bits < 65536; ++bits) patterns[bits + 1] = static_cast<uint16_t>(bits);
  for (const int64_t n : {int64_t{65536}, int64_t{1}, int64_t{15}, int64_t{17}, int64_t{33}}) {
    for (auto [to_float, to_float_reference] :
         {std::pair{simd().f16_to_f32, scalar().f16_to_f32},
          std::pair{simd().bf16_to_f32, scalar().bf16_to_f32}}) {
      GuardedOutput actual(n), expected(n);
      to_float(patterns.data() + 1, actual.data(), n);
      to_float_reference(patterns.data() + 1, expected.data(), n);
      actual.expect_guard_intact("to f32 n=" + std::to_string(n));
      ASSERT_EQ(std::memcmp(actual.data(), expected.data(), static_cast<size_t>(n) * 4), 0)
          << "n=" << n;
    }
  }
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      std::mt19937 engine(static_cast<uint32_t>(seed + n));
      std::vector<float> input(static_cast<size_t>(n + 1));
      // Arbitrary bit patterns: every exponent, subnormals, NaNs with payloads, ties.
      for (float& value : input) value = std::bit_cast<float>(static_cast<uint32_t>(engine()));
      for (auto [from_float, from_float_reference] :
           {std::pair{simd().f32_to_f16, scalar().f32_to_f16},
            std::pair{simd().f32_to_bf16, scalar().f32_to_bf16}}) {
        std::vector<uint16_t> actual(static_cast<size_t>(n + kGuard), 0xbeef),
            expected(static_cast<size_t>(n), 0);
        from_float(input.data() + 1, actual.data(), n);
        from_float_reference(input.data() + 1, expected.data(), n);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(actual[static_cast<size_t>(i)], expected[static_cast<size_t>(i)])
              << "n=" << n << " at " << i << " f32 bits 0x" << std::hex
              << std::bit_cast<uint32_t>(input[static_cast<size_t>(i + 1)]);
        }
        for (int64_t i = n; i < n + kGuard; ++i)
          ASSERT_EQ(actual[static_cast<size_t>(i)], 0xbeef) << "guard, n=" << n;
      }
    }
  }
}

TEST_P(SimdKernelTest, QuantizationIsBitIdentical) {
  for (const uint64_t seed : testing::test_seeds()) {
    for (const int64_t n : lengths()) {
      for (const float range : {1e-7f, 1.0f, 300.0f}) {
        const std::string context = "n=" + std::to_string(n) + " range=" + std::to_string(range) +
                                    " " + testing::seed_trace(seed);
        std::vector<float> input = random_input(n, seed, -range, range, false);
        // Values that land exactly on .5 after scaling exercise round-half-to-even.
        if (n >= 3) {
          input[1] = 127.0f;
          input[2] = 0.5f;
          input[3] = -2.5f;
        }
        std::vector<int8_t> actual(static_cast<size_t>(n + kGuard), 77),
            expected(static_cast<size_t>(n), 0);
        const float scale = simd().quantize_absmax_i8(input.data() + 1, actual.data(), n);
        const float reference_scale =
            scalar().quantize_absmax_i8(input.data() + 1, expected.data(), n);
        ASSERT_EQ(std::bit_cast<uint32_t>(scale), std::bit_cast<uint32_t>(reference_scale))
            << context;
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(actual[static_cast<size_t>(i)], expected[static_cast<size_t>(i)])
              << context << " at " << i;
        for (int64_t i = n; i < n + kGuard; ++i)
          ASSERT_EQ(actual[static_cast<size_t>(i)], 77) << context << " guard";
      }
    }
  }
  std::vector<float> bad = {1.0f, NAN, 2.0f};
  std::vector<int8_t> codes(3);
  EXPECT_FALSE(std::isfinite(simd().quantize_absmax_i8(bad.data(), codes.data(), 3)));
  bad[1] = INFINITY;
  EXPECT_FALSE(std::isfinite(simd().quantize_absmax_i8(bad.data(), codes.data(), 3)));
}

INSTANTIATE_TEST_SUITE_P(Levels, SimdKernelTest, ::testing::ValuesIn(simd_levels()), level_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SimdKernelTest);

// The scalar reference itself against double-precision truth, so the ULP bounds above chain to
// the exact values.
TEST(ScalarReferenceTest, ActivationsAgainstDoublePrecision) {
  const CpuKernels& reference = kernels_for(Isa::kScalar);
  auto check = [&](int kind, double (*truth)(double), float low, float high, int64_t max_ulp,
                   const char* name) {
    std::vector<float> input;
    for (float x = low; x <= high; x += (high - low) / 7919.0f) input.push_back(x);
    std::vector<float> output(input.size());
    reference.activation[kind](input.data(), output.data(), static_cast<int64_t>(input.size()));
    int64_t worst = 0;
    for (size_t i = 0; i < input.size(); ++i) {
      worst = std::max(worst, ulp_distance(output[i], static_cast<float>(truth(input[i]))));
    }
    EXPECT_LE(worst, max_ulp) << name;
  };
  check(
      0, [](double x) { return std::exp(x); }, -100, 88, 1, "exp");
  check(
      1, [](double x) { return std::tanh(x); }, -20, 20, 2, "tanh");
  check(
      2, [](double x) { return 1 / (1 + std::exp(-x)); }, -80, 80, 3, "sigmoid");
  check(
      3, [](double x) { return x / (1 + std::exp(-x)); }, -80, 80, 3, "silu");
  // Below x = -3 the output is tiny and the float rounding of x / sqrt(2) dominates (the formula's
  // conditioning, shared by every float implementation), so the bound holds from -3 up.
  check(
      4, [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }, -3, 20, 12, "gelu_erf");
}

TEST(IsaTest, NamesAndAvailability) {
  EXPECT_EQ(isa_from_name("avx2"), Isa::kAvx2);
  EXPECT_BITNET_ERROR(isa_from_name("mmx"), "BITNET_ISA='mmx' is not a SIMD level");
  EXPECT_TRUE(isa_available(Isa::kScalar));
#if defined(__x86_64__)
  EXPECT_FALSE(isa_available(Isa::kNeon));
  EXPECT_BITNET_ERROR(kernels_for(Isa::kNeon), "SIMD level neon is not available");
#endif
  EXPECT_EQ(kernels().isa, selected_isa());
}

}  // namespace
}  // namespace bitnet::cpu

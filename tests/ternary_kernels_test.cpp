// Every ternary GEMM variant (each SIMD level and its VNNI / dot-product sub-variant) against the
// scalar reference, bit for bit: random trits and raw random bytes, adversarial extremes, row and
// column tails, row slices of a wider matrix, strided and unaligned operands, poisoned outputs
// with guard regions. Then the public path: quantize, ternary_matmul_int, against a plain loop.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bitnet/config.h"
#include "bitnet/quant.h"
#include "cpu/ternary_kernels.h"
#include "support/test_support.h"

namespace bitnet::cpu {
namespace {

constexpr int32_t kPoison = static_cast<int32_t>(0xdeadbeef);
constexpr int64_t kGuard = 1024;

struct Format {
  TernaryFormat format;
  int64_t block_weights;
  std::vector<int64_t> k_values;
};

const std::vector<Format>& formats() {
  static const std::vector<Format> all = {{TernaryFormat::kT2, 256, {256, 512, 2560}},
                                          {TernaryFormat::kT1, 320, {320, 640, 2880}}};
  return all;
}

CpuKernels::TernaryGemm kernel_of(const TernaryVariant& variant, TernaryFormat format) {
  return format == TernaryFormat::kT2 ? variant.gemm_t2 : variant.gemm_t1;
}

std::vector<TernaryVariant> simd_variants() {
  std::vector<TernaryVariant> variants;
  for (const TernaryVariant& variant : ternary_variants()) {
    if (variant.level != Isa::kScalar) variants.push_back(variant);
  }
  return variants;
}

// One GEMM problem laid out the way the kernels see it: weights are rows of a wider packed matrix
// (row_bytes > the bytes a row needs) starting at an odd address; activations are rows of x_stride
// bytes, also at an odd address; the output has out_stride > m and a guard after it.
struct Problem {
  int64_t m = 0;
  int64_t n = 0;
  int64_t k_padded = 0;
  int64_t row_bytes = 0;
  int64_t x_stride = 0;
  int64_t out_stride = 0;
  std::vector<uint8_t> weight_storage;
  std::vector<int8_t> x_storage;
  std::vector<int32_t> x_sums;

  static constexpr int64_t kOffset = 3;  // bytes: misaligns every operand

  Problem(const Format& format, int64_t rows, int64_t columns, int64_t k)
      : m(rows), n(columns), k_padded(k) {
    const int64_t needed = k / format.block_weights * 64;
    row_bytes = needed + 64 + 5;  // a slice of a wider matrix, rows not 64-byte aligned
    x_stride = k + 37;
    out_stride = m + 7;
    weight_storage.assign(static_cast<size_t>(kOffset + m * row_bytes), 0xa5);
    x_storage.assign(static_cast<size_t>(kOffset + n * x_stride), int8_t{99});
    x_sums.assign(static_cast<size_t>(n), 0);
  }

  uint8_t* weights() { return weight_storage.data() + kOffset; }
  int8_t* x() { return x_storage.data() + kOffset; }

  // Packs trits [m][k_padded] row by row with the format's own packer.
  void set_trits(const Format& format, const std::vector<int8_t>& trits) {
    const TernaryFormatTraits& traits = ternary_format_traits(format.format);
    for (int64_t r = 0; r < m; ++r) {
      traits.pack(trits.data() + r * k_padded, k_padded, 1.0f, weights() + r * row_bytes);
    }
  }
  void set_x(const std::vector<int8_t>& values) {
    for (int64_t c = 0; c < n; ++c) {
      int32_t sum = 0;
      for (int64_t k = 0; k < k_padded; ++k) {
        const int8_t value = values[static_cast<size_t>(c * k_padded + k)];
        x()[c * x_stride + k] = value;
        sum += value;
      }
      x_sums[static_cast<size_t>(c)] = sum;
    }
  }

  // Runs `gemm` into a poisoned output and returns it (out_stride * n elements, then the guard).
  std::vector<int32_t> run(CpuKernels::TernaryGemm gemm) {
    std::vector<int32_t> storage(static_cast<size_t>(1 + n * out_stride + kGuard), kPoison);
    int32_t* out = storage.data() + 1;  // 4 bytes past the vector's (aligned) start
    gemm(weights(), row_bytes, m, x(), x_stride, x_sums.data(), n, k_padded, out, out_stride);
    return storage;
  }
};

std::string describe(const TernaryVariant& variant, TernaryFormat format, const Problem& problem,
                     const std::string& inputs) {
  return std::string(variant.name) + " " + std::string(ternary_format_traits(format).name) +
         " m=" + std::to_string(problem.m) + " n=" + std::to_string(problem.n) +
         " k_padded=" + std::to_string(problem.k_padded) + " " + inputs;
}

// Compares every SIMD variant's output with the reference's, element by element, including the
// poisoned gaps between columns (out_stride > m) and the guard region after the last column.
void expect_variants_match_reference(const Format& format, Problem& problem,
                                     const std::string& inputs) {
  const std::vector<int32_t> expected =
      problem.run(kernel_of(ternary_variants().front(), format.format));
  for (const TernaryVariant& variant : simd_variants()) {
    const std::vector<int32_t> actual = problem.run(kernel_of(variant, format.format));
    const std::string context = describe(variant, format.format, problem, inputs);
    for (size_t i = 0; i < expected.size(); ++i) {
      if (actual[i] == expected[i]) continue;
      const int64_t element = static_cast<int64_t>(i) - 1;
      const int64_t column = element / problem.out_stride;
      const int64_t row = element % problem.out_stride;
      if (element < 0 || column >= problem.n || row >= problem.m) {
        FAIL() << context << ": wrote outside the output at element " << element << " (column "
               << column << ", row " << row << ")";
      }
      FAIL() << context << ": out[column " << column << "][row " << row << "] = " << actual[i]
             << ", reference " << expected[i];
    }
  }
}

std::vector<int8_t> random_trits(std::mt19937_64& random, int64_t count) {
  std::uniform_int_distribution<int> trit(-1, 1);
  std::vector<int8_t> values(static_cast<size_t>(count));
  for (int8_t& value : values) value = static_cast<int8_t>(trit(random));
  return values;
}

std::vector<int8_t> random_activations(std::mt19937_64& random, int64_t count) {
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<int8_t> values(static_cast<size_t>(count));
  for (int8_t& value : values) value = static_cast<int8_t>(byte(random));
  return values;
}

// An m x n product over k of random trits and activations, every SIMD variant against the
// reference.
void expect_random_trits_match_reference(const Format& format, int64_t m, int64_t n, int64_t k,
                                         std::mt19937_64& random) {
  Problem problem(format, m, n, k);
  problem.set_trits(format, random_trits(random, m * k));
  problem.set_x(random_activations(random, n * k));
  expect_variants_match_reference(format, problem, "random trits");
}

TEST(TernaryKernels, VariantsCoverEveryLevel) {
  const std::vector<TernaryVariant>& variants = ternary_variants();
  ASSERT_FALSE(variants.empty());
  std::string names;
  for (const TernaryVariant& variant : variants) names += " " + std::string(variant.name);
  std::printf("ternary variants on this CPU:%s\n", names.c_str());
  EXPECT_EQ(variants.front().name, "scalar");
  for (Isa isa : available_isas()) {
    const CpuKernels& table = kernels_for(isa);
    const TernaryVariant* best = nullptr;
    for (const TernaryVariant& variant : variants) {
      if (variant.level == isa) best = &variant;
    }
    ASSERT_NE(best, nullptr) << "no ternary variant for " << isa_name(isa);
    EXPECT_EQ(table.gemm_t2, best->gemm_t2) << isa_name(isa);
    EXPECT_EQ(table.gemm_t1, best->gemm_t1) << isa_name(isa);
  }
  for (const TernaryVariant& variant : variants) {
    EXPECT_NE(variant.gemm_t2, nullptr) << variant.name;
    EXPECT_NE(variant.gemm_t1, nullptr) << variant.name;
  }
}

TEST(TernaryKernels, RandomTritsMatchReference) {
  for (const uint64_t seed : testing::test_seeds()) {
    SCOPED_TRACE(testing::seed_trace(seed));
    std::mt19937_64 random(seed);
    for (const Format& format : formats()) {
      for (const int64_t k : format.k_values) {
        for (const int64_t m : {1, 3, 4, 5, 16, 17, 64, 65}) {
          for (const int64_t n : {1, 2, 3, 7, 8, 9, 33}) {
            expect_random_trits_match_reference(format, m, n, k, random);
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

// Raw bytes that no packer produces (kT2 code 3, every kT1 byte value) still decode the same way
// as in the reference, so every bit pattern is compared.
TEST(TernaryKernels, RawRandomBytesMatchReference) {
  for (const uint64_t seed : testing::test_seeds()) {
    SCOPED_TRACE(testing::seed_trace(seed));
    std::mt19937_64 random(seed);
    std::uniform_int_distribution<int> byte(0, 255);
    for (const Format& format : formats()) {
      for (const int64_t m : {5, 33}) {
        for (const int64_t n : {1, 4, 12, 17, 40}) {
          const int64_t k = format.k_values.back();
          Problem problem(format, m, n, k);
          for (int64_t r = 0; r < m; ++r) {
            for (int64_t j = 0; j < k / format.block_weights * 64; ++j) {
              problem.weights()[r * problem.row_bytes + j] = static_cast<uint8_t>(byte(random));
            }
          }
          problem.set_x(random_activations(random, n * k));
          expect_variants_match_reference(format, problem, "raw random bytes");
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

// All -1 / 0 / +1 weights against activations at the int8 extremes, on the GEMV and the GEMM paths
// (40 columns), including a long row that crosses the kT1 kernels' periodic flush (128 blocks)
// with the largest partial sums.
TEST(TernaryKernels, ExtremesMatchReference) {
  const std::vector<std::pair<std::string, int>> activation_patterns = {
      {"x=127", 0}, {"x=-128", 1}, {"x alternating 127/-128", 2}, {"x alternating -128/127", 3}};
  for (const Format& format : formats()) {
    for (const int64_t k : {format.k_values.back(), format.block_weights * 130}) {
      for (const int8_t trit : {-1, 0, 1}) {
        for (const auto& [pattern_name, pattern] : activation_patterns) {
          for (const int64_t n : {1, 2, 9, 40}) {
            const int64_t m = k > 10000 ? 5 : 17;
            Problem problem(format, m, n, k);
            problem.set_trits(format, std::vector<int8_t>(static_cast<size_t>(m * k), trit));
            std::vector<int8_t> x(static_cast<size_t>(n * k));
            for (size_t i = 0; i < x.size(); ++i) {
              const bool even = i % 2 == 0;
              x[i] = pattern == 0   ? int8_t{127}
                     : pattern == 1 ? int8_t{-128}
                     : pattern == 2 ? (even ? int8_t{127} : int8_t{-128})
                                    : (even ? int8_t{-128} : int8_t{127});
            }
            problem.set_x(x);
            expect_variants_match_reference(format, problem,
                                            "trits=" + std::to_string(trit) + " " + pattern_name);
            if (HasFatalFailure()) return;
          }
        }
      }
    }
  }
}

// Wide enough for every variant's GEMM path to take several row panels, column tiles and k chunks.
TEST(TernaryKernels, LargerGemmMatchesReference) {
  const uint64_t seed = testing::test_seeds().back();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 random(seed);
  for (const Format& format : formats()) {
    const int64_t k = format.block_weights * 9;
    // 300 x 520: outputs exceed one row group (about 250 rows at n = 520), so the activations
    // are packed once for all groups and every chunk of k is read back per group.
    for (const auto& [m, n] :
         std::vector<std::pair<int64_t, int64_t>>{{100, 64}, {37, 130}, {300, 520}}) {
      expect_random_trits_match_reference(format, m, n, k, random);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(TernaryKernels, EmptyShapesWriteNothing) {
  for (const Format& format : formats()) {
    for (const TernaryVariant& variant : ternary_variants()) {
      for (const auto& [m, n] : std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {3, 0}}) {
        Problem problem(format, m, n, format.block_weights);
        problem.set_x(std::vector<int8_t>(static_cast<size_t>(n * format.block_weights), 1));
        const std::vector<int32_t> out = problem.run(kernel_of(variant, format.format));
        for (const int32_t value : out) ASSERT_EQ(value, kPoison) << variant.name;
      }
    }
  }
}

// ---- the public path ----------------------------------------------------------------------------

// y = ternary_matmul_int(quantize_activations(x), W) against a plain loop over W.trits() and the
// quantized codes: K not a multiple of any block, single rows and columns, on one thread and on
// three and on the configured number (rows split into panel-aligned ranges; a single row unit
// split by columns instead).
TEST(TernaryMatmulInt, MatchesPlainLoop) {
  const testing::ThreadCountGuard restore;
  std::vector<int> thread_counts = {1, 3};
  if (num_threads() != 1 && num_threads() != 3) thread_counts.push_back(num_threads());
  for (const int threads : thread_counts) {
    set_num_threads(threads);
    for (const uint64_t seed : testing::test_seeds()) {
      SCOPED_TRACE(testing::seed_trace(seed));
      for (const TernaryFormat format : {TernaryFormat::kT2, TernaryFormat::kT1}) {
        for (const auto& [rows, cols, tokens] :
             std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 1000, 1},
                                                                {1, 1000, 40},
                                                                {37, 1000, 1},
                                                                {300, 1000, 3},
                                                                {300, 1000, 40},
                                                                {5, 1, 2}}) {
          const Tensor weights = Tensor::normal({rows, cols}, seed);
          const TernaryTensor ternary =
              TernaryTensor::quantize(weights, ScaleGranularity::kPerRow, format);
          const QuantizedActivations x =
              quantize_activations(Tensor::normal({tokens, cols}, seed + 1), ternary.padded_cols());
          const Tensor result = ternary_matmul_int(x, ternary);
          ASSERT_EQ(result.size(0), tokens);
          ASSERT_EQ(result.size(1), rows);

          const Tensor trits = ternary.trits();
          const auto* trit_data = static_cast<const int8_t*>(trits.data());
          const auto* codes = static_cast<const int8_t*>(x.codes.data());
          const auto* actual = static_cast<const int32_t*>(result.data());
          const int64_t padded = x.codes.size(1);
          for (int64_t t = 0; t < tokens; ++t) {
            for (int64_t r = 0; r < rows; ++r) {
              int32_t expected = 0;
              for (int64_t k = 0; k < cols; ++k) {
                expected += trit_data[r * cols + k] * codes[t * padded + k];
              }
              ASSERT_EQ(actual[t * rows + r], expected)
                  << ternary_format_traits(format).name << " threads=" << threads
                  << " rows=" << rows << " cols=" << cols << " tokens=" << tokens << " at token "
                  << t << " row " << r;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace bitnet::cpu

// matmul against an independent double-precision triple loop over values read with element_at:
// shapes with empty, unit and odd sizes, 1-D operands, broadcast batches, non-contiguous views,
// every numeric dtype, the thread pool and the error messages.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "blas/blas.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::elements;
using testing::random_tensor;
using testing::seed_trace;
using testing::test_seeds;
using testing::ThreadCountGuard;

// NumPy's matmul in double: the expected shape, the values, and for each output the sum of
// |a_ip| |b_pj| that bounds the rounding error of any summation order.
struct Reference {
  Shape shape;
  std::vector<double> values;
  std::vector<double> magnitudes;
  int64_t k = 0;
};

Reference reference_matmul(const Tensor& a, const Tensor& b) {
  const std::vector<double> a_values = elements(a);
  const std::vector<double> b_values = elements(b);
  std::vector<int64_t> a_dims = a.shape().to_vector();
  std::vector<int64_t> b_dims = b.shape().to_vector();
  if (a_dims.size() == 1) a_dims.insert(a_dims.begin(), 1);
  if (b_dims.size() == 1) b_dims.push_back(1);
  const int64_t m = a_dims[a_dims.size() - 2];
  const int64_t k = a_dims.back();
  const int64_t n = b_dims.back();
  const std::vector<int64_t> a_batch(a_dims.begin(), a_dims.end() - 2);
  const std::vector<int64_t> b_batch(b_dims.begin(), b_dims.end() - 2);
  const size_t rank = std::max(a_batch.size(), b_batch.size());
  std::vector<int64_t> batch(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t a_size = d + a_batch.size() >= rank ? a_batch[d + a_batch.size() - rank] : 1;
    const int64_t b_size = d + b_batch.size() >= rank ? b_batch[d + b_batch.size() - rank] : 1;
    batch[d] = a_size == 1 ? b_size : a_size;
  }
  Reference reference;
  reference.k = k;
  for (int64_t size : batch) reference.shape.push_back(size);
  if (a.rank() > 1) reference.shape.push_back(m);
  if (b.rank() > 1) reference.shape.push_back(n);
  int64_t batch_count = 1;
  for (int64_t size : batch) batch_count *= size;
  reference.values.assign(static_cast<size_t>(batch_count * m * n), 0.0);
  reference.magnitudes.assign(reference.values.size(), 0.0);
  // Row-major position of a batch index inside an operand's own (unbroadcast) batch dimensions.
  const auto operand_matrix = [&](const std::vector<int64_t>& operand_batch, int64_t linear) {
    std::vector<int64_t> index(rank);
    for (size_t d = rank; d-- > 0;) {
      index[d] = linear % batch[d];
      linear /= batch[d];
    }
    int64_t position = 0;
    for (size_t d = 0; d < operand_batch.size(); ++d) {
      const int64_t i = operand_batch[d] == 1 ? 0 : index[d + rank - operand_batch.size()];
      position = position * operand_batch[d] + i;
    }
    return position;
  };
  for (int64_t t = 0; t < batch_count; ++t) {
    const double* a_matrix = a_values.data() + operand_matrix(a_batch, t) * m * k;
    const double* b_matrix = b_values.data() + operand_matrix(b_batch, t) * k * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0, magnitude = 0;
        for (int64_t p = 0; p < k; ++p) {
          sum += a_matrix[i * k + p] * b_matrix[p * n + j];
          magnitude += std::fabs(a_matrix[i * k + p] * b_matrix[p * n + j]);
        }
        reference.values[static_cast<size_t>((t * m + i) * n + j)] = sum;
        reference.magnitudes[static_cast<size_t>((t * m + i) * n + j)] = magnitude;
      }
    }
  }
  return reference;
}

// An exact integer sum reduced modulo 2^bits of `dtype`, as the cast rules wrap.
double wrap_to(double exact, DType dtype) {
  const auto value = static_cast<int64_t>(exact);
  switch (dtype) {
    case DType::kU8:
      return static_cast<uint8_t>(value);
    case DType::kI8:
      return static_cast<int8_t>(value);
    case DType::kI32:
      return static_cast<int32_t>(value);
    default:
      return static_cast<double>(value);
  }
}

// Unit roundoff of the format a dtype's matmul accumulates in, and of its output.
double accumulation_roundoff(DType dtype) {
  return dtype == DType::kF64 ? std::ldexp(1.0, -53) : std::ldexp(1.0, -24);
}
double output_roundoff(DType dtype) {
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

// Checks result == a @ b: shape, dtype, a fresh buffer, and values (integers exactly with wrap;
// floats within the summation bound (k + 2) u sum|a||b| plus one rounding to the output dtype).
void expect_matmul(const Tensor& result, const Tensor& a, const Tensor& b,
                   const std::string& context) {
  SCOPED_TRACE(context + ": a " + to_string(a.shape()) + " b " + to_string(b.shape()));
  const Reference reference = reference_matmul(a, b);
  ASSERT_EQ(to_string(result.shape()), to_string(reference.shape));
  const DType dtype = promote_types(a.dtype(), b.dtype());
  ASSERT_EQ(result.dtype(), dtype);
  EXPECT_FALSE(result.shares_storage(a));
  EXPECT_FALSE(result.shares_storage(b));
  const std::vector<double> actual = elements(result);
  for (size_t i = 0; i < actual.size(); ++i) {
    const double expected = reference.values[i];
    if (!is_floating(dtype)) {
      ASSERT_EQ(actual[i], wrap_to(expected, dtype)) << "element " << i;
      continue;
    }
    if (std::isnan(expected) || std::isinf(expected)) {
      if (std::isnan(expected)) {
        ASSERT_TRUE(std::isnan(actual[i])) << "element " << i << ": got " << actual[i];
      } else {
        ASSERT_EQ(actual[i], expected) << "element " << i;
      }
      continue;
    }
    const double summation = static_cast<double>(reference.k + 2) * accumulation_roundoff(dtype) *
                             reference.magnitudes[i];
    // f16's smallest subnormal is 2^-24; half of it is the absolute rounding error near zero.
    const double bound = summation + output_roundoff(dtype) * (std::fabs(expected) + summation) +
                         (dtype == DType::kF16 ? std::ldexp(1.0, -25) : 0.0);
    ASSERT_LE(std::fabs(actual[i] - expected), bound)
        << "element " << i << ": got " << actual[i] << ", expected " << expected;
  }
}

void check_random(const Shape& a_shape, const Shape& b_shape, DType a_dtype, DType b_dtype,
                  uint64_t seed, const std::string& a_layout = "contiguous",
                  const std::string& b_layout = "contiguous") {
  const Tensor a = random_tensor(a_shape, a_dtype, seed, a_layout);
  const Tensor b = random_tensor(b_shape, b_dtype, seed + 1000003, b_layout);
  expect_matmul(matmul(a, b), a, b,
                std::string(dtype_name(a_dtype)) + "/" + std::string(dtype_name(b_dtype)) + " " +
                    a_layout + "@" + b_layout);
}

// The message of the bitnet::Error that `statement` throws ("" if none).
template <typename Statement>
std::string error_message(Statement statement) {
  try {
    (void)statement();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

const int64_t kSizes[] = {0, 1, 7, 33, 64};
const DType kFloatDTypes[] = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16};
const DType kIntegerDTypes[] = {DType::kU8, DType::kI8, DType::kI32, DType::kI64};

TEST(MatmulTest, EverySizeCombinationFloat) {
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const DType dtype : {DType::kF32, DType::kF64}) {
      for (const int64_t m : kSizes) {
        for (const int64_t n : kSizes) {
          for (const int64_t k : kSizes) check_random({m, k}, {k, n}, dtype, dtype, seed);
        }
      }
    }
  }
}

TEST(MatmulTest, EverySizeCombinationHalfAndInteger) {
  const uint64_t seed = test_seeds()[3];
  SCOPED_TRACE(seed_trace(seed));
  for (const DType dtype :
       {DType::kF16, DType::kBF16, DType::kU8, DType::kI8, DType::kI32, DType::kI64}) {
    for (const int64_t m : kSizes) {
      for (const int64_t n : kSizes) {
        for (const int64_t k : kSizes) check_random({m, k}, {k, n}, dtype, dtype, seed);
      }
    }
  }
}

TEST(MatmulTest, LargerOddSizes) {
  for (const DType dtype : {DType::kF32, DType::kF64, DType::kBF16, DType::kI32}) {
    check_random({257, 129}, {129, 65}, dtype, dtype, 5, "transposed", "contiguous");
    check_random({65, 300}, {300, 130}, dtype, dtype, 6, "contiguous", "transposed");
  }
}

TEST(MatmulTest, NonContiguousOperands) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{7, 33}, {33, 64}}, {{33, 1}, {1, 7}},      {{1, 64}, {64, 33}},
      {{64, 7}, {7, 1}},   {{3, 7, 5}, {3, 5, 4}}, {{2, 1, 6, 5}, {3, 5, 7}}};
  for (const uint64_t seed : {test_seeds()[0], test_seeds()[4]}) {
    SCOPED_TRACE(seed_trace(seed));
    for (const DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI32}) {
      for (const auto& [a_shape, b_shape] : shapes) {
        for (const std::string& a_layout : testing::layouts()) {
          for (const std::string& b_layout : testing::layouts()) {
            check_random(a_shape, b_shape, dtype, dtype, seed, a_layout, b_layout);
          }
        }
      }
    }
  }
}

TEST(MatmulTest, OneDimensionalOperands) {
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kI8}) {
      for (const std::string& layout : testing::layouts()) {
        check_random({33}, {33}, dtype, dtype, seed, layout, layout);         // dot: 0-d
        check_random({7}, {7, 5}, dtype, dtype, seed, layout, layout);        // vec @ mat
        check_random({5, 7}, {7}, dtype, dtype, seed, layout, layout);        // mat @ vec
        check_random({4}, {2, 3, 4, 6}, dtype, dtype, seed, layout, layout);  // vec @ batch
        check_random({2, 3, 5, 4}, {4}, dtype, dtype, seed, layout, layout);  // batch @ vec
        check_random({1}, {1}, dtype, dtype, seed, layout, layout);
      }
    }
  }
  const Tensor dot = matmul(Tensor::ones({5}), Tensor::ones({5}));
  EXPECT_EQ(dot.rank(), 0);
  EXPECT_EQ(dot.item(), 5.0);
  const Tensor empty_dot = matmul(Tensor::ones({0}), Tensor::ones({0}));
  EXPECT_EQ(empty_dot.rank(), 0);
  EXPECT_EQ(empty_dot.item(), 0.0);
}

TEST(MatmulTest, BroadcastBatchDimensions) {
  const uint64_t seed = test_seeds()[3];
  SCOPED_TRACE(seed_trace(seed));
  const Tensor a = random_tensor({2, 1, 3, 4}, DType::kF32, seed);
  const Tensor b = random_tensor({5, 4, 6}, DType::kF32, seed + 1);
  const Tensor product = matmul(a, b);
  EXPECT_EQ(to_string(product.shape()), "[2,5,3,6]");
  expect_matmul(product, a, b, "[2,1,3,4]@[5,4,6]");
  for (const DType dtype : {DType::kF32, DType::kF64, DType::kBF16, DType::kI64}) {
    check_random({1, 3, 4}, {7, 4, 2}, dtype, dtype, seed);
    check_random({3, 4}, {6, 4, 5}, dtype, dtype, seed);
    check_random({6, 3, 4}, {4, 5}, dtype, dtype, seed);
    check_random({2, 1, 2, 3, 4}, {3, 1, 4, 2}, dtype, dtype, seed, "transposed", "strided");
    check_random({0, 3, 4}, {4, 5}, dtype, dtype, seed);
    check_random({2, 3, 0}, {1, 0, 5}, dtype, dtype, seed);
  }
}

TEST(MatmulTest, ExpandedOperands) {
  const uint64_t seed = test_seeds()[4];
  SCOPED_TRACE(seed_trace(seed));
  for (const DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kI32}) {
    // Stride-0 batch: one matrix shared by the whole batch.
    const Tensor shared = random_tensor({1, 3, 4}, dtype, seed).expand({5, 3, 4});
    const Tensor batch = random_tensor({5, 4, 2}, dtype, seed + 1);
    expect_matmul(matmul(shared, batch), shared, batch, "expanded batch of a");
    expect_matmul(matmul(batch.transpose(-1, -2), shared.transpose(-1, -2)),
                  batch.transpose(-1, -2), shared.transpose(-1, -2), "expanded batch of b");
    // Stride-0 rows and columns inside a matrix: BLAS cannot read those, so they are copied.
    const Tensor rows = random_tensor({1, 4}, dtype, seed + 2).expand({3, 4});
    const Tensor columns = random_tensor({4, 1}, dtype, seed + 3).expand({4, 5});
    expect_matmul(matmul(rows, columns), rows, columns, "expanded rows and columns");
    // A broadcast scalar as a vector.
    const Tensor constant = random_tensor({1}, dtype, seed + 4).expand({4});
    expect_matmul(matmul(columns.transpose(0, 1), constant), columns.transpose(0, 1), constant,
                  "expanded vector");
    // A batch dimension inserted by expand, over transposed and strided matrices.
    const Tensor transposed =
        random_tensor({2, 6, 4}, dtype, seed + 5, "transposed").expand({3, 2, 6, 4});
    const Tensor prepended = random_tensor({4, 6}, dtype, seed + 6, "strided").expand({3, 2, 4, 6});
    expect_matmul(matmul(prepended, transposed), prepended, transposed, "prepended batch");
  }
}

TEST(MatmulTest, EmptyInnerDimensionGivesZeros) {
  for (const DType dtype :
       {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kU8, DType::kI64}) {
    const Tensor product = matmul(Tensor::ones({2, 3, 0}, dtype), Tensor::ones({0, 4}, dtype));
    EXPECT_EQ(to_string(product.shape()), "[2,3,4]");
    for (const double value : elements(product)) EXPECT_EQ(value, 0.0);
  }
  EXPECT_EQ(matmul(Tensor::ones({0, 3}), Tensor::ones({3, 4})).numel(), 0);
  EXPECT_EQ(to_string(matmul(Tensor::ones({5, 3}), Tensor::ones({3, 0})).shape()), "[5,0]");
}

TEST(MatmulTest, IntegerSumsWrapToTheResultDType) {
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    // [-3, 3] inputs with k = 64 exceed u8 and i8; [-1e5, 1e5] exceed i32.
    for (const DType dtype : {DType::kU8, DType::kI8}) {
      const Tensor a = random_tensor({9, 64}, dtype, seed);
      const Tensor b = random_tensor({64, 11}, dtype, seed + 1, "transposed");
      expect_matmul(matmul(a, b), a, b, "small integers");
    }
    const Tensor a = random_tensor({5, 64}, DType::kI32, seed, "strided", -1e5, 1e5);
    const Tensor b = random_tensor({64, 6}, DType::kI32, seed + 1, "offset", -1e5, 1e5);
    expect_matmul(matmul(a, b), a, b, "i32 wrap");
  }
  // i64 wraps modulo 2^64: (2^63 - 1) * 2 + 2 * 3 = 2^64 + 4, 2^62 * 2 = 2^63 (the lowest
  // value) and 2^62 * 4 = 2^64.
  const int64_t big = std::numeric_limits<int64_t>::max();
  const Tensor a = Tensor::from_vector<int64_t>({big, 2, int64_t{1} << 62, 0}, {2, 2});
  const Tensor b = Tensor::from_vector<int64_t>({2, 4, 3, 0}, {2, 2});
  const std::vector<int64_t> product = matmul(a, b).to_vector<int64_t>();
  const std::vector<int64_t> expected = {4, static_cast<int64_t>(static_cast<uint64_t>(big) * 4),
                                         std::numeric_limits<int64_t>::min(), 0};
  EXPECT_EQ(product, expected);
  const Tensor lowest = Tensor::from_vector<int64_t>({std::numeric_limits<int64_t>::min()}, {1});
  EXPECT_EQ(matmul(lowest, Tensor::from_vector<int64_t>({-1}, {1})).item(),
            static_cast<double>(std::numeric_limits<int64_t>::min()));
}

TEST(MatmulTest, MixedDTypesPromote) {
  const uint64_t seed = test_seeds()[3];
  SCOPED_TRACE(seed_trace(seed));
  check_random({3, 5}, {5, 4}, DType::kU8, DType::kI8, seed);      // i32
  check_random({3, 5}, {5, 4}, DType::kI8, DType::kF16, seed);     // f16
  check_random({3, 5}, {5, 4}, DType::kI32, DType::kF32, seed);    // f32
  check_random({3, 5}, {5, 4}, DType::kF16, DType::kBF16, seed);   // f32
  check_random({3, 5}, {5, 4}, DType::kF32, DType::kF64, seed);    // f64
  check_random({3, 5}, {5, 4}, DType::kBool, DType::kI32, seed);   // i32
  check_random({2, 3, 5}, {5}, DType::kBF16, DType::kBool, seed);  // bf16
  // i32 100000 becomes f16 Inf before the product, as NumPy's promotion does.
  const Tensor product =
      matmul(Tensor::full({1, 1}, 100000, DType::kI32), Tensor::full({1, 1}, 1, DType::kF16));
  EXPECT_EQ(product.dtype(), DType::kF16);
  EXPECT_TRUE(std::isinf(product.item()));
}

TEST(MatmulTest, HalfPrecisionAccumulatesInFloat) {
  // Summing ones in f16 would stop at 2048 (bf16: 256); f32 accumulation is exact here.
  const Tensor f16_sum =
      matmul(Tensor::ones({3000}, DType::kF16), Tensor::ones({3000}, DType::kF16));
  EXPECT_EQ(f16_sum.item(), 3000.0);
  const Tensor bf16_sum =
      matmul(Tensor::ones({2, 300}, DType::kBF16), Tensor::ones({300, 3}, DType::kBF16));
  for (const double value : elements(bf16_sum)) EXPECT_EQ(value, 300.0);
  // The f32 sum is rounded once: 200 * 200 * 2 = 80000 overflows f16 to Inf.
  const Tensor overflow =
      matmul(Tensor::full({2}, 200, DType::kF16), Tensor::full({2}, 200, DType::kF16));
  EXPECT_EQ(overflow.item(), std::numeric_limits<double>::infinity());
}

TEST(MatmulTest, NaNAndInfinityPropagate) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    const Tensor a =
        cast(Tensor::from_vector<double>({nan, 1, 1, 1, inf, 0, -inf, 2, 3}, {3, 3}), dtype);
    const Tensor b = cast(Tensor::from_vector<double>({1, 0, 0, 1, 0, 1, 1, 1, 0}, {3, 3}), dtype);
    expect_matmul(matmul(a, b), a, b, "special values");
    expect_matmul(matmul(b, a), b, a, "special values, swapped");
    expect_matmul(matmul(a.transpose(0, 1), b), a.transpose(0, 1), b, "special values, transposed");
  }
}

TEST(MatmulTest, ManySmallMatricesOnThePool) {
  ThreadCountGuard guard;
  set_num_threads(2);
  const uint64_t seed = test_seeds()[3];
  SCOPED_TRACE(seed_trace(seed));
  // 8x8x8 products are below OpenBLAS's single-thread cutoff: parallel over the batch.
  for (const std::string& layout : testing::layouts()) {
    check_random({500, 8, 8}, {500, 8, 8}, DType::kF32, DType::kF32, seed, layout, layout);
    check_random({25, 20, 8, 8}, {20, 8, 8}, DType::kF64, DType::kF64, seed, layout, "contiguous");
    check_random({300, 8, 8}, {8, 8}, DType::kI32, DType::kI32, seed, layout, layout);
  }
  // Larger products: one at a time, with BLAS itself using bitnet's thread count.
  check_random({3, 96, 80}, {3, 80, 72}, DType::kF32, DType::kF32, seed);
  EXPECT_EQ(blas_num_threads(), 2);
  set_num_threads(1);
  check_random({2, 96, 80}, {80, 72}, DType::kF64, DType::kF64, seed, "transposed", "strided");
  EXPECT_EQ(blas_num_threads(), 1);
}

TEST(MatmulTest, ConcurrentCallersShareThePoolAndBlas) {
  ThreadCountGuard guard;
  set_num_threads(2);
  const uint64_t seed = test_seeds()[4];
  SCOPED_TRACE(seed_trace(seed));
  const Tensor small_a = random_tensor({200, 6, 5}, DType::kF32, seed);
  const Tensor small_b = random_tensor({200, 5, 7}, DType::kF32, seed + 1);
  const Tensor large_a = random_tensor({128, 96}, DType::kF32, seed + 2);
  const Tensor large_b = random_tensor({96, 112}, DType::kF32, seed + 3, "transposed");
  const std::vector<float> small_expected = matmul(small_a, small_b).to_vector<float>();
  const std::vector<float> large_expected = matmul(large_a, large_b).to_vector<float>();
  std::vector<int> mismatches(3, 0);
  std::vector<std::thread> callers;
  for (size_t caller = 0; caller < mismatches.size(); ++caller) {
    callers.emplace_back([&, caller] {
      for (int round = 0; round < 20; ++round) {
        // Each GEMM is deterministic for a fixed thread split, so repeats match bit for bit.
        if (matmul(small_a, small_b).to_vector<float>() != small_expected) ++mismatches[caller];
        if (matmul(large_a, large_b).to_vector<float>() != large_expected) ++mismatches[caller];
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (const int count : mismatches) EXPECT_EQ(count, 0);
  expect_matmul(matmul(large_a, large_b), large_a, large_b, "large after concurrency");
}

TEST(MatmulTest, CalledFromInsideAParallelBody) {
  ThreadCountGuard guard;
  set_num_threads(2);
  const Tensor a = random_tensor({50, 4, 3}, DType::kF64, 7);
  const Tensor b = random_tensor({3, 5}, DType::kF64, 8);
  std::vector<Tensor> products(4);
  parallel_for(0, 4, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) products[static_cast<size_t>(i)] = matmul(a, b);
  });
  for (const Tensor& product : products) expect_matmul(product, a, b, "nested");
}

TEST(MatmulTest, InnerDimensionMismatchMessage) {
  EXPECT_EQ(error_message([] {
              return matmul(Tensor::ones({2, 3}), Tensor::ones({4, 5}));
            }),
            "matmul: inner dimensions differ: a is [2,3], b is [4,5]");
  EXPECT_EQ(error_message([] { return matmul(Tensor::ones({3}), Tensor::ones({4})); }),
            "matmul: inner dimensions differ: a is [3], b is [4]");
  EXPECT_EQ(error_message([] {
              return matmul(Tensor::ones({2, 2, 3}), Tensor::ones({2}));
            }),
            "matmul: inner dimensions differ: a is [2,2,3], b is [2]");
}

TEST(MatmulTest, BatchMismatchNamesBothShapes) {
  const std::string message = error_message([] {
    return matmul(Tensor::ones({2, 3, 4}), Tensor::ones({3, 4, 5}));
  });
  EXPECT_NE(message.find("matmul"), std::string::npos) << message;
  EXPECT_NE(message.find("[2,3,4]"), std::string::npos) << message;
  EXPECT_NE(message.find("[3,4,5]"), std::string::npos) << message;
}

TEST(MatmulTest, RefusedOperands) {
  EXPECT_BITNET_ERROR(matmul(Tensor::ones({}), Tensor::ones({3})), "matmul: 0-d operand");
  EXPECT_BITNET_ERROR(matmul(Tensor::ones({3}), Tensor::ones({})), "matmul: 0-d operand");
  EXPECT_BITNET_ERROR(
      matmul(Tensor::ones({2, 2}, DType::kBool), Tensor::ones({2, 2}, DType::kBool)),
      "matmul: not defined for two bool tensors");
  EXPECT_BITNET_ERROR(matmul(Tensor{}, Tensor::ones({3})),
                      "matmul: the first operand is undefined");
  EXPECT_BITNET_ERROR(matmul(Tensor::ones({3}), Tensor{}),
                      "matmul: the second operand is undefined");
  // Validation comes before the empty-result shortcut.
  EXPECT_BITNET_ERROR(matmul(Tensor::ones({0, 3}), Tensor::ones({4, 0})),
                      "inner dimensions differ");
  try {
    (void)matmul(Tensor::ones({2, 3}), Tensor::ones({4, 5}));
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kShapeMismatch);
  }
}

}  // namespace
}  // namespace bitnet

// linear() against a direct double-precision product over the weight's exact values: f32, f16 and
// bf16 weights, token counts on both sides of the per-row and the blocked path, odd widths, a
// strided input, and every refusal by name.
#include <cmath>

#include "bitnet/config.h"
#include "bitnet/ops.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::seed_trace;
using testing::test_seeds;

// out[t][r] = sum_k x[t][k] * w[r][k] in double over the weight's values as stored.
std::vector<double> reference_linear(const Tensor& x, const Tensor& weight) {
  const int64_t k = weight.shape()[1];
  const int64_t rows = weight.shape()[0];
  const std::vector<float> xs = x.contiguous().to_vector<float>();
  const std::vector<float> ws = cast(weight, DType::kF32).to_vector<float>();
  const int64_t tokens = static_cast<int64_t>(xs.size()) / k;
  std::vector<double> out(static_cast<size_t>(tokens * rows));
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t i = 0; i < k; ++i) sum += double(xs[t * k + i]) * ws[r * k + i];
      out[t * rows + r] = sum;
    }
  }
  return out;
}

TEST(Linear, MatchesTheDirectProductForEveryWeightDtype) {
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    // tokens 1..16 take the per-row dot, 17 and up the blocked BLAS path (rows > 256: two blocks).
    for (const auto& [tokens, rows, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1},
                                          {1, 37, 129},
                                          {3, 300, 64},
                                          {16, 19, 33},
                                          {17, 300, 47},
                                          {40, 513, 16}}) {
      for (const DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
        const Tensor x = Tensor::normal({tokens, k}, seed);
        const Tensor weight = cast(Tensor::normal({rows, k}, seed + 1), dtype);
        const Tensor got = linear(x, weight);
        ASSERT_EQ(got.shape(), Shape({tokens, rows}));
        ASSERT_EQ(got.dtype(), DType::kF32);
        const std::vector<float> values = got.to_vector<float>();
        const std::vector<double> want = reference_linear(x, weight);
        // f32 accumulation over k terms of unit size: a few ulps of sqrt(k).
        const double tolerance = 1e-5 * std::sqrt(static_cast<double>(k)) * 4;
        for (size_t index = 0; index < values.size(); ++index) {
          ASSERT_NEAR(values[index], want[index], tolerance)
              << "tokens " << tokens << " rows " << rows << " k " << k << " " << dtype_name(dtype)
              << " at " << index;
        }
      }
    }
  }
}

// The blocked path runs each block on one thread: the same bits for any thread count.
TEST(Linear, HalfWeightsGiveTheSameBitsForAnyThreadCount) {
  testing::ThreadCountGuard guard;
  const uint64_t seed = test_seeds()[0];
  SCOPED_TRACE(seed_trace(seed));
  for (const DType dtype : {DType::kF16, DType::kBF16}) {
    const Tensor x = Tensor::normal({200, 384}, seed);
    const Tensor weight = cast(Tensor::normal({1000, 384}, seed + 1), dtype);
    set_num_threads(1);
    const std::vector<float> one = linear(x, weight).to_vector<float>();
    set_num_threads(2);
    const std::vector<float> two = linear(x, weight).to_vector<float>();
    EXPECT_EQ(one, two) << dtype_name(dtype);
  }
}

TEST(Linear, KeepsLeadingDimensionsAndReadsStridedInputs) {
  const Tensor x = Tensor::normal({2, 3, 10}, 5);
  const Tensor weight = cast(Tensor::normal({7, 5}, 6), DType::kF16);
  // Every other element of the last dimension: a strided view of width 5.
  const Tensor strided = x.reshape({2, 3, 5, 2}).select(3, 0);
  const Tensor got = linear(strided, weight);
  ASSERT_EQ(got.shape(), Shape({2, 3, 7}));
  const std::vector<float> values = got.to_vector<float>();
  const std::vector<double> want = reference_linear(strided.contiguous(), weight);
  for (size_t index = 0; index < values.size(); ++index) {
    ASSERT_NEAR(values[index], want[index], 1e-5) << index;
  }
  EXPECT_EQ(linear(Tensor::zeros({0, 5}), weight).shape(), Shape({0, 7}));
}

TEST(Linear, RefusesBadOperandsByName) {
  const auto expect_error = [](const std::function<void()>& call, const std::string& needle) {
    try {
      call();
      ADD_FAILURE() << "no error; expected one containing: " << needle;
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
    }
  };
  const Tensor weight = Tensor::zeros({4, 3}, DType::kF16);
  expect_error(
      [&] {
        (void)linear(Tensor::zeros({2, 5}), weight);
      },
      "the input must be f32 [..., 3]");
  expect_error(
      [&] {
        (void)linear(Tensor::zeros({2, 3}, DType::kF16), weight);
      },
      "the input must be f32");
  expect_error(
      [&] {
        (void)linear(Tensor::zeros({2, 3}), Tensor::zeros({12}));
      },
      "the weight must be [out_features, in_features]");
  expect_error(
      [&] {
        (void)linear(Tensor::zeros({2, 3}), Tensor::zeros({4, 3}, DType::kI8));
      },
      "the weight must be f32, f16 or bf16, got i8");
}

}  // namespace
}  // namespace bitnet

// softmax and log_softmax against a double-precision computation written here, over shapes, axes,
// layouts (including broadcast and fully permuted views) and floating dtypes, plus stability at
// +-1e4, -inf rows, NaN, 0-d inputs and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "support/reduce_reference.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::element_at;
using testing::elements;
using testing::seed_trace;
using testing::test_seeds;
using testing::reduce_reference::all_layouts;
using testing::reduce_reference::make_input;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Row-major positions of each line along `axis` (a 0-d tensor is one line of one element).
std::vector<std::vector<int64_t>> lines_along(const Shape& shape, int axis) {
  int64_t numel = 1;
  for (int64_t dim : shape) numel *= dim;
  if (shape.rank() == 0) return {{0}};
  int64_t inner = 1;
  for (int d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
  const int64_t length = shape[axis];
  std::vector<std::vector<int64_t>> lines;
  if (length == 0) return lines;
  for (int64_t start = 0; start < numel; ++start) {
    if (start / inner % length != 0) continue;  // not the first element of its line
    std::vector<int64_t> line;
    for (int64_t i = 0; i < length; ++i) line.push_back(start + i * inner);
    lines.push_back(line);
  }
  return lines;
}

// softmax (or log_softmax) of every line, in double, written at the same positions.
std::vector<double> reference(const std::vector<double>& values, const Shape& shape, int axis,
                              bool log) {
  std::vector<double> result(values.size());
  for (const std::vector<int64_t>& line : lines_along(shape, axis)) {
    double peak = -kInf;
    bool saw_nan = false;
    for (int64_t position : line) {
      saw_nan |= std::isnan(values[position]);
      peak = std::max(peak, values[position]);
    }
    double total = 0;
    for (int64_t position : line) total += std::exp(values[position] - peak);
    for (int64_t position : line) {
      const double shifted = values[position] - peak;
      double value = log ? shifted - std::log(total) : std::exp(shifted) / total;
      if (saw_nan || std::isinf(peak)) value = std::nan("");
      result[position] = value;
    }
  }
  return result;
}

struct Tolerance {
  double relative;
  double absolute;
};

Tolerance tolerance_for(DType dtype, bool log) {
  // log_softmax values near 0 come from a difference of O(1) terms: an absolute bound.
  switch (dtype) {
    case DType::kF16:
      return {2e-3, log ? 4e-3 : 1e-4};
    case DType::kBF16:
      return {1.6e-2, log ? 3e-2 : 1e-3};
    case DType::kF64:
      return {1e-12, 1e-13};
    default:
      return {2e-6, log ? 4e-6 : 1e-7};
  }
}

TEST(SoftmaxTest, MatchesReferenceOnEveryAxisLayoutAndDtype) {
  const std::vector<Shape> shapes = {
      {}, {0}, {1}, {7}, {33}, {1023}, {1, 0, 3}, {5, 7}, {3, 4, 5}, {2, 3, 4, 5}, {1, 6, 1, 4}};
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const Shape& shape : shapes) {
      for (DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
        for (const std::string& layout : all_layouts()) {
          const Tensor x = make_input(shape, dtype, seed, layout, -8.0, 8.0);
          const std::vector<double> values = elements(x);
          std::vector<int64_t> axes = {-1};
          for (int d = 0; d < shape.rank(); ++d) axes.push_back(d);
          for (int64_t axis : axes) {
            const int normalized =
                shape.rank() == 0 ? 0 : static_cast<int>((axis + shape.rank()) % shape.rank());
            for (bool log : {false, true}) {
              const std::string context = "shape=" + to_string(shape) +
                                          " dtype=" + std::string(dtype_name(dtype)) +
                                          " layout=" + layout + " axis=" + std::to_string(axis) +
                                          (log ? " log_softmax" : " softmax");
              const Tensor result = log ? log_softmax(x, axis) : softmax(x, axis);
              ASSERT_EQ(result.shape(), shape) << context;
              ASSERT_EQ(result.dtype(), dtype) << context;
              const Tolerance tolerance = tolerance_for(dtype, log);
              testing::expect_close(elements(result), reference(values, shape, normalized, log),
                                    tolerance.relative, tolerance.absolute, context);
              if (::testing::Test::HasFailure()) return;
            }
          }
        }
      }
    }
  }
}

TEST(SoftmaxTest, StableAtPlusMinusTenThousand) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kF64}) {
    const Tensor x = cast(Tensor::from_vector(std::vector<double>{1e4, -1e4, 0, 1e4}, {4}), dtype);
    const std::vector<double> probabilities = elements(softmax(x));
    EXPECT_EQ(probabilities, (std::vector<double>{0.5, 0, 0, 0.5})) << dtype_name(dtype);
    const std::vector<double> logs = elements(log_softmax(x));
    const double log_half = std::log(0.5);
    const double tolerance = dtype == DType::kF32 || dtype == DType::kF64 ? 1e-6 : 2e-2;
    EXPECT_NEAR(logs[0], log_half, tolerance) << dtype_name(dtype);
    EXPECT_NEAR(logs[3], log_half, tolerance) << dtype_name(dtype);
    EXPECT_NEAR(logs[1], -2e4 + log_half, 2e4 * (dtype == DType::kBF16 ? 8e-3 : 1e-3));
    EXPECT_NEAR(logs[2], -1e4 + log_half, 1e4 * (dtype == DType::kBF16 ? 8e-3 : 1e-3));
    const Tensor low = cast(Tensor::from_vector(std::vector<double>{-1e4, -1e4}, {2}), dtype);
    EXPECT_EQ(elements(softmax(low)), (std::vector<double>{0.5, 0.5})) << dtype_name(dtype);
  }
}

TEST(SoftmaxTest, RowsSumToOne) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const std::string& layout : all_layouts()) {
      const Tensor x = make_input({64, 1023}, DType::kF32, seed, layout, -50.0, 50.0);
      for (int64_t axis : {0, 1}) {
        const Tensor probabilities = softmax(x, axis);
        const std::vector<double> totals = elements(sum(probabilities.to(DType::kF64), {axis}));
        for (double total : totals) EXPECT_NEAR(total, 1.0, 1e-5) << layout << " axis " << axis;
        for (double value : elements(probabilities)) {
          ASSERT_TRUE(value >= 0.0 && value <= 1.0) << layout << " value " << value;
        }
      }
    }
  }
}

TEST(SoftmaxTest, LogSoftmaxIsLogOfSoftmax) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (DType dtype : {DType::kF32, DType::kF64}) {
      const Tensor x = testing::random_tensor({17, 129}, dtype, seed, "transposed", -20.0, 20.0);
      for (int64_t axis : {0, 1, -1}) {
        const std::vector<double> probabilities = elements(softmax(x, axis));
        const std::vector<double> logs = elements(log_softmax(x, axis));
        for (size_t i = 0; i < logs.size(); ++i) {
          if (probabilities[i] < 1e-30) continue;  // log of an underflowed value says nothing
          ASSERT_NEAR(logs[i], std::log(probabilities[i]), 1e-5 * (1 + std::fabs(logs[i])))
              << dtype_name(dtype) << " axis " << axis << " at " << i;
        }
      }
    }
  }
}

TEST(SoftmaxTest, NegativeInfinityRowsAndNaN) {
  const Tensor x = Tensor::from_vector(
      std::vector<float>{-INFINITY, -INFINITY, -INFINITY,  // all -inf: NaN, as in PyTorch
                         -INFINITY, 0.0f, 0.0f,            // some -inf: zero weight there
                         1.0f, NAN, 2.0f,                  // NaN spreads over its row
                         INFINITY, 1.0f, 2.0f},            // +inf - +inf is NaN
      {4, 3});
  for (DType dtype : {DType::kF32, DType::kF16, DType::kF64}) {
    const std::vector<double> probabilities = elements(softmax(x.to(dtype)));
    const std::vector<double> logs = elements(log_softmax(x.to(dtype)));
    for (int i : {0, 1, 2, 6, 7, 8, 9}) {
      EXPECT_TRUE(std::isnan(probabilities[i])) << dtype_name(dtype) << " at " << i;
      EXPECT_TRUE(std::isnan(logs[i])) << dtype_name(dtype) << " at " << i;
    }
    EXPECT_EQ(probabilities[3], 0.0) << dtype_name(dtype);
    EXPECT_EQ(probabilities[4], 0.5) << dtype_name(dtype);
    EXPECT_EQ(probabilities[5], 0.5) << dtype_name(dtype);
    EXPECT_EQ(logs[3], -kInf) << dtype_name(dtype);
    EXPECT_NEAR(logs[4], std::log(0.5), 1e-3) << dtype_name(dtype);
  }
  // Along axis 0 (strided lines): the -inf column of rows 0 and 1 gives 0 at row 0's slot.
  const std::vector<double> columns = elements(softmax(x.slice(0, 0, 2), 0));
  EXPECT_TRUE(std::isnan(columns[0]));
  EXPECT_EQ(columns[1], 0.0);
  EXPECT_EQ(columns[4], 1.0);
}

TEST(SoftmaxTest, ZeroDimensionalAndEmptyInputs) {
  const Tensor scalar = Tensor::full({}, 3.5);
  for (int64_t axis : {0, -1}) {
    EXPECT_EQ(softmax(scalar, axis).shape(), Shape{});
    EXPECT_EQ(softmax(scalar, axis).item(), 1.0);
    EXPECT_EQ(log_softmax(scalar, axis).item(), 0.0);
  }
  EXPECT_EQ(softmax(Tensor::full({}, -1e4, DType::kF16)).item(), 1.0);
  EXPECT_EQ(softmax(Tensor::zeros({1, 0, 3}), 1).shape(), Shape({1, 0, 3}));
  EXPECT_EQ(log_softmax(Tensor::zeros({0}, DType::kBF16)).dtype(), DType::kBF16);
  EXPECT_EQ(elements(softmax(Tensor::full({1, 1}, 7.0))), (std::vector<double>{1.0}));
}

TEST(SoftmaxTest, IndependentOfThreadCount) {
  const testing::ThreadCountGuard restore;
  const Tensor x = testing::random_tensor({300, 257}, DType::kF32, 11, "strided", -10.0, 10.0);
  for (int64_t axis : {0, 1}) {
    set_num_threads(1);
    const std::vector<double> single = elements(softmax(x, axis));
    set_num_threads(2);
    EXPECT_EQ(elements(softmax(x, axis)), single) << "axis " << axis;
  }
}

TEST(SoftmaxTest, ErrorsNameTheProblem) {
  EXPECT_BITNET_ERROR(softmax(Tensor::zeros({2, 3}, DType::kI32)),
                      "softmax: needs a floating dtype, got i32");
  EXPECT_BITNET_ERROR(log_softmax(Tensor::zeros({2}, DType::kBool)),
                      "log_softmax: needs a floating dtype, got bool");
  EXPECT_BITNET_ERROR(softmax(Tensor::zeros({2, 3}), 2),
                      "softmax: axis 2 is out of range for a tensor of rank 2");
  EXPECT_BITNET_ERROR(log_softmax(Tensor::zeros({2, 3}), -3),
                      "log_softmax: axis -3 is out of range for a tensor of rank 2");
  EXPECT_BITNET_ERROR(softmax(Tensor::full({}, 1.0), 1),
                      "softmax: axis 1 is out of range for a tensor of rank 0");
  EXPECT_BITNET_ERROR(softmax(Tensor{}), "softmax: the tensor is undefined");
}

}  // namespace
}  // namespace bitnet

// Reductions against an independent long-double computation (support/reduce_reference.h): every
// op, dtype, layout
// (including broadcast and fully permuted views), axis subset and keepdim, plus the named edge
// cases (exact large sums, NaN, ties, empty dimensions, wrapping integers, thread-count
// independence).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
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
using testing::ThreadCountGuard;
using testing::unravel;
using namespace testing::reduce_reference;

// ---- the sweep ------------------------------------------------------------------------------

void sweep(const std::vector<Op>& ops, double low, double high) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const Shape& shape : sweep_shapes()) {
      for (DType dtype : kAllDTypes) {
        for (const std::string& layout : all_layouts()) {
          const Tensor x = make_input(shape, dtype, seed, layout, low, high);
          const std::vector<double> values = elements(x);
          for (const std::vector<int64_t>& axes : axis_lists(shape.rank())) {
            for (bool keepdim : {false, true}) {
              const std::string context = describe_case(shape, dtype, layout, axes, keepdim);
              for (Op op : ops) {
                const bool needs_elements = op == Op::kMax || op == Op::kMin;
                const uint32_t mask = axes_mask(axes, shape.rank());
                bool empty_reduction = false;
                for (int d = 0; d < shape.rank(); ++d) {
                  empty_reduction |= (mask >> d & 1u) != 0 && shape[d] == 0;
                }
                if (needs_elements && empty_reduction) continue;  // an error, tested apart
                check_reduction(op, x, values, axes, keepdim, 0, context);
                if (op == Op::kVar || op == Op::kStd) {
                  check_reduction(op, x, values, axes, keepdim, 1, context);
                }
                if (::testing::Test::HasFailure()) return;
              }
            }
          }
        }
      }
    }
  }
}

TEST(ReduceTest, SumAndMeanMatchReference) {
  sweep({Op::kSum, Op::kMean}, -3.0, 3.0);
}

// [0.5, 1.5] keeps float products of a thousand factors inside the range; integers wrap.
TEST(ReduceTest, ProdMatchesReference) {
  sweep({Op::kProd}, 0.5, 1.5);
}

TEST(ReduceTest, VarAndStdMatchReference) {
  sweep({Op::kVar, Op::kStd}, -3.0, 3.0);
}

TEST(ReduceTest, MaxAndMinMatchReference) {
  sweep({Op::kMax, Op::kMin}, -3.0, 3.0);
}

TEST(ReduceTest, ArgmaxAndArgminMatchReference) {
  for (uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    for (const Shape& shape : sweep_shapes()) {
      for (DType dtype : kAllDTypes) {
        for (const std::string& layout : all_layouts()) {
          // A narrow integer range makes ties common.
          const Tensor x = make_input(shape, dtype, seed, layout, -2.0, 2.0);
          const std::vector<double> values = elements(x);
          std::vector<std::optional<int64_t>> axes = {std::nullopt};
          for (int d = 0; d < shape.rank(); ++d) {
            axes.push_back(d);
            axes.push_back(d - shape.rank());
          }
          if (shape.rank() == 0) axes.push_back(0);
          for (const std::optional<int64_t>& axis : axes) {
            bool empty = x.numel() == 0 && !axis;
            if (axis && shape.rank() > 0) empty = shape[(*axis + shape.rank()) % shape.rank()] == 0;
            if (empty) continue;
            for (bool keepdim : {false, true}) {
              const std::string context = describe_case(shape, dtype, layout, {}, keepdim);
              check_arg(true, x, values, axis, keepdim, context);
              check_arg(false, x, values, axis, keepdim, context);
              if (::testing::Test::HasFailure()) return;
            }
          }
        }
      }
    }
  }
}

// ---- large inputs: the parallel and split paths ----------------------------------------------

std::vector<uint8_t> raw_bytes(const Tensor& tensor) {
  const Tensor dense = tensor.contiguous();
  const auto* begin = static_cast<const uint8_t*>(dense.data());
  return {begin, begin + dense.nbytes()};
}

struct LargeCase {
  Shape shape;
  std::vector<int64_t> axes;
  std::string layout;
};

const std::vector<LargeCase>& large_cases() {
  static const std::vector<LargeCase> cases = {
      {{200000}, {}, "contiguous"},      // full reduction: split into chunks
      {{300, 350}, {1}, "contiguous"},   // contiguous last axis, many outputs
      {{350, 1300}, {0}, "contiguous"},  // leading axis: rows into accumulator blocks
      {{3, 50000}, {1}, "contiguous"},   // few outputs, long runs: split
      {{50000, 3}, {0}, "contiguous"},   // few columns, many rows: split on the row path
      {{2, 700, 130}, {1}, "contiguous"}, {{300, 400}, {}, "transposed"},
      {{400, 300}, {0}, "strided"},       {{50, 40, 60}, {0, 2}, "reversed"},
      {{300, 350}, {1}, "broadcast"},
  };
  return cases;
}

TEST(ReduceTest, LargeInputsMatchReferenceAndIgnoreThreadCount) {
  ThreadCountGuard guard;
  const uint64_t seed = test_seeds().back();
  SCOPED_TRACE(seed_trace(seed));
  for (const LargeCase& large : large_cases()) {
    for (DType dtype : {DType::kF32, DType::kF64, DType::kBF16, DType::kI32}) {
      const Tensor x = make_input(large.shape, dtype, seed, large.layout);
      const std::vector<double> values = elements(x);
      const std::string context =
          describe_case(large.shape, dtype, large.layout, large.axes, false);
      for (Op op : {Op::kSum, Op::kMean, Op::kVar, Op::kMax, Op::kMin}) {
        set_num_threads(1);
        const Tensor single = run_op(op, x, large.axes, false, 1);
        for (int threads : {2, 3}) {
          set_num_threads(threads);
          const Tensor several = run_op(op, x, large.axes, false, 1);
          ASSERT_EQ(raw_bytes(single), raw_bytes(several))
              << context << " " << op_name(op) << " threads=" << threads;
        }
        set_num_threads(1);
        check_reduction(op, x, values, large.axes, false, 1, context);
        ASSERT_FALSE(::testing::Test::HasFailure());
      }
      for (bool maximum : {true, false}) {
        const std::optional<int64_t> axis =
            large.axes.size() == 1 ? std::optional<int64_t>(large.axes[0]) : std::nullopt;
        set_num_threads(1);
        const Tensor single = maximum ? argmax(x, axis) : argmin(x, axis);
        set_num_threads(2);
        const Tensor several = maximum ? argmax(x, axis) : argmin(x, axis);
        ASSERT_EQ(raw_bytes(single), raw_bytes(several)) << context;
        check_arg(maximum, x, values, axis, false, context);
        ASSERT_FALSE(::testing::Test::HasFailure());
      }
    }
  }
}

// Every length 0..1023 (all remainders modulo the kernels' lane counts and the pairwise block),
// contiguous and starting at an odd offset.
TEST(ReduceTest, ContiguousKernelsHandleEveryTail) {
  const uint64_t seed = test_seeds().back();
  SCOPED_TRACE(seed_trace(seed));
  for (DType dtype : {DType::kF32, DType::kF64, DType::kF16}) {
    for (int64_t length = 0; length <= 1023; ++length) {
      for (const std::string& layout : {"contiguous", "offset"}) {
        const Tensor x = make_input({length}, dtype, seed + static_cast<uint64_t>(length), layout);
        const std::vector<double> values = elements(x);
        const std::string context =
            std::string(dtype_name(dtype)) + " " + layout + " length=" + std::to_string(length);
        check_reduction(Op::kSum, x, values, {}, false, 0, context);
        check_reduction(Op::kVar, x, values, {}, false, 1, context);
        if (length > 0) {
          check_reduction(Op::kMax, x, values, {}, false, 0, context);
          check_reduction(Op::kMin, x, values, {}, false, 0, context);
          check_arg(true, x, values, std::nullopt, false, context);
        }
        ASSERT_FALSE(::testing::Test::HasFailure());
      }
    }
  }
}

TEST(ReduceTest, SumOfTenMillionOnesIsExact) {
  ThreadCountGuard guard;
  const Tensor ones = Tensor::ones({10'000'000});
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    EXPECT_EQ(sum(ones).item(), 1e7) << "threads=" << threads;
    EXPECT_EQ(mean(ones).item(), 1.0) << "threads=" << threads;
    EXPECT_EQ(sum(ones.view({10'000, 1'000}), {0}).to_vector<float>(),
              std::vector<float>(1'000, 10'000.0f));
    EXPECT_EQ(sum(ones.view({1'000, 10'000}), {1}).to_vector<float>(),
              std::vector<float>(1'000, 10'000.0f));
  }
}

TEST(ReduceTest, SumOfHugePlusManySmallIsExact) {
  ThreadCountGuard guard;
  std::vector<float> values(10'000'001, 1.0f);
  values[0] = 1e8f;
  const Tensor x = Tensor::from_vector(values, {10'000'001});
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    // f32 accumulation would stall at 1e8 (1 is below half its spacing); double does not.
    EXPECT_EQ(sum(x).item(), 1.1e8) << "threads=" << threads;
    EXPECT_EQ(sum(x.to(DType::kF64)).item(), 1.1e8) << "threads=" << threads;
  }
}

// ---- NaN, infinities, ties ------------------------------------------------------------------

TEST(ReduceTest, NaNPropagatesThroughSumMaxMin) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t length : {1, 7, 8, 33, 1023}) {
    for (int64_t position : {int64_t{0}, length / 2, length - 1}) {
      std::vector<float> values(static_cast<size_t>(length), 1.5f);
      values[static_cast<size_t>(position)] = nan;
      const Tensor x = Tensor::from_vector(values, {length});
      const std::string context =
          "length=" + std::to_string(length) + " position=" + std::to_string(position);
      EXPECT_TRUE(std::isnan(sum(x).item())) << context;
      EXPECT_TRUE(std::isnan(mean(x).item())) << context;
      EXPECT_TRUE(std::isnan(max(x).item())) << context;
      EXPECT_TRUE(std::isnan(min(x).item())) << context;
      EXPECT_TRUE(std::isnan(max(x.to(DType::kF16)).item())) << context;
      EXPECT_TRUE(std::isnan(min(x.to(DType::kF64)).item())) << context;
      // NaN in one column of a [length, 3] matrix: the row path (leading axis, and the transposed
      // view's last axis) and the contiguous path (a contiguous copy of the transpose).
      std::vector<float> matrix_values(static_cast<size_t>(length * 3), 2.0f);
      matrix_values[static_cast<size_t>(position * 3 + 1)] = nan;
      const Tensor matrix = Tensor::from_vector(matrix_values, {length, 3});
      for (const Tensor& result :
           {max(matrix, {0}), min(matrix.transpose(0, 1), {1}),
            max(matrix.transpose(0, 1).contiguous(), {1}), sum(matrix, {0})}) {
        const std::vector<double> got = elements(result);
        EXPECT_TRUE(std::isnan(got[1])) << context;
        EXPECT_FALSE(std::isnan(got[0]) || std::isnan(got[2])) << context;
      }
    }
  }
  // NaN first, then larger values: a later number must not replace it.
  const Tensor first = Tensor::from_vector(std::vector<float>{nan, 5.0f, -5.0f}, {3});
  EXPECT_TRUE(std::isnan(max(first).item()));
  EXPECT_TRUE(std::isnan(min(first.to(DType::kBF16)).item()));
}

// Every triple drawn from {NaN, +-Inf, +-max, +-0, 1, denormal}, as the columns of a [3, 729]
// matrix: reduced over axis 0 (the row path), over axis 1 of its contiguous transpose (contiguous
// runs) and of the transposed view (strided runs).
TEST(ReduceTest, ExtremalValuesMatchReference) {
  for (DType dtype : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    const double largest = largest_finite(dtype);
    const double denormal = 2 * smallest_subnormal(dtype);
    const std::vector<double> pool = {NAN, INFINITY, -INFINITY, largest, -largest,
                                      0.0, -0.0,     1.0,       denormal};
    const int64_t combinations = 9 * 9 * 9;
    std::vector<double> values(static_cast<size_t>(3 * combinations));
    for (int64_t c = 0; c < combinations; ++c) {
      values[static_cast<size_t>(c)] = pool[static_cast<size_t>(c % 9)];
      values[static_cast<size_t>(combinations + c)] = pool[static_cast<size_t>(c / 9 % 9)];
      values[static_cast<size_t>(2 * combinations + c)] = pool[static_cast<size_t>(c / 81)];
    }
    const Tensor matrix = cast(Tensor::from_vector(values, {3, combinations}), dtype);
    const Tensor transposed = matrix.transpose(0, 1);
    const std::vector<std::pair<Tensor, int64_t>> inputs = {
        {matrix, 0}, {transposed.contiguous(), 1}, {transposed, 1}};
    for (const auto& [x, axis] : inputs) {
      const std::vector<double> x_values = elements(x);
      const std::string context = std::string(dtype_name(dtype)) + " axis=" + std::to_string(axis) +
                                  (x.is_contiguous() ? " contiguous" : " view");
      for (Op op : {Op::kSum, Op::kProd, Op::kMean, Op::kVar, Op::kMax, Op::kMin}) {
        check_reduction(op, x, x_values, {axis}, false, 0, context);
        ASSERT_FALSE(::testing::Test::HasFailure());
      }
      check_arg(true, x, x_values, axis, false, context);
      check_arg(false, x, x_values, axis, false, context);
      ASSERT_FALSE(::testing::Test::HasFailure());
    }
  }
}

TEST(ReduceTest, InfinitiesFollowIeeeRules) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = Tensor::from_vector(std::vector<float>{inf, -inf}, {2});
  EXPECT_TRUE(std::isnan(sum(x).item()));
  EXPECT_EQ(max(x).item(), inf);
  EXPECT_EQ(min(x).item(), -inf);
  const Tensor negative = Tensor::full({5}, -inf);
  EXPECT_EQ(max(negative).item(), -inf);
  EXPECT_EQ(sum(negative).item(), -inf);
  EXPECT_EQ(argmax(negative).item(), 0);
  // A finite f32 sum whose f16 result overflows.
  EXPECT_EQ(sum(Tensor::full({3}, 30000.0, DType::kF16)).item(), INFINITY);
}

TEST(ReduceTest, ArgmaxPicksFirstOfTiesAndFirstNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor ties = Tensor::from_vector(std::vector<float>{1, 3, 3, -2, -2, 0}, {6});
  EXPECT_EQ(argmax(ties).item(), 1);
  EXPECT_EQ(argmin(ties).item(), 3);
  const Tensor with_nan = Tensor::from_vector(std::vector<float>{1, 9, nan, -9, nan}, {5});
  EXPECT_EQ(argmax(with_nan).item(), 2);
  EXPECT_EQ(argmin(with_nan).item(), 2);
  EXPECT_EQ(argmax(with_nan.to(DType::kF16)).item(), 2);
  // Along an axis, on both paths (rows of a leading-axis reduction and contiguous runs).
  const Tensor matrix = Tensor::from_vector(std::vector<float>{4, nan, 1, 2,  //
                                                               4, 7, nan, 2,  //
                                                               0, 7, 5, nan},
                                            {3, 4});
  EXPECT_EQ(argmax(matrix, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1, 2}));
  EXPECT_EQ(argmin(matrix, 0).to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 1, 2}));
  EXPECT_EQ(argmax(matrix, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(argmax(matrix.transpose(0, 1), 1).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0, 1, 2}));
  // The flattened index is row-major even for a transposed view.
  EXPECT_EQ(argmax(matrix.transpose(0, 1)).item(), 3);  // [4,4,0,nan,...]
  const Tensor bools = Tensor::from_vector(std::vector<bool>{false, true, true}, {3});
  EXPECT_EQ(argmax(bools).item(), 1);
  EXPECT_EQ(argmin(bools).item(), 0);
  EXPECT_EQ(argmax(ties, 0, true).shape(), Shape({1}));
  EXPECT_EQ(argmax(matrix, std::nullopt, true).shape(), Shape({1, 1}));
}

// ---- dtypes, integers, empty and 0-d inputs -------------------------------------------------

TEST(ReduceTest, ResultDtypes) {
  for (DType dtype : kAllDTypes) {
    const Tensor x = Tensor::ones({2, 3}, dtype);
    const DType floating = is_floating(dtype) ? dtype : DType::kF32;
    const DType wide = is_floating(dtype) ? dtype : DType::kI64;
    EXPECT_EQ(sum(x).dtype(), wide) << dtype_name(dtype);
    EXPECT_EQ(prod(x).dtype(), wide) << dtype_name(dtype);
    EXPECT_EQ(mean(x).dtype(), floating) << dtype_name(dtype);
    EXPECT_EQ(var(x).dtype(), floating) << dtype_name(dtype);
    EXPECT_EQ(bitnet::std(x).dtype(), floating) << dtype_name(dtype);
    EXPECT_EQ(max(x).dtype(), dtype) << dtype_name(dtype);
    EXPECT_EQ(min(x).dtype(), dtype) << dtype_name(dtype);
    EXPECT_EQ(argmax(x).dtype(), DType::kI64) << dtype_name(dtype);
  }
}

TEST(ReduceTest, IntegerSumsAreExactAndWrap) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  const Tensor wrap = Tensor::from_vector(std::vector<int64_t>{big, 1}, {2});
  EXPECT_EQ(sum(wrap).to_vector<int64_t>()[0], std::numeric_limits<int64_t>::min());
  const Tensor square =
      Tensor::from_vector(std::vector<int64_t>{int64_t{1} << 32, int64_t{1} << 32}, {2});
  EXPECT_EQ(prod(square).to_vector<int64_t>()[0], 0);
  // i8 values summed far past the i8 range; large i32 sums past the i32 range.
  EXPECT_EQ(sum(Tensor::full({1000}, 100, DType::kI8)).to_vector<int64_t>()[0], 100'000);
  EXPECT_EQ(sum(Tensor::full({100}, 2e9, DType::kI32)).to_vector<int64_t>()[0], 200'000'000'000);
  EXPECT_EQ(sum(Tensor::full({300}, 255, DType::kU8)).to_vector<int64_t>()[0], 76'500);
  // Exact beyond 2^53, where a double accumulator would round.
  const int64_t above = (int64_t{1} << 53) + 1;
  EXPECT_EQ(
      sum(Tensor::from_vector(std::vector<int64_t>{above, above}, {2})).to_vector<int64_t>()[0],
      2 * above);
  const Tensor bools = Tensor::from_vector(std::vector<bool>{true, false, true, true}, {4});
  EXPECT_EQ(sum(bools).item(), 3);
  EXPECT_EQ(prod(bools).item(), 0);
  EXPECT_EQ(max(bools).item(), 1);
  EXPECT_EQ(min(bools).item(), 0);
  EXPECT_DOUBLE_EQ(mean(bools).item(), 0.75);
}

TEST(ReduceTest, EmptyReductionsGiveIdentities) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI32, DType::kBool}) {
    const Tensor empty = Tensor::zeros({0}, dtype);
    EXPECT_EQ(sum(empty).item(), 0.0) << dtype_name(dtype);
    EXPECT_EQ(prod(empty).item(), 1.0) << dtype_name(dtype);
    EXPECT_TRUE(std::isnan(mean(empty).item())) << dtype_name(dtype);
    EXPECT_TRUE(std::isnan(var(empty).item())) << dtype_name(dtype);
    EXPECT_TRUE(std::isnan(bitnet::std(empty, {}, 1).item())) << dtype_name(dtype);
  }
  const Tensor x = Tensor::zeros({1, 0, 3});
  EXPECT_EQ(sum(x, {1}).shape(), Shape({1, 3}));
  EXPECT_EQ(sum(x, {1}).to_vector<float>(), std::vector<float>(3, 0.0f));
  EXPECT_EQ(prod(x, {1}, true).to_vector<float>(), std::vector<float>(3, 1.0f));
  EXPECT_EQ(prod(x, {1}, true).shape(), Shape({1, 1, 3}));
  // Nothing to compute when the output is empty, whatever the op.
  EXPECT_EQ(max(x, {2}).shape(), Shape({1, 0}));
  EXPECT_EQ(argmin(x, 2).shape(), Shape({1, 0}));
  EXPECT_EQ(sum(x, {0, 2}).shape(), Shape({0}));
}

TEST(ReduceTest, VarianceWithoutDegreesOfFreedomIsNaN) {
  const Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 4}, {3});
  EXPECT_FLOAT_EQ(var(x).item(), 14.0f / 9.0f);
  EXPECT_FLOAT_EQ(var(x, {}, 1).item(), 7.0f / 3.0f);
  EXPECT_FLOAT_EQ(var(x, {}, 2).item(), 14.0f / 3.0f);
  EXPECT_TRUE(std::isnan(var(x, {}, 3).item()));
  EXPECT_TRUE(std::isnan(bitnet::std(x, {}, 7).item()));
  EXPECT_TRUE(std::isnan(var(Tensor::ones({1}), {}, 1).item()));
  // Constant input: exactly zero, never a small negative from cancellation.
  EXPECT_EQ(var(Tensor::full({1000}, 0.1)).item(), 0.0);
  // Large offset, small spread: the two-pass algorithm keeps the digits.
  const Tensor offset =
      Tensor::from_vector(std::vector<double>{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}, {4});
  EXPECT_DOUBLE_EQ(var(offset, {}, 1).item(), 30.0);
}

TEST(ReduceTest, ZeroDimensionalInputs) {
  const Tensor scalar = Tensor::full({}, 2.5);
  for (const std::vector<int64_t>& axes : std::vector<std::vector<int64_t>>{{}, {0}, {-1}}) {
    EXPECT_EQ(sum(scalar, axes).shape(), Shape{});
    EXPECT_EQ(sum(scalar, axes).item(), 2.5);
    EXPECT_EQ(prod(scalar, axes, true).item(), 2.5);
    EXPECT_EQ(max(scalar, axes).item(), 2.5);
    EXPECT_EQ(var(scalar, axes).item(), 0.0);
  }
  EXPECT_EQ(argmax(scalar).item(), 0);
  EXPECT_EQ(argmin(scalar, 0, true).item(), 0);
  EXPECT_BITNET_ERROR(sum(scalar, {1}), "sum: axis 1 is out of range for a tensor of rank 0");
  EXPECT_BITNET_ERROR(sum(scalar, {0, -1}), "appears more than once");
}

TEST(ReduceTest, SizeOneAndExpandedDimensions) {
  // Reducing only size-1 axes copies the values through the reducer (sum of one element).
  const Tensor x = testing::random_tensor({1, 5, 1}, DType::kF32, 7);
  EXPECT_EQ(elements(sum(x, {0, 2})), elements(x.view({5})));
  EXPECT_EQ(elements(max(x, {2}, true)), elements(x));
  // A stride-0 dimension counts every repeat.
  const Tensor row = Tensor::arange(0, 4).view({1, 4}).expand({1000, 4});
  EXPECT_EQ(sum(row, {0}).to_vector<float>(), (std::vector<float>{0, 1000, 2000, 3000}));
  EXPECT_EQ(sum(row).item(), 6000.0);
  EXPECT_EQ(argmax(row, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 0}));
}

// ---- errors ---------------------------------------------------------------------------------

TEST(ReduceTest, ErrorsNameTheProblem) {
  const Tensor x = Tensor::zeros({2, 3});
  EXPECT_BITNET_ERROR(sum(x, {2}), "sum: axis 2 is out of range for a tensor of rank 2");
  EXPECT_BITNET_ERROR(mean(x, {-3}), "mean: axis -3 is out of range for a tensor of rank 2");
  EXPECT_BITNET_ERROR(var(x, {0, 5}), "var: axis 5 is out of range for a tensor of rank 2");
  EXPECT_BITNET_ERROR(argmax(x, 2), "argmax: axis 2 is out of range for a tensor of rank 2");
  EXPECT_BITNET_ERROR(sum(x, {1, -1}), "sum: axis 1 appears more than once in axes [1,-1]");
  EXPECT_BITNET_ERROR(max(x, {0, 0}), "max: axis 0 appears more than once");
  EXPECT_BITNET_ERROR(max(Tensor::zeros({0, 3})),
                      "max: cannot reduce over an empty dimension of shape [0,3]");
  EXPECT_BITNET_ERROR(min(Tensor::zeros({0, 3}), {0}),
                      "min: cannot reduce over an empty dimension");
  EXPECT_BITNET_ERROR(argmax(Tensor::zeros({0})), "argmax: cannot reduce over an empty dimension");
  EXPECT_BITNET_ERROR(argmin(Tensor::zeros({2, 0}), 1), "axis 1 has size 0");
  EXPECT_BITNET_ERROR(sum(Tensor{}), "sum: the tensor is undefined");
  EXPECT_BITNET_ERROR(argmax(Tensor{}), "argmax: the tensor is undefined");
}

}  // namespace
}  // namespace bitnet

// Views share storage and address the right elements; copies happen only where documented.
#include <gtest/gtest.h>

#include <numeric>

#include "bitnet/bitnet.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::elements;

// 0, 1, 2, ... as f64 in the given shape.
Tensor iota(const Shape& shape) {
  const int64_t numel = checked_numel(shape);
  return Tensor::arange(0, static_cast<double>(numel), 1, DType::kF64).view(shape);
}

std::vector<double> range(int64_t count) {
  std::vector<double> values(static_cast<size_t>(count));
  std::iota(values.begin(), values.end(), 0.0);
  return values;
}

TEST(TensorViewTest, ViewSharesStorageAndInfersMinusOne) {
  Tensor base = iota({2, 3, 4});
  Tensor viewed = base.view({6, -1});
  EXPECT_TRUE(viewed.shares_storage(base));
  EXPECT_EQ(viewed.shape(), (Shape{6, 4}));
  EXPECT_EQ(elements(viewed), range(24));
  EXPECT_BITNET_ERROR(base.view({5, -1}),
                      "cannot infer -1 in [5,-1] for a tensor of shape [2,3,4]");
  EXPECT_BITNET_ERROR(base.view({-1, -1}), "more than one -1");
  EXPECT_BITNET_ERROR(base.view({7, 3}), "view: shape [7,3] does not match the 24 elements");
}

TEST(TensorViewTest, ViewOfNonContiguousWhenStridesAllow) {
  Tensor base = iota({4, 6});
  Tensor columns = base.slice(1, 0, 6, 2);  // [4,3], strides [6,2]
  Tensor merged = columns.unsqueeze(0).view({1, 4, 3});
  EXPECT_TRUE(merged.shares_storage(base));
  // Splitting a strided dimension is a view too.
  Tensor rows = base.slice(0, 0, 4, 2);  // [2,6], strides [12,1]
  Tensor split = rows.view({2, 2, 3});
  EXPECT_TRUE(split.shares_storage(base));
  EXPECT_EQ(elements(split), elements(rows));
  // Merging the rows of a transposed matrix needs a copy.
  Tensor transposed = base.transpose(0, 1);
  EXPECT_BITNET_ERROR(transposed.view({24}), "cannot be viewed as [24] without a copy");
  Tensor reshaped = transposed.reshape({24});
  EXPECT_FALSE(reshaped.shares_storage(base));
  EXPECT_EQ(elements(reshaped), elements(transposed));
}

TEST(TensorViewTest, ReshapeIsAViewWhenPossible) {
  Tensor base = iota({3, 4});
  EXPECT_TRUE(base.reshape({4, 3}).shares_storage(base));
  EXPECT_TRUE(base.reshape({12}).shares_storage(base));
  EXPECT_EQ(elements(base.reshape({2, 2, 3})), range(12));
}

TEST(TensorViewTest, PermuteAndTranspose) {
  Tensor base = iota({2, 3, 4});
  Tensor permuted = base.permute({2, 0, 1});
  EXPECT_TRUE(permuted.shares_storage(base));
  EXPECT_EQ(permuted.shape(), (Shape{4, 2, 3}));
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      for (int64_t k = 0; k < 3; ++k) {
        EXPECT_EQ(testing::element_at(permuted, (i * 2 + j) * 3 + k), double(j * 12 + k * 4 + i));
      }
    }
  }
  EXPECT_BITNET_ERROR(base.permute({0, 0, 1}), "axis 0 appears more than once");
  EXPECT_BITNET_ERROR(base.permute({0, 1}), "2 axes given for a tensor of rank 3");
  EXPECT_BITNET_ERROR(base.transpose(0, 3), "transpose: axis 3 is out of range");
  EXPECT_FALSE(base.transpose(0, 2).is_contiguous());
  EXPECT_TRUE(base.transpose(0, 2).transpose(0, 2).is_contiguous());
}

TEST(TensorViewTest, SliceWithNegativeIndicesAndSteps) {
  Tensor base = iota({10});
  EXPECT_EQ(elements(base.slice(0, 2, 8, 3)), (std::vector<double>{2, 5}));
  EXPECT_EQ(elements(base.slice(0, -3)), (std::vector<double>{7, 8, 9}));
  EXPECT_EQ(elements(base.slice(0, 1, -1, 4)), (std::vector<double>{1, 5}));
  EXPECT_EQ(base.slice(0, 8, 2).numel(), 0);        // stop before start: empty
  EXPECT_EQ(base.slice(0, -100, 100).numel(), 10);  // bounds clamp like Python
  EXPECT_TRUE(base.slice(0, 2, 8, 3).shares_storage(base));
  EXPECT_BITNET_ERROR(base.slice(0, 0, 5, 0), "step must be positive, got 0");
  EXPECT_BITNET_ERROR(base.slice(1, 0, 5), "slice: axis 1 is out of range for a tensor of rank 1");
  Tensor matrix = iota({4, 5});
  Tensor block = matrix.slice(0, 1, 3).slice(1, -2);
  EXPECT_EQ(elements(block), (std::vector<double>{8, 9, 13, 14}));
}

TEST(TensorViewTest, SelectDropsTheAxis) {
  Tensor base = iota({3, 4});
  EXPECT_EQ(elements(base.select(0, -1)), (std::vector<double>{8, 9, 10, 11}));
  EXPECT_EQ(elements(base.select(1, 2)), (std::vector<double>{2, 6, 10}));
  EXPECT_BITNET_ERROR(base.select(0, 3), "select: index 3 is out of range for axis 0 of size 3");
}

TEST(TensorViewTest, ExpandUsesStrideZero) {
  Tensor row = iota({1, 3});
  Tensor expanded = row.expand({4, 3});
  EXPECT_TRUE(expanded.shares_storage(row));
  EXPECT_EQ(expanded.strides()[0], 0);
  EXPECT_EQ(elements(expanded), (std::vector<double>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}));
  Tensor prepended = iota({3}).expand({2, -1});
  EXPECT_EQ(prepended.shape(), (Shape{2, 3}));
  EXPECT_BITNET_ERROR(iota({2, 3}).expand({4, 3}), "expand: cannot expand shape [2,3] to [4,3]");
  EXPECT_EQ(iota({1}).expand({0}).numel(), 0);
}

TEST(TensorViewTest, SqueezeUnsqueezeFlatten) {
  Tensor base = iota({1, 3, 1, 2});
  EXPECT_EQ(base.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(base.squeeze(2).shape(), (Shape{1, 3, 2}));
  EXPECT_BITNET_ERROR(base.squeeze(1), "squeeze: axis 1 of shape [1,3,1,2] has size 3, not 1");
  EXPECT_EQ(base.unsqueeze(-1).shape(), (Shape{1, 3, 1, 2, 1}));
  EXPECT_EQ(base.unsqueeze(0).shape(), (Shape{1, 1, 3, 1, 2}));
  EXPECT_TRUE(base.unsqueeze(4).shares_storage(base));
  Tensor cube = iota({2, 3, 4});
  EXPECT_EQ(cube.flatten().shape(), (Shape{24}));
  EXPECT_EQ(cube.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(cube.flatten(0, 1).shape(), (Shape{6, 4}));
  EXPECT_TRUE(cube.flatten(0, 1).shares_storage(cube));
  Tensor scalar = Tensor::full({}, 5.0);
  EXPECT_EQ(scalar.flatten().shape(), (Shape{1}));
  EXPECT_EQ(scalar.unsqueeze(0).shape(), (Shape{1}));
}

TEST(TensorViewTest, ContiguousCopiesOnlyWhenNeeded) {
  Tensor base = iota({3, 4});
  EXPECT_TRUE(base.contiguous().shares_storage(base));
  Tensor transposed = base.transpose(0, 1);
  Tensor copy = transposed.contiguous();
  EXPECT_FALSE(copy.shares_storage(base));
  EXPECT_TRUE(copy.is_contiguous());
  EXPECT_EQ(elements(copy), elements(transposed));
  // Size-1 dimensions do not break contiguity, whatever their stride.
  EXPECT_TRUE(base.slice(0, 1, 2).is_contiguous());
  EXPECT_TRUE(base.slice(1, 0, 4, 2).slice(0, 0, 0).is_contiguous());
}

TEST(TensorViewTest, ViewsOfZeroDimensionalAndEmptyTensors) {
  Tensor scalar = Tensor::full({}, 3.5);
  EXPECT_EQ(scalar.view({1, 1}).shape(), (Shape{1, 1}));
  EXPECT_EQ(scalar.reshape({}).item(), 3.5);
  Tensor empty = Tensor::zeros({0, 3});
  EXPECT_EQ(empty.view({3, 0}).shape(), (Shape{3, 0}));
  EXPECT_EQ(empty.transpose(0, 1).contiguous().shape(), (Shape{3, 0}));
  EXPECT_EQ(empty.reshape({-1, 3}).shape(), (Shape{0, 3}));
}

TEST(TensorViewTest, CopyFromBroadcastsCastsAndHandlesAliasing) {
  Tensor target = Tensor::zeros({2, 3}, DType::kI32);
  target.copy_from(Tensor::arange(0, 3, 1, DType::kF64));
  EXPECT_EQ(elements(target), (std::vector<double>{0, 1, 2, 0, 1, 2}));
  Tensor square = iota({3, 3});
  square.copy_from(square.transpose(0, 1));  // overlapping source: must read before writing
  EXPECT_EQ(elements(square), (std::vector<double>{0, 3, 6, 1, 4, 7, 2, 5, 8}));
  EXPECT_BITNET_ERROR(target.copy_from(iota({4})), "copy_from");
}

TEST(TensorViewTest, UndefinedTensorIsRefused) {
  Tensor undefined;
  EXPECT_FALSE(undefined.defined());
  EXPECT_BITNET_ERROR(undefined.view({1}), "view: the tensor is undefined");
  EXPECT_BITNET_ERROR(undefined.item(), "item: the tensor is undefined");
}

}  // namespace
}  // namespace bitnet

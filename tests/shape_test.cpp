#include <gtest/gtest.h>

#include "bitnet/shape.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

TEST(ShapeTest, BasicsAndFormatting) {
  Shape shape{2, 3, 4};
  EXPECT_EQ(shape.rank(), 3);
  EXPECT_EQ(to_string(shape), "[2,3,4]");
  EXPECT_EQ(to_string(Shape{}), "[]");
  shape.insert(1, 7);
  EXPECT_EQ(to_string(shape), "[2,7,3,4]");
  shape.erase(0);
  EXPECT_EQ(to_string(shape), "[7,3,4]");
  EXPECT_EQ(contiguous_strides(Shape{2, 3, 4}), (Shape{12, 4, 1}));
}

TEST(ShapeTest, RankLimit) {
  EXPECT_BITNET_ERROR(Shape(std::vector<int64_t>(kMaxRank + 1, 1)), "exceeds the maximum");
}

TEST(ShapeTest, NumelChecksOverflowAndNegatives) {
  EXPECT_EQ(checked_numel(Shape{}), 1);
  EXPECT_EQ(checked_numel(Shape{2, 0, 5}), 0);
  EXPECT_EQ(checked_numel(Shape{1LL << 40, 0, 1LL << 40}), 0);
  EXPECT_BITNET_ERROR(checked_numel(Shape{1LL << 40, 1LL << 40}), "overflows int64");
  EXPECT_BITNET_ERROR(checked_numel(Shape{2, -1}), "negative dimension");
  EXPECT_BITNET_ERROR(checked_bytes(1LL << 62, 8, "zeros"), "zeros: 4611686018427387904 elements");
}

TEST(ShapeTest, Broadcasting) {
  EXPECT_EQ(broadcast_shapes({3, 1}, {1, 4}, "add"), (Shape{3, 4}));
  EXPECT_EQ(broadcast_shapes({5}, {2, 5}, "add"), (Shape{2, 5}));
  EXPECT_EQ(broadcast_shapes({}, {2, 5}, "add"), (Shape{2, 5}));
  EXPECT_EQ(broadcast_shapes({0, 1}, {1, 3}, "add"), (Shape{0, 3}));
  EXPECT_BITNET_ERROR(broadcast_shapes({2, 3}, {4}, "add"),
                      "add: shapes [2,3] and [4] cannot be broadcast together");
}

TEST(ShapeTest, NormalizeAxis) {
  EXPECT_EQ(normalize_axis(-1, 3, "sum"), 2);
  EXPECT_EQ(normalize_axis(0, 3, "sum"), 0);
  EXPECT_BITNET_ERROR(normalize_axis(3, 3, "sum"),
                      "sum: axis 3 is out of range for a tensor of rank 3");
  EXPECT_BITNET_ERROR(normalize_axis(-4, 3, "sum"), "axis -4");
  EXPECT_BITNET_ERROR(normalize_axis(0, 0, "sum"), "rank 0");
}

}  // namespace
}  // namespace bitnet

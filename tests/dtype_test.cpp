#include <gtest/gtest.h>

#include "bitnet/dtype.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

TEST(DTypeTest, NamesRoundTrip) {
  for (DType dtype : kAllDTypes) EXPECT_EQ(dtype_from_name(dtype_name(dtype)), dtype);
  EXPECT_BITNET_ERROR(dtype_from_name("f128"), "unknown dtype 'f128'");
}

TEST(DTypeTest, Sizes) {
  EXPECT_EQ(dtype_size(DType::kBool), 1u);
  EXPECT_EQ(dtype_size(DType::kF16), 2u);
  EXPECT_EQ(dtype_size(DType::kBF16), 2u);
  EXPECT_EQ(dtype_size(DType::kI32), 4u);
  EXPECT_EQ(dtype_size(DType::kF64), 8u);
}

TEST(DTypeTest, PromotionTable) {
  EXPECT_EQ(promote_types(DType::kBool, DType::kBool), DType::kBool);
  EXPECT_EQ(promote_types(DType::kBool, DType::kU8), DType::kU8);
  EXPECT_EQ(promote_types(DType::kU8, DType::kI8), DType::kI32);
  EXPECT_EQ(promote_types(DType::kI8, DType::kI32), DType::kI32);
  EXPECT_EQ(promote_types(DType::kI32, DType::kI64), DType::kI64);
  EXPECT_EQ(promote_types(DType::kI64, DType::kF16), DType::kF16);
  EXPECT_EQ(promote_types(DType::kF16, DType::kBF16), DType::kF32);
  EXPECT_EQ(promote_types(DType::kBF16, DType::kF32), DType::kF32);
  EXPECT_EQ(promote_types(DType::kF32, DType::kF64), DType::kF64);
  // Symmetric for every pair.
  for (DType a : kAllDTypes) {
    for (DType b : kAllDTypes) EXPECT_EQ(promote_types(a, b), promote_types(b, a));
  }
}

TEST(DTypeTest, ToFloating) {
  EXPECT_EQ(to_floating(DType::kI32), DType::kF32);
  EXPECT_EQ(to_floating(DType::kBool), DType::kF32);
  EXPECT_EQ(to_floating(DType::kBF16), DType::kBF16);
  EXPECT_EQ(to_floating(DType::kF64), DType::kF64);
}

}  // namespace
}  // namespace bitnet

#include <gtest/gtest.h>

#include <cmath>

#include "bitnet/bitnet.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::elements;

TEST(TensorFactoryTest, ZerosOnesFullInEveryDType) {
  for (DType dtype : kAllDTypes) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    EXPECT_EQ(elements(Tensor::zeros({2, 3}, dtype)), std::vector<double>(6, 0.0));
    EXPECT_EQ(elements(Tensor::ones({4}, dtype)), std::vector<double>(4, 1.0));
    Tensor filled = Tensor::full({3}, 2.0, dtype);
    EXPECT_EQ(filled.dtype(), dtype);
    EXPECT_EQ(elements(filled), std::vector<double>(3, dtype == DType::kBool ? 1.0 : 2.0));
    EXPECT_TRUE(filled.is_contiguous());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(filled.data()) % kStorageAlignment, 0u);
  }
  EXPECT_EQ(Tensor::full({}, 7.0).item(), 7.0);
  EXPECT_EQ(Tensor::full({2}, 300.0, DType::kI8).to_vector<int8_t>()[0], 127);  // saturates
  EXPECT_EQ(Tensor::empty({0, 5}).numel(), 0);
}

TEST(TensorFactoryTest, ArangeFollowsNumPy) {
  EXPECT_EQ(elements(Tensor::arange(0, 5)), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(elements(Tensor::arange(5, 0, -2)), (std::vector<double>{5, 3, 1}));
  EXPECT_EQ(Tensor::arange(1, 1).numel(), 0);
  EXPECT_EQ(Tensor::arange(0, 1, 0.25, DType::kF64).numel(), 4);
  EXPECT_EQ(Tensor::arange(0, 3, 1, DType::kI64).dtype(), DType::kI64);
  EXPECT_BITNET_ERROR(Tensor::arange(0, 1, 0), "arange: step must not be zero");
  EXPECT_BITNET_ERROR(Tensor::arange(0, NAN), "must be finite");
  EXPECT_BITNET_ERROR(Tensor::arange(0, 1e18, 1), "too many");
}

TEST(TensorFactoryTest, FromDataCopies) {
  std::vector<float> values{1, 2, 3, 4, 5, 6};
  Tensor tensor = Tensor::from_vector(values, {2, 3});
  values[0] = 100;
  EXPECT_EQ(tensor.to_vector<float>()[0], 1.0f);
  EXPECT_BITNET_ERROR(Tensor::from_vector(values, {4, 2}),
                      "from_data: 24 bytes given, shape [4,2] of f32 needs 32");
  Tensor flags = Tensor::from_vector(std::vector<bool>{true, false, true}, {3});
  EXPECT_EQ(flags.dtype(), DType::kBool);
  EXPECT_EQ(elements(flags), (std::vector<double>{1, 0, 1}));
}

TEST(TensorFactoryTest, FromBlobDoesNotCopyAndCallsTheDeleter) {
  int deleted = 0;
  std::vector<float> buffer{1, 2, 3, 4, 5, 6};
  {
    Tensor wrapped = Tensor::from_blob(buffer.data(), {2, 3}, DType::kF32, [&](void* pointer) {
      EXPECT_EQ(pointer, buffer.data());
      ++deleted;
    });
    Tensor view = wrapped.transpose(0, 1);
    buffer[1] = 20;
    EXPECT_EQ(testing::element_at(view, 2), 20.0);  // no copy: sees the caller's write
    wrapped = Tensor();
    EXPECT_EQ(deleted, 0);  // the transposed view still holds the storage
  }
  EXPECT_EQ(deleted, 1);
  // Custom strides: every other element.
  Tensor strided = Tensor::from_blob(buffer.data(), {3}, DType::kF32, {}, Shape{2});
  EXPECT_EQ(elements(strided), (std::vector<double>{1, 3, 5}));
  EXPECT_BITNET_ERROR(Tensor::from_blob(buffer.data(), {2}, DType::kF32, {}, Shape{-1}),
                      "negative stride");
}

TEST(TensorFactoryTest, RandomIsReproducibleAndIndependentOfThreads) {
  std::vector<float> one_thread;
  std::vector<float> two_threads;
  {
    const testing::ThreadCountGuard restore;
    set_num_threads(1);
    one_thread = Tensor::normal({300000}, 7).to_vector<float>();
    set_num_threads(2);
    two_threads = Tensor::normal({300000}, 7).to_vector<float>();
  }
  EXPECT_EQ(one_thread, two_threads);
  EXPECT_NE(Tensor::normal({16}, 7).to_vector<float>(), Tensor::normal({16}, 8).to_vector<float>());
}

TEST(TensorFactoryTest, RandomDistributionsHaveTheRightMoments) {
  const std::vector<double> uniform =
      Tensor::uniform({200000}, 3, -2, 6, DType::kF64).to_vector<double>();
  double sum = 0, minimum = 1e9, maximum = -1e9;
  for (double value : uniform) {
    sum += value;
    minimum = std::min(minimum, value);
    maximum = std::max(maximum, value);
  }
  EXPECT_NEAR(sum / uniform.size(), 2.0, 0.03);
  EXPECT_GE(minimum, -2.0);
  EXPECT_LT(maximum, 6.0);
  const std::vector<double> normal =
      Tensor::normal({200000}, 5, 1.5, 2.0, DType::kF64).to_vector<double>();
  double mean = 0, square = 0;
  for (double value : normal) mean += value;
  mean /= normal.size();
  for (double value : normal) square += (value - mean) * (value - mean);
  EXPECT_NEAR(mean, 1.5, 0.03);
  EXPECT_NEAR(std::sqrt(square / normal.size()), 2.0, 0.03);
  EXPECT_BITNET_ERROR(Tensor::uniform({2}, 1, 3, 1), "uniform: need finite low <= high");
  EXPECT_BITNET_ERROR(Tensor::normal({2}, 1, 0, -1), "normal: need finite mean and stddev >= 0");
}

TEST(TensorFactoryTest, ItemAndDataAs) {
  Tensor value = Tensor::full({1, 1}, 2.5, DType::kF16);
  EXPECT_EQ(value.item(), 2.5);
  EXPECT_BITNET_ERROR(Tensor::zeros({2}).item(),
                      "item: needs exactly one element, the tensor has shape [2]");
  EXPECT_BITNET_ERROR(Tensor::zeros({2}).data_as<double>(),
                      "data_as: the tensor holds f32, not f64");
  EXPECT_NE(Tensor::zeros({2}).data_as<float>(), nullptr);
}

TEST(TensorFactoryTest, OverflowingShapesAreRefused) {
  EXPECT_BITNET_ERROR(Tensor::empty({1LL << 62, 4}), "overflows int64");
  EXPECT_BITNET_ERROR(Tensor::empty({1LL << 61}, DType::kF64), "overflow");
  EXPECT_BITNET_ERROR(Tensor::empty({-2}), "negative dimension");
}

}  // namespace
}  // namespace bitnet

namespace bitnet {
namespace {

TEST(TensorFactoryTest, ImpossibleAllocationIsAnOutOfMemoryError) {
  try {
    (void)Tensor::empty({int64_t{1} << 52});  // 16 PiB
    ADD_FAILURE() << "expected an out-of-memory error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kOutOfMemory);
    EXPECT_NE(std::string(error.what()).find("cannot allocate 18014398509481984 bytes"),
              std::string::npos)
        << error.what();
  }
  // Still usable afterwards.
  EXPECT_EQ(Tensor::ones({3}).numel(), 3);
}

}  // namespace
}  // namespace bitnet

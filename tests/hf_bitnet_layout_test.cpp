// The Hugging Face BitNet packing (transformers' integrations/bitnet.py): the bit order is checked
// against the example in transformers' own unpack_weights docstring, scales against the
// y = x W^T / weight_scale semantics, and bad packed data is refused with the row and column named.
#include <cmath>
#include <limits>

#include "bitnet/io.h"
#include "support/model_file_builder.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::expect_error_naming;

SafetensorsCheckpoint checkpoint_of(const SafetensorsWriter& writer, const std::string& name) {
  return SafetensorsCheckpoint::from_file(SafetensorsFile::from_bytes(writer.to_bytes(), name));
}

TEST(HfBitnetLayoutTest, MatchesTransformersDocstringExample) {
  // unpack_weights' example: packed [[0b10100001, 0b00011000], [0b10010000, 0b00001010]] unpacks
  // to rows [0,-1], [-1,1], [-1,1], [-1,1], [1,0], [0,-1], ... (rows 6 and 7 follow the same rule:
  // unpacked row i*2 + j is bits 2i..2i+1 of packed row j).
  const std::vector<uint8_t> packed = {0b10100001, 0b00011000, 0b10010000, 0b00001010};
  SafetensorsWriter writer;
  writer.add("proj.weight", Tensor::from_vector(packed, {2, 2}));
  writer.add("proj.weight_scale", Tensor::full({1}, 0.25, DType::kBF16));
  const SafetensorsCheckpoint checkpoint = checkpoint_of(writer, "example.safetensors");
  EXPECT_TRUE(is_hf_bitnet_weight(checkpoint, "proj.weight"));
  EXPECT_EQ(hf_bitnet_weights(checkpoint), (std::vector<std::string>{"proj.weight"}));
  RepackReport report;
  const TernaryTensor weights =
      load_hf_bitnet_weight(checkpoint, "proj.weight", TernaryFormat::kT2, &report);
  ASSERT_EQ(weights.rows(), 8);
  ASSERT_EQ(weights.cols(), 2);
  EXPECT_EQ(weights.trits().to_vector<int8_t>(),
            (std::vector<int8_t>{0, -1, -1, 1, -1, 1, -1, 1, 1, 0, 0, -1, 1, -1, 1, -1}));
  EXPECT_EQ(weights.granularity(), ScaleGranularity::kPerTensor);
  EXPECT_EQ(weights.row_scale(0), 4.0f);  // 1 / weight_scale
  EXPECT_EQ(report.source_format, "hf_bitnet");
  EXPECT_EQ(report.source_bytes, 4u);
}

TEST(HfBitnetLayoutTest, PackRoundTripsPerTensorAndPerRow) {
  // Truncation toward zero maps (-1.5, 1.5) onto -1, 0, +1.
  const Tensor trits = Tensor::uniform({12, 40}, 4, -1.5, 1.5).to(DType::kI8);
  for (const bool per_row : {false, true}) {
    SCOPED_TRACE(per_row ? "per row" : "per tensor");
    // Powers of two: 1 / scale is exact in bf16, so the round trip is exact.
    Tensor scales = Tensor::empty({per_row ? 12 : 1});
    for (int64_t row = 0; row < scales.numel(); ++row) {
      scales.data_as<float>()[row] = std::ldexp(1.0f, static_cast<int>(row % 4) - 2);
    }
    const TernaryTensor weights = TernaryTensor::from_trits(trits, scales);
    const HfBitnetPacked packed = pack_hf_bitnet_weight(weights);
    EXPECT_EQ(packed.weight.shape(), (Shape{3, 40}));
    EXPECT_EQ(packed.weight_scale.dtype(), DType::kBF16);
    EXPECT_EQ(packed.weight_scale.numel(), scales.numel());
    SafetensorsWriter writer;
    writer.add("layer.weight", packed.weight);
    writer.add("layer.weight_scale", packed.weight_scale);
    const SafetensorsCheckpoint checkpoint = checkpoint_of(writer, "round.safetensors");
    for (const TernaryFormat target : {TernaryFormat::kT2, TernaryFormat::kT1}) {
      const TernaryTensor loaded = load_hf_bitnet_weight(checkpoint, "layer.weight", target);
      EXPECT_EQ(loaded.format(), target);
      EXPECT_EQ(loaded.trits().to_vector<int8_t>(), trits.to_vector<int8_t>());
      for (int64_t row = 0; row < 12; ++row) {
        EXPECT_EQ(loaded.row_scale(row), weights.row_scale(row)) << "row " << row;
      }
    }
  }
}

TEST(HfBitnetLayoutTest, CodeThreeIsNamed) {
  SafetensorsWriter writer;
  std::vector<uint8_t> packed(2 * 5, 0x55);  // code 1 (zero) everywhere
  packed[7] = 0x55 | 0xc0;                   // packed row 1, column 2: code 3 in bits 6-7
  writer.add("p.weight", Tensor::from_vector(packed, {2, 5}));
  writer.add("p.weight_scale", Tensor::ones({1}));
  const SafetensorsCheckpoint checkpoint = checkpoint_of(writer, "bad.safetensors");
  expect_error_naming([&] { (void)load_hf_bitnet_weight(checkpoint, "p.weight"); },
                      {"bad.safetensors", "'p.weight'", "packed row 1 column 2", "0xd5", "code 3"});
}

TEST(HfBitnetLayoutTest, BadScalesAreNamed) {
  for (const double scale : {0.0, std::numeric_limits<double>::infinity()}) {
    SafetensorsWriter writer;
    writer.add("p.weight", Tensor::zeros({1, 4}, DType::kU8));
    writer.add("p.weight_scale", Tensor::full({1}, scale));
    const SafetensorsCheckpoint checkpoint = checkpoint_of(writer, "scale.safetensors");
    expect_error_naming([&] { (void)load_hf_bitnet_weight(checkpoint, "p.weight"); },
                        {"scale.safetensors", "'p.weight_scale' element 0", "finite and non-zero"});
  }
  SafetensorsWriter writer;
  writer.add("p.weight", Tensor::zeros({1, 4}, DType::kU8));
  writer.add("p.weight_scale", Tensor::ones({3}));
  const SafetensorsCheckpoint checkpoint = checkpoint_of(writer, "shape.safetensors");
  expect_error_naming([&] { (void)load_hf_bitnet_weight(checkpoint, "p.weight"); },
                      {"'p.weight_scale' has shape [3]", "one per output row (4)"});
}

TEST(HfBitnetLayoutTest, OtherTensorsAreNotPackedWeights) {
  SafetensorsWriter writer;
  writer.add("norm.weight", Tensor::ones({4}));
  writer.add("lone.weight", Tensor::zeros({1, 4}, DType::kU8));  // no weight_scale
  const SafetensorsCheckpoint checkpoint = checkpoint_of(writer, "other.safetensors");
  EXPECT_TRUE(hf_bitnet_weights(checkpoint).empty());
  expect_error_naming([&] { (void)load_hf_bitnet_weight(checkpoint, "norm.weight"); },
                      {"'norm.weight' is F32 [4]", "not a packed BitNet weight"});
  expect_error_naming([&] { (void)load_hf_bitnet_weight(checkpoint, "lone.weight"); },
                      {"no 'lone.weight_scale'"});
}

TEST(HfBitnetLayoutTest, PackNeedsRowsInFours) {
  const TernaryTensor weights = TernaryTensor::quantize(Tensor::normal({6, 8}, 1));
  expect_error_naming([&] { (void)pack_hf_bitnet_weight(weights); }, {"multiple of 4", "6"});
}

}  // namespace
}  // namespace bitnet

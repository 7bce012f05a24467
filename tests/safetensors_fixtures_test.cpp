// Files written by Hugging Face's safetensors library (tests/data/safetensors/, made by
// scripts/make_safetensors_fixtures.py on a machine with torch) are read bit-exactly: every dtype,
// a sharded checkpoint with its index, and the BitNet b1.58 packed layout. A missing fixture
// fails the test, naming the file.
#include <cstring>
#include <filesystem>

#include "bitnet/io.h"
#include "support/safetensors_fixture_values.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

const std::string kDirectory = std::string(BITNET_TEST_DATA_DIR) + "/safetensors";

#define REQUIRE_FIXTURE(path)                                                     \
  do {                                                                            \
    if (!std::filesystem::exists(path)) {                                         \
      FAIL() << "fixture " << (path)                                              \
             << " is missing: run scripts/make_safetensors_fixtures.py (see the " \
                "script) to create tests/data/safetensors/";                      \
    }                                                                             \
  } while (0)

// Our bytes for the formula must equal the library's bytes, byte for byte.
void expect_bit_exact(const Tensor& loaded, const std::string& name, DType dtype,
                      const Shape& shape) {
  SCOPED_TRACE(name);
  ASSERT_EQ(loaded.dtype(), dtype);
  ASSERT_EQ(loaded.shape(), shape);
  const Tensor expected = testing::fixture_tensor(name, dtype, shape);
  const Tensor actual = loaded.contiguous();
  ASSERT_EQ(actual.nbytes(), expected.nbytes());
  EXPECT_EQ(std::memcmp(actual.data(), expected.data(), static_cast<size_t>(expected.nbytes())), 0)
      << "bytes differ from the formula";
}

TEST(SafetensorsFixturesTest, EveryDTypeFromTheLibrary) {
  const std::string path = kDirectory + "/dtypes.safetensors";
  REQUIRE_FIXTURE(path);
  const SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.tensors().size(), testing::fixture_dtype_tensors().size());
  for (const testing::FixtureTensor& fixture : testing::fixture_dtype_tensors()) {
    expect_bit_exact(file.tensor(fixture.name), fixture.name, fixture.dtype, fixture.shape);
  }
}

TEST(SafetensorsFixturesTest, ShardedCheckpointFromTheLibrary) {
  const std::string path = kDirectory + "/sharded/model.safetensors.index.json";
  REQUIRE_FIXTURE(path);
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(path);
  EXPECT_EQ(checkpoint.shards().size(), 2u);
  EXPECT_EQ(checkpoint.tensor_names().size(), static_cast<size_t>(testing::kFixtureLayers));
  for (int layer = 0; layer < testing::kFixtureLayers; ++layer) {
    const std::string name = "layers." + std::to_string(layer) + ".weight";
    expect_bit_exact(checkpoint.tensor(name), name, DType::kF32, testing::kFixtureLayerShape);
  }
}

TEST(SafetensorsFixturesTest, BitnetPackedLayoutFromTheLibrary) {
  const std::string path = kDirectory + "/hf_bitnet.safetensors";
  REQUIRE_FIXTURE(path);
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(path);
  const TernaryTensor weights = load_hf_bitnet_weight(checkpoint, testing::kFixtureBitnetWeight);
  ASSERT_EQ(weights.rows(), testing::kFixtureBitnetRows);
  ASSERT_EQ(weights.cols(), testing::kFixtureBitnetCols);
  const std::vector<int8_t> trits = weights.trits().to_vector<int8_t>();
  for (int64_t row = 0; row < weights.rows(); ++row) {
    for (int64_t col = 0; col < weights.cols(); ++col) {
      ASSERT_EQ(trits[row * weights.cols() + col], testing::fixture_trit(row, col))
          << "row " << row << " column " << col;
    }
  }
  EXPECT_EQ(weights.row_scale(0), 1.0f / testing::kFixtureBitnetWeightScale);
}

}  // namespace
}  // namespace bitnet

// TQ1_0 and TQ2_0 interop with ggml itself: tests/data/ggml_tq{1,2}_0_4x512.bin were written by
// ggml's own quantizer (tests/data/README.md). Importing them must give the trits and scales of the
// formula they were made from, and exporting those must give ggml's bytes back exactly.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bitnet/quant.h"
#include "bitnet/tensor.h"

namespace bitnet {
namespace {

constexpr int64_t kRows = 4;
constexpr int64_t kCols = 512;

// The fixtures' formula (tests/data/README.md): value[r][c] = trit(r, c) * scale(r).
int trit(int64_t row, int64_t col) {
  return static_cast<int>((col + col / 3 + 2 * row) % 3) - 1;
}
float scale(int64_t row) {
  return static_cast<float>(row + 1) / 64.0f;
}

std::vector<uint8_t> read_fixture(const std::string& name) {
  const std::string path = std::string(BITNET_TEST_DATA_DIR) + "/" + name;
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void check_round_trip(TernaryFormat source, const std::string& file_name, size_t expected_bytes) {
  const std::vector<uint8_t> bytes = read_fixture(file_name);
  ASSERT_EQ(bytes.size(), expected_bytes) << file_name;
  for (const TernaryFormat target : {TernaryFormat::kT2, TernaryFormat::kT1}) {
    SCOPED_TRACE(std::string(ternary_format_traits(target).name));
    const TernaryTensor weights =
        TernaryTensor::import(source, bytes.data(), bytes.size(), kRows, kCols, target);
    ASSERT_EQ(weights.rows(), kRows);
    ASSERT_EQ(weights.cols(), kCols);
    const Tensor trits = weights.trits();
    const auto* values = trits.data_as<int8_t>();
    for (int64_t row = 0; row < kRows; ++row) {
      EXPECT_EQ(weights.row_scale(row), scale(row)) << "row " << row;
      for (int64_t col = 0; col < kCols; ++col) {
        ASSERT_EQ(values[row * kCols + col], trit(row, col)) << "row " << row << " column " << col;
      }
    }
    EXPECT_EQ(weights.export_as(source), bytes) << "export differs from ggml's bytes";
  }
}

TEST(GgmlInteropTest, Tq2_0FromGgmlImportsAndExportsByteForByte) {
  // 4 rows x 2 blocks of 66 bytes (64 bytes of 2-bit codes, an f16 scale).
  check_round_trip(TernaryFormat::kTQ2_0, "ggml_tq2_0_4x512.bin", 4 * 2 * 66);
}

TEST(GgmlInteropTest, Tq1_0FromGgmlImportsAndExportsByteForByte) {
  // 4 rows x 2 blocks of 54 bytes (48 + 4 bytes of base-3 digits, an f16 scale).
  check_round_trip(TernaryFormat::kTQ1_0, "ggml_tq1_0_4x512.bin", 4 * 2 * 54);
}

}  // namespace
}  // namespace bitnet

// Every input that ever made a fuzzer (fuzz/) fail, replayed through the same target body
// (support/fuzz_targets.h): tests/data/fuzz_regressions/<fuzzer>/<name>. Run under ASan + UBSan
// (the asan preset) these reproduce the original finding if it comes back.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/fuzz_targets.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

const std::string kRegressions = std::string(BITNET_TEST_DATA_DIR) + "/fuzz_regressions";

std::vector<std::filesystem::path> inputs_of(const std::string& fuzzer) {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(kRegressions + "/" + fuzzer, error)) {
    if (entry.is_regular_file()) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

void replay(const std::string& fuzzer, bool (*target)(const uint8_t*, size_t)) {
  for (const std::filesystem::path& path : inputs_of(fuzzer)) {
    SCOPED_TRACE(path.string());
    const std::vector<uint8_t> bytes = read_bytes(path);
    bool holds = false;
    EXPECT_NO_THROW(holds = target(bytes.data(), bytes.size()));
    EXPECT_TRUE(holds) << "a round-trip invariant broke";
  }
}

TEST(FuzzRegressionTest, GgufFuzzerFindings) {
  replay("gguf_fuzzer", fuzz::gguf_target);
}

TEST(FuzzRegressionTest, GgufMetadataFuzzerFindings) {
  replay("gguf_metadata_fuzzer", fuzz::gguf_metadata_target);
}

TEST(FuzzRegressionTest, SafetensorsFuzzerFindings) {
  replay("safetensors_fuzzer", fuzz::safetensors_target);
}

// The seeds themselves must pass too (fuzz/corpus/).
TEST(FuzzRegressionTest, SeedCorporaPass) {
  const std::string corpus = std::string(BITNET_TEST_DATA_DIR) + "/../../fuzz/corpus";
  const std::pair<const char*, bool (*)(const uint8_t*, size_t)> targets[] = {
      {"gguf_fuzzer", fuzz::gguf_target},
      {"gguf_metadata_fuzzer", fuzz::gguf_metadata_target},
      {"safetensors_fuzzer", fuzz::safetensors_target}};
  for (const auto& [name, target] : targets) {
    size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus + "/" + name)) {
      SCOPED_TRACE(entry.path().string());
      const std::vector<uint8_t> bytes = read_bytes(entry.path());
      EXPECT_TRUE(target(bytes.data(), bytes.size()));
      ++count;
    }
    EXPECT_GT(count, 0u) << name;
  }
}

}  // namespace
}  // namespace bitnet

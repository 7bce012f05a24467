// Every input that ever made a fuzzer (fuzz/) fail, and hand-made hostile inputs at the same
// edges (scripts/make_fuzz_inputs.py), replayed through the same target body
// (support/fuzz_targets.h): tests/data/fuzz_regressions/<fuzzer>/<name>. Run under ASan + UBSan
// (the asan preset) these reproduce the original finding if it comes back. A missing or empty
// folder is a failure, not zero passing iterations.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/fuzz_targets.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

const std::string kRegressions = std::string(BITNET_TEST_DATA_DIR) + "/fuzz_regressions";

// The regular files of a folder, sorted; a missing folder throws (the test then fails).
std::vector<std::filesystem::path> files_in(const std::string& folder) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
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
  const std::string folder = kRegressions + "/" + fuzzer;
  std::vector<std::filesystem::path> paths;
  ASSERT_NO_THROW(paths = files_in(folder)) << "missing regression folder " << folder;
  ASSERT_FALSE(paths.empty()) << "no regression input in " << folder;
  for (const std::filesystem::path& path : paths) {
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

TEST(FuzzRegressionTest, TokenizerFuzzerFindings) {
  replay("tokenizer_fuzzer", fuzz::tokenizer_target);
}

TEST(FuzzRegressionTest, ModelFuzzerFindings) {
  replay("model_fuzzer", fuzz::model_target);
}

// The model seeds must load and run, or the fuzzer would never reach the forward pass.
TEST(FuzzRegressionTest, ModelSeedsLoad) {
  const std::string folder = std::string(BITNET_TEST_DATA_DIR) + "/../../fuzz/corpus/model_fuzzer";
  int loaded = 0;
  for (const std::filesystem::path& path : files_in(folder)) {
    SCOPED_TRACE(path.string());
    const std::vector<uint8_t> bytes = read_bytes(path);
    const Model model = Model::load_gguf(GgufFile::from_bytes(bytes, path.string()));
    EXPECT_EQ(model.logits(std::vector<int32_t>{0, 7}).shape(), Shape({2, 8}));
    ++loaded;
  }
  EXPECT_EQ(loaded, 2);
}

// The seeds themselves must pass too (fuzz/corpus/).
TEST(FuzzRegressionTest, SeedCorporaPass) {
  const std::string corpus = std::string(BITNET_TEST_DATA_DIR) + "/../../fuzz/corpus";
  const std::pair<const char*, bool (*)(const uint8_t*, size_t)> targets[] = {
      {"gguf_fuzzer", fuzz::gguf_target},
      {"gguf_metadata_fuzzer", fuzz::gguf_metadata_target},
      {"safetensors_fuzzer", fuzz::safetensors_target},
      {"tokenizer_fuzzer", fuzz::tokenizer_target},
      {"model_fuzzer", fuzz::model_target}};
  for (const auto& [name, target] : targets) {
    std::vector<std::filesystem::path> paths;
    ASSERT_NO_THROW(paths = files_in(corpus + "/" + name)) << "missing seed folder " << name;
    EXPECT_FALSE(paths.empty()) << "no seed in " << name;
    for (const std::filesystem::path& path : paths) {
      SCOPED_TRACE(path.string());
      const std::vector<uint8_t> bytes = read_bytes(path);
      EXPECT_TRUE(target(bytes.data(), bytes.size()));
    }
  }
}

// The tokenizer seeds that hold a definition (.json, .gguf) must load, or the fuzzer would start
// without ever reaching encode/decode through a loaded tokenizer; both models, from both sources.
TEST(FuzzRegressionTest, TokenizerSeedsLoad) {
  const std::string folder =
      std::string(BITNET_TEST_DATA_DIR) + "/../../fuzz/corpus/tokenizer_fuzzer";
  std::vector<std::string> models;
  for (const std::filesystem::path& path : files_in(folder)) {
    if (path.extension() != ".json" && path.extension() != ".gguf") continue;
    SCOPED_TRACE(path.string());
    const std::vector<uint8_t> bytes = read_bytes(path);
    const fuzz::TokenizerInput input = fuzz::split_tokenizer_input(bytes.data(), bytes.size());
    EXPECT_NE(input.text.size(), bytes.size()) << "no text after the definition";
    try {
      const Tokenizer tokenizer = fuzz::load_tokenizer_definition(input.definition);
      models.push_back(std::string(tokenizer.model_name()) + path.extension().string());
    } catch (const Error& error) {
      ADD_FAILURE() << error.what();
    }
  }
  std::sort(models.begin(), models.end());
  EXPECT_EQ(models,
            (std::vector<std::string>{"llama-spm.gguf", "llama-spm.json", "llama-spm.json",
                                      "llama3-bpe.gguf", "llama3-bpe.json", "llama3-bpe.json"}));
}

}  // namespace
}  // namespace bitnet

// The trained default model (models/tiny-bitnet, made by tools/train_tiny_bitnet.py) against what
// PyTorch and transformers computed for it (models/tiny-bitnet/reference.json): our tokenizer gives
// Hugging Face tokenizers' ids for the prompt, our logits equal transformers' within 1e-3 of the
// largest magnitude, and greedy decoding continues with transformers' tokens. Each check runs on
// the Hugging Face folder and on the built-in GGUF export of it (include/bitnet/default_model.h),
// which must also be byte for byte the file models/tiny-bitnet.gguf.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bitnet/default_model.h"
#include "bitnet/generate.h"
#include "bitnet/memory.h"
#include "bitnet/model.h"
#include "bitnet/tokenizer.h"

namespace bitnet {
namespace {

const std::string kModel = std::string(BITNET_TEST_DATA_DIR) + "/../../models/tiny-bitnet";
const std::string kGguf = kModel + ".gguf";

// The folder as trained, and the built-in GGUF export.
std::vector<std::pair<std::string, Model>> both_models() {
  std::vector<std::pair<std::string, Model>> models;
  models.emplace_back("hugging face folder", Model::load(kModel));
  models.emplace_back("built-in gguf", load_default_model());
  return models;
}

nlohmann::json reference() {
  std::ifstream file(kModel + "/reference.json");
  EXPECT_TRUE(file.good()) << "missing " << kModel << "/reference.json";
  return nlohmann::json::parse(file);
}

TEST(TinyModel, TheBuiltInImageIsTheCommittedFile) {
  std::ifstream file(kGguf, std::ios::binary);
  ASSERT_TRUE(file.good()) << "missing " << kGguf;
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  const std::span<const uint8_t> image = default_model_gguf();
  EXPECT_TRUE(std::equal(image.begin(), image.end(), bytes.begin(), bytes.end()))
      << "built in: " << image.size() << " bytes, file: " << bytes.size();
}

TEST(TinyModel, TokenizerGivesTheTrainingTokenizersIds) {
  const nlohmann::json expected = reference();
  const auto text = expected.at("prompt").at("text").get<std::string>();
  const auto ids = expected.at("prompt").at("ids").get<std::vector<int32_t>>();
  EXPECT_EQ(Tokenizer::from_hugging_face(kModel).encode(text), ids);
  EXPECT_EQ(default_model_tokenizer().encode(text), ids);
}

TEST(TinyModel, LogitsEqualTransformersWithinAThousandthOfTheLargest) {
  const nlohmann::json expected = reference();
  const nlohmann::json& prompt = expected.at("prompt");
  const auto ids = prompt.at("ids").get<std::vector<int32_t>>();
  const auto want = prompt.at("logits").get<std::vector<std::vector<double>>>();
  for (const auto& [source, model] : both_models()) {
    SCOPED_TRACE(source);
    const std::vector<float> got = model.logits(ids).to_vector<float>();
    const auto vocabulary = static_cast<size_t>(model.config().vocab_size);
    ASSERT_EQ(got.size(), want.size() * vocabulary);
    double largest = 0;
    for (const auto& row : want) {
      for (const double value : row) largest = std::max(largest, std::abs(value));
    }
    for (size_t position = 0; position < want.size(); ++position) {
      for (size_t id = 0; id < vocabulary; ++id) {
        ASSERT_NEAR(got[position * vocabulary + id], want[position][id], 1e-3 * largest)
            << "position " << position << " id " << id;
      }
    }
  }
}

TEST(TinyModel, GreedyDecodingContinuesAsTransformers) {
  const nlohmann::json expected = reference();
  const auto prompt = expected.at("prompt").at("ids").get<std::vector<int32_t>>();
  const auto greedy = expected.at("greedy").at("ids").get<std::vector<int32_t>>();
  for (const auto& [source, model] : both_models()) {
    SCOPED_TRACE(source);
    Session session(model, 128);
    GenerateOptions options;
    options.max_new_tokens = static_cast<int64_t>(greedy.size() - prompt.size());
    std::vector<int32_t> tokens = prompt;
    (void)generate(session, prompt, options, [&](int32_t id) {
      tokens.push_back(id);
      return true;
    });
    EXPECT_EQ(tokens, greedy);
  }
}

// A conversation keeps the cache of the turns before and rewinds to where the texts part: the
// logits after a rewind equal those of a fresh session over the same ids.
TEST(TinyModel, RewindingTheSessionGivesTheLogitsOfAFreshOne) {
  const Model model = load_default_model();
  const std::vector<int32_t> shared = {317, 445, 1231, 295};
  const std::vector<int32_t> first = {2149, 344, 264};
  const std::vector<int32_t> second = {15, 408, 200, 1076, 1231};
  Session session(model, 64);
  std::vector<int32_t> both = shared;
  both.insert(both.end(), first.begin(), first.end());
  (void)session.forward(both);
  session.rewind(static_cast<int64_t>(shared.size()));
  EXPECT_EQ(session.position(), static_cast<int64_t>(shared.size()));
  const std::vector<float> rewound = session.forward(second).to_vector<float>();
  Session fresh(model, 64);
  (void)fresh.forward(shared);
  EXPECT_EQ(fresh.forward(second).to_vector<float>(), rewound);
  EXPECT_THROW(session.rewind(session.position() + 1), Error);
  EXPECT_THROW(session.rewind(-1), Error);
}

// After warm-up, a decode step takes no memory from the system and leaves nothing behind: every
// tensor a step makes is served from the pool's caches and returned before the next step.
TEST(TinyModel, DecodingStepsTakeNoNewMemoryFromTheSystem) {
  const Model model = load_default_model();
  Session session(model, 128);
  GenerateOptions options;
  options.max_new_tokens = 40;
  HybridMemoryPool& pool = cpu_memory_pool();
  MemoryStats warm;
  int64_t step = 0;
  int64_t measured = 0;
  uint64_t allocations_per_step = 0;
  (void)generate(session, std::vector<int32_t>{317, 445, 1231}, options, [&](int32_t) {
    ++step;
    if (step == 8) warm = pool.stats();  // the prompt and seven decode steps: warmed up
    if (step > 8) {
      const MemoryStats now = pool.stats();
      EXPECT_EQ(now.reserved_bytes, warm.reserved_bytes) << "step " << step;
      EXPECT_EQ(now.live_blocks(), warm.live_blocks()) << "step " << step;
      allocations_per_step = (now.allocations - warm.allocations) / static_cast<uint64_t>(step - 8);
      ++measured;
    }
    return true;
  });
  EXPECT_EQ(measured, 32);
  // Printed for docs/PERFORMANCE.md: pool allocations (cache hits) per decode step.
  std::printf("pool allocations per decode step: %llu\n",
              static_cast<unsigned long long>(allocations_per_step));
}

}  // namespace
}  // namespace bitnet

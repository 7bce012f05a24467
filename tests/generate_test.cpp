// generate() on the transformers fixture: greedy output equals transformers' continuation, and
// every way of stopping.
#include "bitnet/generate.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/hf_fixture.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

const std::string kFixture = testing::kHfFixtures + "/packed";

struct Reference {
  std::vector<int32_t> prompt;
  std::vector<int32_t> tokens;
};

Reference greedy_reference() {
  const nlohmann::json greedy = testing::hf_reference("packed").at("greedy");
  return {testing::ids_of(greedy.at("input_ids")), testing::ids_of(greedy.at("tokens"))};
}

std::vector<int32_t> run(Session& session, const std::vector<int32_t>& prompt,
                         const GenerateOptions& options, GenerateStats* stats = nullptr,
                         int64_t stop_after = -1) {
  std::vector<int32_t> out;
  const GenerateStats result = generate(session, prompt, options, [&](int32_t id) {
    out.push_back(id);
    return stop_after < 0 || static_cast<int64_t>(out.size()) < stop_after;
  });
  if (stats != nullptr) *stats = result;
  return out;
}

TEST(Generate, GreedyEqualsTransformers) {
  const Model model = Model::load(kFixture);
  const Reference reference = greedy_reference();
  Session session(model, 64);
  GenerateOptions options;
  options.max_new_tokens = static_cast<int64_t>(reference.tokens.size());
  GenerateStats stats;
  EXPECT_EQ(run(session, reference.prompt, options, &stats), reference.tokens);
  EXPECT_EQ(stats.stop_reason, StopReason::kLength);
  EXPECT_EQ(stats.prompt_tokens, 12);
  EXPECT_EQ(stats.generated_tokens, 16);
  EXPECT_GT(stats.prompt_seconds, 0);
}

TEST(Generate, StopsAtAStopIdWithoutEmittingIt) {
  const Model model = Model::load(kFixture);
  const Reference reference = greedy_reference();
  Session session(model, 64);
  GenerateOptions options;
  options.max_new_tokens = 16;
  options.stop_ids = {reference.tokens[3]};  // 46, first chosen at step 3
  GenerateStats stats;
  const std::vector<int32_t> out = run(session, reference.prompt, options, &stats);
  EXPECT_EQ(out, std::vector<int32_t>(reference.tokens.begin(), reference.tokens.begin() + 3));
  EXPECT_EQ(stats.stop_reason, StopReason::kStopId);
}

TEST(Generate, StopsWhenTheCallerSaysSoOrTheContextIsFull) {
  const Model model = Model::load(kFixture);
  const Reference reference = greedy_reference();
  GenerateOptions options;
  options.max_new_tokens = 16;
  {
    Session session(model, 64);
    GenerateStats stats;
    EXPECT_EQ(run(session, reference.prompt, options, &stats, 2).size(), 2u);
    EXPECT_EQ(stats.stop_reason, StopReason::kCallback);
  }
  {
    Session session(model, 15);  // 12 prompt positions + 3 generated fill it
    GenerateStats stats;
    EXPECT_EQ(run(session, reference.prompt, options, &stats).size(), 4u);
    EXPECT_EQ(stats.stop_reason, StopReason::kContext);
  }
}

TEST(Generate, PromptLongerThanTheContextIsNamed) {
  const Model model = Model::load(kFixture);
  Session session(model, 8);
  const std::vector<int32_t> prompt(9, 1);
  try {
    (void)run(session, prompt, {});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("the prompt has 9 tokens, more than the 8 positions"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(session.position(), 0);
}

TEST(Generate, SeededSamplingIsReproducible) {
  const Model model = Model::load(kFixture);
  const Reference reference = greedy_reference();
  GenerateOptions options;
  options.max_new_tokens = 12;
  options.sampling.temperature = 1.0;
  options.sampling.top_p = 0.9;
  options.sampling.seed = 99;
  Session first(model, 64);
  Session second(model, 64);
  const std::vector<int32_t> a = run(first, reference.prompt, options);
  const std::vector<int32_t> b = run(second, reference.prompt, options);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 12u);
}

}  // namespace
}  // namespace bitnet

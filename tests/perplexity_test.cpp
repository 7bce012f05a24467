// perplexity() against the same sum written out from Model::logits: chunks, the bos substitution,
// the scored half, the dropped remainder; and the refusals by name.
#include <cmath>

#include "bitnet/perplexity.h"
#include "support/hf_fixture.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using testing::seed_trace;
using testing::test_seeds;

// Sum of -log p(token j+1 | chunk up to j) for j in [context/2, context-1), chunk by chunk.
double reference_nll(const Model& model, const std::vector<int32_t>& tokens, int64_t context,
                     std::optional<int32_t> bos, int64_t& scored) {
  double total = 0;
  scored = 0;
  const int64_t vocabulary = model.config().vocab_size;
  for (size_t start = 0; start + context <= tokens.size(); start += context) {
    std::vector<int32_t> chunk(tokens.begin() + start, tokens.begin() + start + context);
    if (bos) chunk[0] = *bos;
    const std::vector<float> logits = model.logits(chunk).to_vector<float>();
    for (int64_t j = context / 2; j < context - 1; ++j) {
      double sum = 0;
      for (int64_t id = 0; id < vocabulary; ++id)
        sum += std::exp(double(logits[j * vocabulary + id]));
      total += std::log(sum) - logits[j * vocabulary + chunk[j + 1]];
      ++scored;
    }
  }
  return total;
}

TEST(Perplexity, EqualsTheChunkedSumOverModelLogits) {
  const Model model = Model::load(testing::kHfFixtures + "/packed");
  const int64_t vocabulary = model.config().vocab_size;
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    // 2.5 chunks of 12: the remainder of 6 is dropped.
    const std::vector<float> draws = Tensor::uniform({30}, seed, 0.0, 1.0).to_vector<float>();
    std::vector<int32_t> tokens;
    for (const float draw : draws) tokens.push_back(static_cast<int32_t>(draw * (vocabulary - 1)));
    for (const std::optional<int32_t> bos : {std::optional<int32_t>{}, std::optional<int32_t>{1}}) {
      int chunks_seen = 0;
      const PerplexityResult result =
          perplexity(model, tokens, 12, bos, [&](const PerplexityResult&) { ++chunks_seen; });
      int64_t scored = 0;
      const double want = reference_nll(model, tokens, 12, bos, scored);
      EXPECT_EQ(result.chunks, 2);
      EXPECT_EQ(chunks_seen, 2);
      EXPECT_EQ(result.scored_tokens, 10);  // (12 - 1 - 6) per chunk
      EXPECT_EQ(result.scored_tokens, scored);
      EXPECT_NEAR(result.negative_log_likelihood, want, 1e-9 * std::abs(want) + 1e-9);
      EXPECT_NEAR(result.perplexity(), std::exp(want / double(scored)), 1e-9 * result.perplexity());
    }
  }
}

TEST(Perplexity, RefusesTooFewTokensAndBadContexts) {
  const Model model = Model::load(testing::kHfFixtures + "/packed");
  const std::vector<int32_t> tokens(20, 3);
  const auto expect_error = [&](int64_t context, const std::string& needle) {
    try {
      (void)perplexity(model, tokens, context, std::nullopt);
      ADD_FAILURE() << "no error for context " << context;
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
    }
  };
  expect_error(16, "20 tokens are fewer than two chunks of the context (32 tokens)");
  expect_error(3, "the context must be between 4 and");
  expect_error(1 << 20, "the context must be between 4 and");
}

}  // namespace
}  // namespace bitnet

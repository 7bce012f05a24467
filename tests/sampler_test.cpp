// Sampler: greedy, the filters (top-k, top-p, min-p) against their definitions, draw frequencies
// against the softmax, the repetition penalty, reproducibility from the seed, and refusals.
#include "bitnet/sampler.h"

#include <cmath>
#include <map>

#include "support/test_support.h"

namespace bitnet {
namespace {

Tensor logits_of(const std::vector<float>& values) {
  return Tensor::from_vector<float>(values, {static_cast<int64_t>(values.size())});
}

std::map<int32_t, int> draw_counts(SamplingOptions options, const std::vector<float>& values,
                                   int draws) {
  Sampler sampler(options);
  std::map<int32_t, int> counts;
  const Tensor logits = logits_of(values);
  for (int draw = 0; draw < draws; ++draw) ++counts[sampler.sample(logits, {})];
  return counts;
}

TEST(Sampler, GreedyTakesTheLargestAndTheLowestIdOnTies) {
  Sampler sampler({});
  EXPECT_EQ(sampler.sample(logits_of({0.1f, 2.0f, -1.0f, 1.9f}), {}), 1);
  EXPECT_EQ(sampler.sample(logits_of({3.0f, 1.0f, 3.0f}), {}), 0);
}

TEST(Sampler, DrawsFollowTheSoftmax) {
  const std::vector<float> values = {1.0f, 0.0f, -1.0f, 0.5f};
  SamplingOptions options;
  options.temperature = 1.0;
  options.seed = 7;
  constexpr int kDraws = 200000;
  const std::map<int32_t, int> counts = draw_counts(options, values, kDraws);
  double total = 0;
  for (const float value : values) total += std::exp(value);
  for (int32_t id = 0; id < 4; ++id) {
    const double expected = std::exp(values[static_cast<size_t>(id)]) / total;
    const double observed = static_cast<double>(counts.count(id) ? counts.at(id) : 0) / kDraws;
    // Five standard deviations of a binomial proportion.
    EXPECT_NEAR(observed, expected, 5 * std::sqrt(expected * (1 - expected) / kDraws)) << id;
  }
}

TEST(Sampler, TemperatureSharpensAndFlattens) {
  const std::vector<float> values = {1.0f, 0.0f};
  SamplingOptions cold;
  cold.temperature = 0.25;
  SamplingOptions hot;
  hot.temperature = 4.0;
  const auto cold_counts = draw_counts(cold, values, 20000);
  const auto hot_counts = draw_counts(hot, values, 20000);
  EXPECT_NEAR(cold_counts.at(0) / 20000.0, 1 / (1 + std::exp(-4.0)), 0.01);
  EXPECT_NEAR(hot_counts.at(0) / 20000.0, 1 / (1 + std::exp(-0.25)), 0.015);
}

TEST(Sampler, TopKKeepsTheKLargest) {
  SamplingOptions options;
  options.temperature = 1.0;
  options.top_k = 2;
  const auto counts = draw_counts(options, {0.0f, 3.0f, 2.9f, 1.0f, 2.0f}, 5000);
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_TRUE(counts.count(1) && counts.count(2));
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.75 keeps the first two (0.8 >= 0.75).
  const std::vector<float> values = {std::log(0.5f), std::log(0.3f), std::log(0.15f),
                                     std::log(0.05f)};
  SamplingOptions options;
  options.temperature = 1.0;
  options.top_p = 0.75;
  const auto counts = draw_counts(options, values, 20000);
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_NEAR(counts.at(0) / 20000.0, 0.5 / 0.8, 0.015);
}

TEST(Sampler, MinPDropsTheUnlikely) {
  const std::vector<float> values = {std::log(0.5f), std::log(0.3f), std::log(0.15f),
                                     std::log(0.05f)};
  SamplingOptions options;
  options.temperature = 1.0;
  options.min_p = 0.25;  // floor 0.125: keeps 0.5, 0.3, 0.15
  const auto counts = draw_counts(options, values, 20000);
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts.count(3), 0u);
}

TEST(Sampler, RepetitionPenaltyTurnsGreedyAway) {
  SamplingOptions options;
  options.repetition_penalty = 2.0;
  Sampler sampler(options);
  const Tensor logits = logits_of({2.0f, 1.5f, -1.0f});
  const std::vector<int32_t> history = {0};
  EXPECT_EQ(sampler.sample(logits, history), 1);  // 2.0 / 2 = 1.0 < 1.5
  const std::vector<int32_t> none;
  EXPECT_EQ(sampler.sample(logits, none), 0);
  // Outside the window, the id is no longer penalised.
  options.repetition_window = 1;
  Sampler windowed(options);
  const std::vector<int32_t> old = {0, 2};
  EXPECT_EQ(windowed.sample(logits, old), 0);
}

TEST(Sampler, SameSeedSameTokens) {
  SamplingOptions options;
  options.temperature = 1.0;
  options.seed = 1234;
  const Tensor logits = logits_of({0.3f, 0.1f, 0.2f, 0.0f, 0.25f});
  Sampler first(options);
  Sampler second(options);
  options.seed = 1235;
  Sampler other(options);
  std::vector<int32_t> a, b, c;
  for (int step = 0; step < 64; ++step) {
    a.push_back(first.sample(logits, {}));
    b.push_back(second.sample(logits, {}));
    c.push_back(other.sample(logits, {}));
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Sampler, RefusesBadOptionsAndLogits) {
  const auto refuses = [](SamplingOptions options, const std::string& needle) {
    try {
      Sampler sampler(options);
      ADD_FAILURE() << "accepted; expected: " << needle;
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
    }
  };
  SamplingOptions options;
  options.temperature = -1;
  refuses(options, "temperature must be >= 0");
  options = {};
  options.top_p = 0;
  refuses(options, "top_p must be in (0, 1]");
  options = {};
  options.min_p = 1;
  refuses(options, "min_p must be in [0, 1)");
  options = {};
  options.top_k = -2;
  refuses(options, "top_k must be >= 0");
  options = {};
  options.repetition_penalty = 0;
  refuses(options, "repetition_penalty must be > 0");
  Sampler sampler({});
  EXPECT_THROW((void)sampler.sample(logits_of({0.0f, NAN}), {}), Error);
  EXPECT_THROW((void)sampler.sample(Tensor::zeros({2, 2}), {}), Error);
}

}  // namespace
}  // namespace bitnet

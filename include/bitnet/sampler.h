// Choosing the next token from logits: greedy, or sampling with temperature, top-k, top-p
// (nucleus), min-p and a repetition penalty, reproducible from a seed. The steps run in Hugging
// Face transformers' order: repetition penalty, temperature, top-k, top-p, min-p, then a draw.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "bitnet/tensor.h"

namespace bitnet {

struct SamplingOptions {
  double temperature = 0.0;         // 0: greedy (the most likely id; ties to the lowest id)
  int64_t top_k = 0;                // keep the k most likely ids; 0: off
  double top_p = 1.0;               // keep the smallest set with probability >= top_p; 1: off
  double min_p = 0.0;               // drop ids below min_p * the top probability; 0: off
  double repetition_penalty = 1.0;  // > 1 discourages ids in the recent history; 1: off
  int64_t repetition_window = 64;   // how many of the latest ids the penalty looks at
  uint64_t seed = 0;

  // Throws an Error naming the first option out of range.
  void validate() const;
};

class Sampler {
 public:
  explicit Sampler(SamplingOptions options);

  // The next id from f32 logits [vocab]; `history` holds the ids so far (prompt and output), read
  // by the repetition penalty. NaN logits are an Error.
  [[nodiscard]] int32_t sample(const Tensor& logits, std::span<const int32_t> history);

  [[nodiscard]] const SamplingOptions& options() const noexcept { return options_; }

 private:
  SamplingOptions options_;
  std::mt19937_64 generator_;
  std::vector<float> scores_;        // scratch, reused between calls
  std::vector<int32_t> candidates_;  // scratch
};

}  // namespace bitnet

// Perplexity of a token sequence as llama.cpp's `perplexity` tool computes it, so that the two
// numbers compare: the tokens are cut into chunks of `context` (a remainder shorter than a chunk is
// dropped); each chunk runs from an empty cache, its first token replaced by the beginning-of-text
// id when one is given; only the second half of each chunk is scored (every scored token then sees
// at least context / 2 tokens before it): the negative log-likelihood of token j + 1 from the
// logits at position j, for j from context / 2 to context - 2.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "bitnet/model.h"

namespace bitnet {

struct PerplexityResult {
  int64_t chunks = 0;
  int64_t scored_tokens = 0;
  double negative_log_likelihood = 0;       // summed over the scored tokens, in nats
  [[nodiscard]] double perplexity() const;  // exp(mean negative log-likelihood)
};

// `context` >= 4; at least two chunks' worth of tokens (2 * context), as llama.cpp requires.
// `on_chunk` (optional) sees the running result after each chunk. Throws Error(kInvalidArgument)
// naming the sizes when there are too few tokens or the context exceeds the model's.
[[nodiscard]] PerplexityResult perplexity(
    const Model& model, std::span<const int32_t> tokens, int64_t context,
    std::optional<int32_t> bos_id,
    const std::function<void(const PerplexityResult&)>& on_chunk = {});

}  // namespace bitnet

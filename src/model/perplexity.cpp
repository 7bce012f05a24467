// perplexity(): llama.cpp's chunked evaluation (see the header) over Session::forward.
#include "bitnet/perplexity.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/raise.h"

namespace bitnet {
namespace {

// -log softmax(row)[target], in double with the row maximum subtracted.
double negative_log_likelihood(const float* row, int64_t vocabulary, int32_t target) {
  const float maximum = *std::max_element(row, row + vocabulary);
  double total = 0;
  for (int64_t id = 0; id < vocabulary; ++id) total += std::exp(double(row[id]) - maximum);
  return std::log(total) - (double(row[target]) - maximum);
}

}  // namespace

double PerplexityResult::perplexity() const {
  return scored_tokens == 0 ? NAN : std::exp(negative_log_likelihood / double(scored_tokens));
}

PerplexityResult perplexity(const Model& model, std::span<const int32_t> tokens, int64_t context,
                            std::optional<int32_t> bos_id,
                            const std::function<void(const PerplexityResult&)>& on_chunk) {
  const int64_t limit = model.config().max_position_embeddings;
  if (context < 4 || (limit > 0 && context > limit)) {
    raise(ErrorKind::kInvalidArgument,
          "perplexity: the context must be between 4 and the model's {} positions, got {}", limit,
          context);
  }
  const auto count = static_cast<int64_t>(tokens.size());
  if (count < 2 * context) {
    raise(ErrorKind::kInvalidArgument,
          "perplexity: {} tokens are fewer than two chunks of the context ({} tokens); give more "
          "text or a smaller --ctx",
          count, 2 * context);
  }
  const int64_t vocabulary = model.config().vocab_size;
  const int64_t first = context / 2;
  Session session(model, context);
  PerplexityResult result;
  std::vector<int32_t> chunk(static_cast<size_t>(context));
  for (int64_t start = 0; start + context <= count; start += context) {
    std::copy_n(tokens.begin() + start, context, chunk.begin());
    if (bos_id) chunk[0] = *bos_id;
    session.reset();
    const Tensor logits = session.forward(chunk);
    const float* rows = logits.data_as<float>();
    for (int64_t position = first; position < context - 1; ++position) {
      result.negative_log_likelihood += negative_log_likelihood(
          rows + position * vocabulary, vocabulary, chunk[static_cast<size_t>(position + 1)]);
      ++result.scored_tokens;
    }
    ++result.chunks;
    if (on_chunk) on_chunk(result);
  }
  return result;
}

}  // namespace bitnet

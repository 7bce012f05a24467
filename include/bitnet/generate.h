// Token generation over a Session: the prompt in one batch, then one token per step, chosen by a
// Sampler, until a stop id, the token budget, the context or the caller says stop.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "bitnet/model.h"
#include "bitnet/sampler.h"

namespace bitnet {

struct GenerateOptions {
  int64_t max_new_tokens = 128;
  SamplingOptions sampling;
  // Ids that end the generation (end of text, end of turn); the stop id itself is not passed to
  // the callback.
  std::vector<int32_t> stop_ids;
};

enum class StopReason { kLength, kStopId, kCallback, kContext };
[[nodiscard]] std::string_view stop_reason_name(StopReason reason) noexcept;

struct GenerateStats {
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double prompt_seconds = 0;  // the prompt's forward pass, first token's sampling included
  double decode_seconds = 0;  // every later step
  StopReason stop_reason = StopReason::kLength;
};

// Runs `prompt` (at least one id) through `session` and generates. `on_token` receives each new
// id as it is chosen and returns false to stop (a stop string seen, a client gone). A prompt that
// does not fit the session's remaining context is an Error naming both sizes.
GenerateStats generate(Session& session, std::span<const int32_t> prompt,
                       const GenerateOptions& options,
                       const std::function<bool(int32_t)>& on_token);

}  // namespace bitnet

#include "bitnet/generate.h"

#include <algorithm>
#include <chrono>

#include "core/raise.h"

namespace bitnet {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string_view stop_reason_name(StopReason reason) noexcept {
  switch (reason) {
    case StopReason::kLength:
      return "length";
    case StopReason::kStopId:
      return "stop";
    case StopReason::kCallback:
      return "callback";
    case StopReason::kContext:
      return "context";
  }
  return "length";
}

GenerateStats generate(Session& session, std::span<const int32_t> prompt,
                       const GenerateOptions& options,
                       const std::function<bool(int32_t)>& on_token) {
  if (prompt.empty()) raise(ErrorKind::kInvalidArgument, "generate: the prompt has no tokens");
  if (options.max_new_tokens < 0) {
    raise(ErrorKind::kInvalidArgument, "generate: max_new_tokens must be >= 0, got {}",
          options.max_new_tokens);
  }
  const int64_t room = session.context() - session.position();
  if (static_cast<int64_t>(prompt.size()) > room) {
    raise(ErrorKind::kInvalidArgument,
          "generate: the prompt has {} tokens, more than the {} positions left of the {}-token "
          "context",
          prompt.size(), room, session.context());
  }
  Sampler sampler(options.sampling);
  std::vector<int32_t> history(prompt.begin(), prompt.end());
  GenerateStats stats;
  stats.prompt_tokens = static_cast<int64_t>(prompt.size());
  if (options.max_new_tokens == 0) return stats;

  auto start = std::chrono::steady_clock::now();
  Tensor logits = session.forward_last(prompt);
  bool first = true;
  while (true) {
    const int32_t next = sampler.sample(logits, history);
    if (first) {
      stats.prompt_seconds = seconds_since(start);
      start = std::chrono::steady_clock::now();
      first = false;
    }
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) !=
        options.stop_ids.end()) {
      stats.stop_reason = StopReason::kStopId;
      break;
    }
    ++stats.generated_tokens;
    history.push_back(next);
    if (!on_token(next)) {
      stats.stop_reason = StopReason::kCallback;
      break;
    }
    if (stats.generated_tokens == options.max_new_tokens) {
      stats.stop_reason = StopReason::kLength;
      break;
    }
    if (session.position() == session.context()) {
      stats.stop_reason = StopReason::kContext;
      break;
    }
    logits = session.forward_last(std::span<const int32_t>(&history.back(), 1));
  }
  stats.decode_seconds = seconds_since(start);
  return stats;
}

}  // namespace bitnet

#include "bitnet/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/raise.h"

namespace bitnet {

void SamplingOptions::validate() const {
  if (!(temperature >= 0) || !std::isfinite(temperature)) {
    raise(ErrorKind::kInvalidArgument, "sampling: temperature must be >= 0, got {}", temperature);
  }
  if (top_k < 0) raise(ErrorKind::kInvalidArgument, "sampling: top_k must be >= 0, got {}", top_k);
  if (!(top_p > 0 && top_p <= 1)) {
    raise(ErrorKind::kInvalidArgument, "sampling: top_p must be in (0, 1], got {}", top_p);
  }
  if (!(min_p >= 0 && min_p < 1)) {
    raise(ErrorKind::kInvalidArgument, "sampling: min_p must be in [0, 1), got {}", min_p);
  }
  if (!(repetition_penalty > 0) || !std::isfinite(repetition_penalty)) {
    raise(ErrorKind::kInvalidArgument, "sampling: repetition_penalty must be > 0, got {}",
          repetition_penalty);
  }
  if (repetition_window < 0) {
    raise(ErrorKind::kInvalidArgument, "sampling: repetition_window must be >= 0, got {}",
          repetition_window);
  }
}

Sampler::Sampler(SamplingOptions options) : options_(options), generator_(options.seed) {
  options_.validate();
}

int32_t Sampler::sample(const Tensor& logits, std::span<const int32_t> history) {
  if (logits.rank() != 1 || logits.dtype() != DType::kF32 || logits.numel() == 0) {
    raise(ErrorKind::kShapeMismatch, "sampling: logits must be f32 [vocab], got {} {}",
          dtype_name(logits.dtype()), to_string(logits.shape()));
  }
  const int64_t vocabulary = logits.numel();
  scores_ = logits.to_vector<float>();
  for (int64_t id = 0; id < vocabulary; ++id) {
    if (std::isnan(scores_[static_cast<size_t>(id)])) {
      raise(ErrorKind::kInvalidArgument, "sampling: logit of id {} is NaN", id);
    }
  }
  // Repetition penalty (CTRL, Keskar et al. 2019, as transformers applies it): a seen id's positive
  // logit is divided by the penalty, a negative one multiplied.
  if (options_.repetition_penalty != 1.0) {
    const auto window = static_cast<size_t>(
        std::min<int64_t>(options_.repetition_window, static_cast<int64_t>(history.size())));
    const auto penalty = static_cast<float>(options_.repetition_penalty);
    std::vector<bool> seen(static_cast<size_t>(vocabulary), false);
    for (const int32_t id : history.subspan(history.size() - window)) {
      if (id < 0 || id >= vocabulary || seen[static_cast<size_t>(id)]) continue;
      seen[static_cast<size_t>(id)] = true;
      float& score = scores_[static_cast<size_t>(id)];
      score = score > 0 ? score / penalty : score * penalty;
    }
  }
  if (options_.temperature == 0.0) {
    return static_cast<int32_t>(std::max_element(scores_.begin(), scores_.end()) - scores_.begin());
  }
  const auto temperature = static_cast<float>(options_.temperature);
  for (float& score : scores_) score /= temperature;

  // Candidates by decreasing score (stable: ties keep the lower id first).
  candidates_.resize(static_cast<size_t>(vocabulary));
  std::iota(candidates_.begin(), candidates_.end(), 0);
  const auto by_score = [this](int32_t a, int32_t b) {
    return scores_[static_cast<size_t>(a)] > scores_[static_cast<size_t>(b)];
  };
  size_t kept = candidates_.size();
  if (options_.top_k > 0 && static_cast<size_t>(options_.top_k) < kept) {
    kept = static_cast<size_t>(options_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<ptrdiff_t>(kept),
                      candidates_.end(), by_score);
  } else {
    std::stable_sort(candidates_.begin(), candidates_.end(), by_score);
  }
  // Softmax over the kept candidates, in double.
  const double top = scores_[static_cast<size_t>(candidates_[0])];
  std::vector<double> probabilities(kept);
  double total = 0;
  for (size_t index = 0; index < kept; ++index) {
    probabilities[index] = std::exp(scores_[static_cast<size_t>(candidates_[index])] - top);
    total += probabilities[index];
  }
  for (double& probability : probabilities) probability /= total;
  // Top-p: the smallest prefix whose probability reaches top_p (at least one id).
  if (options_.top_p < 1.0) {
    double cumulative = 0;
    size_t prefix = 0;
    while (prefix < kept) {
      cumulative += probabilities[prefix++];
      if (cumulative >= options_.top_p) break;
    }
    kept = prefix;
  }
  // Min-p: drop ids whose probability is below min_p times the most likely one's.
  if (options_.min_p > 0.0) {
    const double floor = options_.min_p * probabilities[0];
    size_t prefix = 1;
    while (prefix < kept && probabilities[prefix] >= floor) ++prefix;
    kept = prefix;
  }
  double mass = 0;
  for (size_t index = 0; index < kept; ++index) mass += probabilities[index];
  // A uniform draw in [0, mass) from the top 53 bits (the same sequence on every platform, which
  // std::uniform_real_distribution does not promise).
  const double draw = static_cast<double>(generator_() >> 11) * 0x1.0p-53 * mass;
  double cumulative = 0;
  for (size_t index = 0; index < kept; ++index) {
    cumulative += probabilities[index];
    if (draw < cumulative) return candidates_[index];
  }
  return candidates_[kept - 1];
}

}  // namespace bitnet

#include "bench/transformer_trace.h"

#include <algorithm>

namespace bitnet::bench {
namespace {

constexpr size_t kLayers = 30;
constexpr size_t kHidden = 2560;
constexpr size_t kFeedForward = 6912;
constexpr size_t kHeads = 20;
constexpr size_t kKeyValueWidth = 5 * 128;  // KV heads x head dimension
constexpr size_t kVocabulary = 128256;
constexpr size_t kPrefillTokens = 128;
constexpr size_t kDecodeSteps = 16;
constexpr size_t kPageTokens = 16;
constexpr size_t kF32 = 4;
constexpr size_t kF16 = 2;

class TraceBuilder {
 public:
  uint32_t allocate(size_t bytes) {
    uint32_t slot = 0;
    if (free_slots_.empty()) {
      slot = trace_.slot_count++;
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
    }
    if (sizes_.size() <= slot) sizes_.resize(slot + 1);
    sizes_[slot] = bytes;
    trace_.events.push_back({slot, true, bytes});
    ++trace_.allocations;
    live_ += bytes;
    if (live_ > trace_.peak_bytes) {
      trace_.peak_bytes = live_;
      trace_.peak_event = trace_.events.size() - 1;
    }
    return slot;
  }
  void free(uint32_t slot) {
    trace_.events.push_back({slot, false, sizes_[slot]});
    live_ -= sizes_[slot];
    free_slots_.push_back(slot);
  }
  // An int8 copy of [tokens, width] activations with one f32 scale per token.
  struct Quantized {
    uint32_t values;
    uint32_t scales;
  };
  Quantized quantize(size_t tokens, size_t width) {
    return {allocate(tokens * width), allocate(tokens * kF32)};
  }
  void free(Quantized quantized) {
    free(quantized.values);
    free(quantized.scales);
  }
  AllocationTrace take() { return std::move(trace_); }

 private:
  AllocationTrace trace_;
  std::vector<uint32_t> free_slots_;
  std::vector<size_t> sizes_;
  uint64_t live_ = 0;
};

// One forward pass of `tokens` new tokens, after which the KV cache holds `context` tokens.
void forward(TraceBuilder& trace, size_t tokens, size_t context,
             std::vector<std::vector<uint32_t>>& pages) {
  const size_t activation = tokens * kHidden * kF32;
  uint32_t x = trace.allocate(activation);  // embeddings
  for (size_t layer = 0; layer < kLayers; ++layer) {
    // Attention: norm, quantize, Q/K/V projections, RoPE.
    uint32_t normed = trace.allocate(activation);
    TraceBuilder::Quantized input = trace.quantize(tokens, kHidden);
    trace.free(normed);
    const uint32_t q = trace.allocate(activation);
    const uint32_t k = trace.allocate(tokens * kKeyValueWidth * kF32);
    const uint32_t v = trace.allocate(tokens * kKeyValueWidth * kF32);
    trace.free(input);
    const uint32_t q_rotated = trace.allocate(activation);
    const uint32_t k_rotated = trace.allocate(tokens * kKeyValueWidth * kF32);
    trace.free(q);
    trace.free(k);
    // K and V are appended to the cache, a page of kPageTokens at a time.
    while (pages[layer].size() / 2 * kPageTokens < context) {
      pages[layer].push_back(trace.allocate(kPageTokens * kKeyValueWidth * kF16));
      pages[layer].push_back(trace.allocate(kPageTokens * kKeyValueWidth * kF16));
    }
    trace.free(k_rotated);
    trace.free(v);
    const uint32_t scores = trace.allocate(kHeads * tokens * context * kF32);
    const uint32_t probabilities = trace.allocate(kHeads * tokens * context * kF32);
    trace.free(scores);
    const uint32_t attention = trace.allocate(activation);
    trace.free(probabilities);
    trace.free(q_rotated);
    // Sub-norm, output projection, residual.
    normed = trace.allocate(activation);
    trace.free(attention);
    input = trace.quantize(tokens, kHidden);
    trace.free(normed);
    const uint32_t output = trace.allocate(activation);
    trace.free(input);
    const uint32_t hidden = trace.allocate(activation);
    trace.free(x);
    trace.free(output);
    // Feed-forward: norm, quantize, gate and up, ReLU^2 times up, sub-norm, down, residual.
    normed = trace.allocate(activation);
    input = trace.quantize(tokens, kHidden);
    trace.free(normed);
    const uint32_t gate = trace.allocate(tokens * kFeedForward * kF32);
    const uint32_t up = trace.allocate(tokens * kFeedForward * kF32);
    trace.free(input);
    const uint32_t activated = trace.allocate(tokens * kFeedForward * kF32);
    trace.free(gate);
    const uint32_t product = trace.allocate(tokens * kFeedForward * kF32);
    trace.free(activated);
    trace.free(up);
    normed = trace.allocate(tokens * kFeedForward * kF32);
    trace.free(product);
    input = trace.quantize(tokens, kFeedForward);
    trace.free(normed);
    const uint32_t down = trace.allocate(activation);
    trace.free(input);
    x = trace.allocate(activation);
    trace.free(hidden);
    trace.free(down);
  }
  // Logits of the last token only.
  const uint32_t last = trace.allocate(kHidden * kF32);
  const uint32_t logits = trace.allocate(kVocabulary * kF32);
  trace.free(last);
  trace.free(x);
  trace.free(logits);
}

AllocationTrace build_trace() {
  TraceBuilder trace;
  std::vector<std::vector<uint32_t>> pages(kLayers);
  forward(trace, kPrefillTokens, kPrefillTokens, pages);
  for (size_t step = 1; step <= kDecodeSteps; ++step) {
    forward(trace, 1, kPrefillTokens + step, pages);
  }
  for (const std::vector<uint32_t>& layer : pages) {
    for (const uint32_t page : layer) trace.free(page);
  }
  return trace.take();
}

}  // namespace

const AllocationTrace& transformer_trace() {
  static const AllocationTrace trace = build_trace();
  return trace;
}

}  // namespace bitnet::bench

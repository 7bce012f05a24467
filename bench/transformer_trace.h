// The allocation sizes of a transformer forward pass, in order: the `pool` suite replays them to
// time allocators on a realistic mix (large activations, int8 copies, per-token scales, attention
// scores, KV-cache pages, and the small tensors of decoding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bitnet::bench {

struct TraceEvent {
  uint32_t slot;  // which live block: an allocation fills the slot, a free empties it
  bool allocate;
  size_t bytes;
};

struct AllocationTrace {
  std::vector<TraceEvent> events;
  uint32_t slot_count = 0;  // slots used at once, at most
  size_t peak_event = 0;    // index of the event after which the most bytes are live
  uint64_t peak_bytes = 0;  // bytes live then
  uint64_t allocations = 0;
};

// One request to BitNet b1.58 2B (30 layers, hidden 2560, FFN 6912, 20 query and 5 KV heads of
// 128, vocabulary 128256): a 128-token prefill, then 16 decoding steps, f32 activations, int8
// quantized copies with per-token scales, KV cache in pages of 16 tokens of f16. Every block is
// freed by the end, so the trace can be replayed back to back.
[[nodiscard]] const AllocationTrace& transformer_trace();

}  // namespace bitnet::bench

// Address -> span lookup for every pool in the process: a two-level radix table over 2 MiB
// granules (48-bit addresses: 2^14 top entries of 2^13-entry leaves). Frees that reach the central
// lists, large-block frees and the debug checks use it; the thread-cache fast path never does.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "memory/span.h"

namespace bitnet::memory {

class SpanMap {
 public:
  // The process-wide map; never destroyed, so frees during static destruction still work.
  [[nodiscard]] static SpanMap& instance() noexcept;

  // Maps every granule of the span to it. False when the span lies outside the 48-bit range or
  // a leaf cannot be mapped.
  [[nodiscard]] bool insert(Span* span) noexcept;
  void erase(const Span* span) noexcept;
  // The span whose granules cover `address`, or null. The span may not contain the address (a
  // hole after a short span): callers check Span::contains.
  [[nodiscard]] Span* find(const void* address) const noexcept {
    const uint64_t granule = reinterpret_cast<uintptr_t>(address) >> kGranuleShift;
    if (granule >= (uint64_t{1} << (kTopBits + kLeafBits))) return nullptr;
    const Leaf* leaf = top_[granule >> kLeafBits].load(std::memory_order_acquire);
    if (leaf == nullptr) return nullptr;
    return leaf->spans[granule & (kLeafEntries - 1)].load(std::memory_order_acquire);
  }
  // Bytes of leaves mapped so far (shared by all pools).
  [[nodiscard]] size_t metadata_bytes() const noexcept {
    return leaf_count_.load(std::memory_order_relaxed) * sizeof(Leaf);
  }

 private:
  static constexpr int kGranuleShift = 21;
  static constexpr int kLeafBits = 13;
  static constexpr int kTopBits = 48 - kGranuleShift - kLeafBits;
  static constexpr size_t kLeafEntries = size_t{1} << kLeafBits;

  struct Leaf {
    std::atomic<Span*> spans[kLeafEntries];
  };

  SpanMap() = default;
  bool set(uintptr_t start, size_t bytes, Span* span) noexcept;

  std::mutex mutex_;  // leaf creation
  std::atomic<size_t> leaf_count_{0};
  std::atomic<Leaf*> top_[size_t{1} << kTopBits]{};
};

}  // namespace bitnet::memory

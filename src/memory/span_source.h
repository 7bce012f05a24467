// Where a pool's spans come from: maps and unmaps them through os_memory, keeps the count of bytes
// held from the system and refuses mappings past the pool's limit. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "memory/span.h"

namespace bitnet::memory {

enum class Refusal {
  kNone,
  kLimit,   // the mapping would pass the pool's limit
  kSystem,  // the system refused (or the address is outside the span map's range)
};

class SpanSource {
 public:
  SpanSource(const void* owner, bool checks) noexcept : owner_(owner), checks_(checks) {}
  SpanSource(const SpanSource&) = delete;
  SpanSource& operator=(const SpanSource&) = delete;
  ~SpanSource();  // unmaps every span still mapped

  // A fresh span carved into blocks of `size_class`, or null with *refusal set.
  [[nodiscard]] Span* acquire_small(int size_class, Refusal* refusal);
  // A fresh large block of `bytes` (rounded up to pages), or null with *refusal set.
  [[nodiscard]] Span* acquire_large(size_t bytes, Refusal* refusal);
  // Unmaps the span and frees its descriptor.
  void release(Span* span) noexcept;

  // 0 means no limit. Lowering it below the bytes held refuses new spans until enough are freed.
  void set_limit(uint64_t bytes) noexcept { limit_.store(bytes, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t reserved_bytes() const noexcept {
    return reserved_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t peak_reserved_bytes() const noexcept {
    return peak_reserved_.load(std::memory_order_relaxed);
  }
  // Entirely free small spans may stay mapped (for the next burst of the class) while their bytes
  // fit in the pool's budget for them; the central lists ask here before keeping one.
  [[nodiscard]] bool try_keep_empty(uint64_t bytes) noexcept {
    uint64_t kept = kept_empty_.load(std::memory_order_relaxed);
    do {
      if (kept + bytes > kEmptySpanBudget) return false;
    } while (!kept_empty_.compare_exchange_weak(kept, kept + bytes, std::memory_order_relaxed));
    return true;
  }
  void unkeep_empty(uint64_t bytes) noexcept {
    kept_empty_.fetch_sub(bytes, std::memory_order_relaxed);
  }
  // Span descriptors, bitmaps and the span registry.
  [[nodiscard]] uint64_t metadata_bytes() const noexcept {
    return metadata_.load(std::memory_order_relaxed);
  }
  // Calls visit(span) for every mapped span while holding the registry lock (leak reports).
  template <typename Visit>
  void for_each_span(Visit visit) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (Span* span : spans_) visit(*span);
  }

 private:
  [[nodiscard]] bool reserve(uint64_t bytes, Refusal* refusal) noexcept;
  void unreserve(uint64_t bytes) noexcept;
  [[nodiscard]] Span* map_span(size_t bytes, Refusal* refusal);

  const void* owner_;
  const bool checks_;
  std::atomic<uint64_t> limit_{0};
  std::atomic<uint64_t> reserved_{0};
  std::atomic<uint64_t> peak_reserved_{0};
  std::atomic<uint64_t> metadata_{0};
  static constexpr uint64_t kEmptySpanBudget = uint64_t{64} << 20;
  std::atomic<uint64_t> kept_empty_{0};
  mutable std::mutex mutex_;  // spans_
  std::vector<Span*> spans_;  // every mapped span; Span::registry_index is its position
};

}  // namespace bitnet::memory

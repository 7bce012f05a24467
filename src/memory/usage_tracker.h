// Bytes in use and their peak, counted without a shared atomic on every call.
//
// Each thread keeps its change since its last report (ThreadCache::unreported_bytes) and adds it
// to the shared count only when it grows past the thread's allowance or falls below
// -kMaxUnreportedBytes. The allowance is min(peak - shared, kMaxUnreportedBytes), taken at the
// report: while it holds, shared + unreported <= peak, so a thread alone can never pass the peak
// without reporting it, and a lone thread's peak is exact. Threads that allocate concurrently
// each hide at most kMaxUnreportedBytes from the others, which bounds the error of the peak.
// bytes_in_use itself is exact whenever stats() runs at a quiescent point: it sums the shared
// count and every thread's unreported change.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "bitnet/storage.h"
#include "memory/size_classes.h"

namespace bitnet::memory {

inline constexpr int64_t kMaxUnreportedBytes = int64_t{32} << 20;

class UsageTracker {
 public:
  // Adds a thread's unreported change; returns its next allowance.
  [[nodiscard]] int64_t report(int64_t delta) noexcept {
    const int64_t now = reported_.fetch_add(delta, std::memory_order_relaxed) + delta;
    const int64_t peak = raise_peak(now);
    return std::clamp<int64_t>(peak - now, 0, kMaxUnreportedBytes);
  }
  // The allowance of a thread that has nothing unreported.
  [[nodiscard]] int64_t allowance() const noexcept {
    return std::clamp<int64_t>(
        peak_.load(std::memory_order_relaxed) - reported_.load(std::memory_order_relaxed), 0,
        kMaxUnreportedBytes);
  }
  // Returns the peak after raising it to `bytes`.
  int64_t raise_peak(int64_t bytes) noexcept {
    int64_t peak = peak_.load(std::memory_order_relaxed);
    while (bytes > peak && !peak_.compare_exchange_weak(peak, bytes, std::memory_order_relaxed)) {
    }
    return std::max(peak, bytes);
  }
  [[nodiscard]] int64_t reported() const noexcept {
    return reported_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] int64_t peak() const noexcept { return peak_.load(std::memory_order_relaxed); }

  // Counts of threads that have exited (or had no cache), folded in by the pool.
  std::atomic<uint64_t> retired_allocations[kSizeClassCount] = {};
  std::atomic<uint64_t> retired_large_allocations{0};
  std::atomic<uint64_t> retired_large_frees{0};
  std::atomic<int64_t> retired_large_block_bytes{0};

  // Tagged allocations are rare (whole tensors), so their counts are shared atomics.
  void tag_allocated(MemoryTag tag, size_t bytes) noexcept {
    tag_bytes_[tag.id()].fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed);
    tag_allocations_[tag.id()].fetch_add(1, std::memory_order_relaxed);
  }
  void tag_freed(MemoryTag tag, size_t bytes) noexcept {
    tag_bytes_[tag.id()].fetch_sub(static_cast<int64_t>(bytes), std::memory_order_relaxed);
    tag_frees_[tag.id()].fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] int64_t tag_bytes(uint32_t id) const noexcept {
    return tag_bytes_[id].load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t tag_allocations(uint32_t id) const noexcept {
    return tag_allocations_[id].load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t tag_frees(uint32_t id) const noexcept {
    return tag_frees_[id].load(std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> reported_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> tag_bytes_[MemoryTag::kMaxMemoryTags] = {};
  std::atomic<uint64_t> tag_allocations_[MemoryTag::kMaxMemoryTags] = {};
  std::atomic<uint64_t> tag_frees_[MemoryTag::kMaxMemoryTags] = {};
};

}  // namespace bitnet::memory

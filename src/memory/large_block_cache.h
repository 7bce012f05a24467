// Freed large blocks (above kSmallLimit), kept mapped for reuse: best fit from size buckets (eight
// per power of two), a cap on the bytes kept with the least recently freed evicted first, and trim
// to hand everything back. The caller unmaps what comes out of put() and take_all().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "memory/span.h"

namespace bitnet::memory {

class LargeBlockCache {
 public:
  explicit LargeBlockCache(uint64_t capacity_bytes) noexcept : capacity_(capacity_bytes) {}
  LargeBlockCache(const LargeBlockCache&) = delete;
  LargeBlockCache& operator=(const LargeBlockCache&) = delete;

  // The smallest cached block of at least `bytes` and at most 1/8 more, or null.
  [[nodiscard]] Span* take(size_t bytes) noexcept;
  // Caches a freed block. Returns the blocks evicted to stay under the capacity (possibly this
  // one), linked through Span::next, for the caller to unmap.
  [[nodiscard]] Span* put(Span* span) noexcept;
  // Empties the cache; returns the blocks linked through Span::next.
  [[nodiscard]] Span* take_all() noexcept;
  // Evicts blocks until at most `bytes` are cached; returns them like put().
  [[nodiscard]] Span* shrink_to(uint64_t bytes) noexcept;

  void set_capacity(uint64_t bytes) noexcept;
  [[nodiscard]] uint64_t capacity() const noexcept {
    return capacity_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t cached_bytes() const noexcept;

 private:
  static constexpr int kBucketsPerDoubling = 8;
  static constexpr int kFirstBit = 20;  // large blocks are above 2^20 bytes
  static constexpr int kBucketCount = (48 - kFirstBit) * kBucketsPerDoubling;

  [[nodiscard]] static int bucket_of(size_t bytes) noexcept;
  void unlink(Span* span) noexcept;
  [[nodiscard]] Span* evict_until(uint64_t bytes) noexcept;  // lock held

  mutable std::mutex mutex_;
  std::atomic<uint64_t> capacity_;  // written under the lock, read without it
  uint64_t cached_bytes_ = 0;
  Span* buckets_[kBucketCount] = {};
  Span* oldest_ = nullptr;
  Span* newest_ = nullptr;
};

}  // namespace bitnet::memory

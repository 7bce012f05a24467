#include "memory/large_block_cache.h"

#include <bit>

namespace bitnet::memory {

int LargeBlockCache::bucket_of(size_t bytes) noexcept {
  const int bits = std::bit_width(bytes);  // 2^(bits-1) <= bytes < 2^bits
  if (bits - 1 < kFirstBit) return 0;
  // The three bits below the leading one pick the eighth of the doubling.
  const int eighth = static_cast<int>((bytes >> (bits - 4)) & 7);
  const int bucket = (bits - 1 - kFirstBit) * kBucketsPerDoubling + eighth;
  return bucket < kBucketCount ? bucket : kBucketCount - 1;
}

void LargeBlockCache::unlink(Span* span) noexcept {
  if (span->previous != nullptr) {
    span->previous->next = span->next;
  } else {
    buckets_[bucket_of(span->bytes)] = span->next;
  }
  if (span->next != nullptr) span->next->previous = span->previous;
  if (span->older != nullptr) span->older->newer = span->newer;
  if (span->newer != nullptr) span->newer->older = span->older;
  if (oldest_ == span) oldest_ = span->newer;
  if (newest_ == span) newest_ = span->older;
  span->next = span->previous = span->older = span->newer = nullptr;
  cached_bytes_ -= span->bytes;
}

Span* LargeBlockCache::take(size_t bytes) noexcept {
  const size_t most = bytes + bytes / 8;
  const std::lock_guard<std::mutex> lock(mutex_);
  if (cached_bytes_ == 0) return nullptr;
  const int last = bucket_of(most);
  for (int bucket = bucket_of(bytes); bucket <= last; ++bucket) {
    Span* best = nullptr;
    for (Span* span = buckets_[bucket]; span != nullptr; span = span->next) {
      if (span->bytes < bytes || span->bytes > most) continue;
      if (best == nullptr || span->bytes < best->bytes) best = span;
      if (best->bytes == bytes) break;
    }
    // Buckets hold increasing sizes, so the first one with a fit holds the best fit.
    if (best != nullptr) {
      unlink(best);
      return best;
    }
  }
  return nullptr;
}

Span* LargeBlockCache::evict_until(uint64_t bytes) noexcept {
  Span* evicted = nullptr;
  while (cached_bytes_ > bytes && oldest_ != nullptr) {
    Span* span = oldest_;
    unlink(span);
    span->next = evicted;
    evicted = span;
  }
  return evicted;
}

Span* LargeBlockCache::put(Span* span) noexcept {
  const std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t capacity = capacity_.load(std::memory_order_relaxed);
  if (span->bytes > capacity) {
    span->next = nullptr;
    return span;
  }
  Span*& head = buckets_[bucket_of(span->bytes)];
  span->previous = nullptr;
  span->next = head;
  if (head != nullptr) head->previous = span;
  head = span;
  span->older = newest_;
  span->newer = nullptr;
  if (newest_ != nullptr) newest_->newer = span;
  newest_ = span;
  if (oldest_ == nullptr) oldest_ = span;
  cached_bytes_ += span->bytes;
  return evict_until(capacity);
}

Span* LargeBlockCache::take_all() noexcept {
  const std::lock_guard<std::mutex> lock(mutex_);
  return evict_until(0);
}

Span* LargeBlockCache::shrink_to(uint64_t bytes) noexcept {
  const std::lock_guard<std::mutex> lock(mutex_);
  return evict_until(bytes);
}

void LargeBlockCache::set_capacity(uint64_t bytes) noexcept {
  const std::lock_guard<std::mutex> lock(mutex_);
  capacity_.store(bytes, std::memory_order_relaxed);
}

uint64_t LargeBlockCache::cached_bytes() const noexcept {
  const std::lock_guard<std::mutex> lock(mutex_);
  return cached_bytes_;
}

}  // namespace bitnet::memory

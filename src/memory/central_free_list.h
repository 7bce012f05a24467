// The free blocks of one size class that no thread cache holds. Thread caches move blocks in and
// out in batches; the list keeps the most recent ones in a small stack (no span lookup on the way
// through) and returns the rest to their spans' bitmaps, so that a span whose blocks have all come
// back can be unmapped.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "memory/span.h"
#include "memory/span_source.h"

namespace bitnet::memory {

class CentralFreeList {
 public:
  CentralFreeList() = default;
  CentralFreeList(const CentralFreeList&) = delete;
  CentralFreeList& operator=(const CentralFreeList&) = delete;

  void init(int size_class, SpanSource* source);

  // Moves up to `wanted` free blocks to `out` and returns how many. 0 only when a fresh span was
  // needed and refused (*refusal says why).
  [[nodiscard]] int remove(void** out, int wanted, Refusal* refusal);
  // Takes back blocks of this class (from a thread cache or a thread without one).
  void insert(void* const* blocks, int count) noexcept;
  // Unmaps every span whose blocks are all free; returns the bytes given back.
  uint64_t trim() noexcept;
  // Blocks of this class handed to thread caches or users and not yet back: carved from spans
  // minus free in the list.
  [[nodiscard]] uint64_t outstanding_blocks() const noexcept;
  // Bytes of this list's own bookkeeping (the transfer stack).
  [[nodiscard]] uint64_t metadata_bytes() const noexcept {
    return transfer_capacity_ * sizeof(void*);
  }

 private:
  // Returns a block to its span (lock held). A span that becomes entirely free stays mapped if
  // `keep` is set and the pool's budget for empty spans allows; otherwise it is unlinked and
  // pushed on `released`.
  void return_to_span(void* block, bool keep, Span** released) noexcept;
  void unlink_partial(Span* span) noexcept;
  // Unlinks an entirely free span for unmapping (lock held) and pushes it on `released`.
  void detach_empty(Span* span, Span** released) noexcept;
  void release_spans(Span* released) noexcept;

  mutable std::mutex mutex_;
  int size_class_ = 0;
  SpanSource* source_ = nullptr;
  std::unique_ptr<void*[]> transfer_;
  uint32_t transfer_count_ = 0;
  uint32_t transfer_capacity_ = 0;
  Span* partial_ = nullptr;     // spans with blocks in their bitmaps
  Span* current_ = nullptr;     // the span blocks are carved from
  uint64_t carved_blocks_ = 0;  // over the spans still mapped
  uint64_t free_in_spans_ = 0;  // set bits over all free_bits
};

}  // namespace bitnet::memory

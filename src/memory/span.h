// A span: one mapping from the system, either carved into blocks of one size class or holding one
// large block. Its descriptor lives outside the mapping, so that blocks start at offset 0 (aligned
// to the granule) and user writes can never corrupt the pool's bookkeeping.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace bitnet::memory {

inline constexpr int kLargeSpan = -1;  // Span::size_class of a large block

struct Span {
  std::byte* base = nullptr;
  size_t bytes = 0;             // mapped bytes
  const void* owner = nullptr;  // the pool that mapped it, for foreign-pointer checks
  int size_class = kLargeSpan;
  uint32_t block_bytes = 0;
  uint32_t capacity = 0;        // blocks in the span
  uint32_t carved = 0;          // blocks [0, carved) have been handed out at least once
  uint32_t free_count = 0;      // carved blocks whose bit is set in free_bits
  uint32_t search_word = 0;     // no set bit in free_bits before this word
  uint32_t registry_index = 0;  // position in the SpanSource's list of mapped spans
  bool in_partial_list = false;
  bool kept_empty = false;  // counted as the class's one retained empty span
  // The central list's partial spans, or the large cache's size bucket.
  Span* next = nullptr;
  Span* previous = nullptr;
  // Large blocks: the cache's least-recently-freed order, for eviction.
  Span* older = nullptr;
  Span* newer = nullptr;
  std::unique_ptr<uint64_t[]> free_bits;  // small spans: bit i set = block i is free in the span
  // Checks only: bit i set = block i is with a user (small), or bit 0 = the large block is live.
  std::unique_ptr<std::atomic<uint64_t>[]> live_bits;

  [[nodiscard]] size_t bitmap_words() const noexcept { return (capacity + 63) / 64; }
  [[nodiscard]] void* block(uint32_t index) const noexcept {
    // Precondition: index < capacity, so the block lies inside the mapping.
    return base + static_cast<size_t>(index) * block_bytes;
  }
  [[nodiscard]] uint32_t index_of(const void* block) const noexcept {
    return static_cast<uint32_t>(static_cast<size_t>(static_cast<const std::byte*>(block) - base) /
                                 block_bytes);
  }
  [[nodiscard]] bool contains(const void* address) const noexcept {
    const auto* byte = static_cast<const std::byte*>(address);
    return byte >= base && byte < base + bytes;
  }
  // Bookkeeping bytes of this span: the descriptor, its bitmaps and its registry entry.
  [[nodiscard]] size_t metadata_bytes() const noexcept {
    size_t words = free_bits ? bitmap_words() : 0;
    if (live_bits) words += size_class == kLargeSpan ? 1 : bitmap_words();
    return sizeof(Span) + sizeof(Span*) + words * sizeof(uint64_t);
  }

  // Free-bitmap operations; the caller holds the lock of the span's central list.
  void mark_free(uint32_t index) noexcept {
    free_bits[index / 64] |= uint64_t{1} << (index % 64);
    ++free_count;
    if (index / 64 < search_word) search_word = index / 64;
  }
  // Precondition: free_count > 0.
  [[nodiscard]] uint32_t take_free() noexcept {
    while (free_bits[search_word] == 0) ++search_word;
    uint64_t& word = free_bits[search_word];
    const auto bit = static_cast<uint32_t>(std::countr_zero(word));
    word &= word - 1;
    --free_count;
    return search_word * 64 + bit;
  }
};

}  // namespace bitnet::memory

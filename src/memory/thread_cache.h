// A thread's cache of free small blocks for one pool: per size class, a stack of block pointers.
// Allocation pops, free pushes; only an empty or full stack reaches the central list, a batch at a
// time. The stacks live outside the blocks, so freed memory is never written (and stays poisoned
// under ASan).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "memory/size_classes.h"

namespace bitnet::memory {

class PoolCore;
struct Span;

// A counter that one thread writes and any thread reads. A relaxed load and store (not a
// read-modify-write) compile to a plain add on x86-64 and arm64, yet readers see no data race.
class OwnedCounter {
 public:
  void add(int64_t delta) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
  void set(int64_t value) noexcept { value_.store(value, std::memory_order_relaxed); }
  [[nodiscard]] int64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Where each class's stack starts in ThreadCache::slots, fixed at compile time so that the fast
// path finds a block with one load from the cache (no pointer to chase).
struct SlotLayout {
  std::array<uint32_t, kSizeClassCount> offsets{};
  uint32_t total = 0;
};

constexpr SlotLayout make_slot_layout() {
  SlotLayout layout;
  for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
    layout.offsets[static_cast<size_t>(size_class)] = layout.total;
    layout.total += kSizeClasses[static_cast<size_t>(size_class)].cache_capacity;
  }
  return layout;
}

inline constexpr SlotLayout kSlotLayout = make_slot_layout();

// One size class's stack in a thread cache. `count` is atomic only so that stats() may read it
// from another thread; the owner's relaxed loads and stores are plain moves. Frees are not counted:
// stats() derives them from the blocks that are neither cached nor in the central list.
struct Bin {
  std::atomic<uint32_t> count{0};
  OwnedCounter allocations;  // by this thread, of this class

  [[nodiscard]] uint32_t size() const noexcept { return count.load(std::memory_order_relaxed); }
  void resize(uint32_t value) noexcept { count.store(value, std::memory_order_relaxed); }
};

struct ThreadCache {
  ThreadCache(PoolCore* pool_core, const void* key) noexcept : fast_key(key), core(pool_core) {}
  ThreadCache(const ThreadCache&) = delete;
  ThreadCache& operator=(const ThreadCache&) = delete;

  // The stack of free blocks of a class: kSizeClasses[size_class].cache_capacity slots.
  [[nodiscard]] void** stack(int size_class) noexcept {
    return slots + kSlotLayout.offsets[static_cast<size_t>(size_class)];
  }
  [[nodiscard]] uint64_t cached_bytes() const noexcept;  // owning thread only
  [[nodiscard]] static uint64_t metadata_bytes() noexcept { return sizeof(ThreadCache); }

  // The pool whose fast path may use this cache, compared on every call: null when the pool runs
  // checks (every call then takes the slow path, which checks) or is gone.
  const void* fast_key;
  // The pool this cache belongs to; null once the pool is destroyed before the thread exits (the
  // thread then deletes the cache).
  PoolCore* core;
  // Requested bytes allocated minus freed by this thread that the pool's shared count has not seen
  // yet, and how far it may grow before it is reported (UsageTracker).
  OwnedCounter unreported_bytes;
  int64_t allowance = 0;
  OwnedCounter large_allocations;
  OwnedCounter large_frees;
  OwnedCounter large_block_bytes;  // mapped bytes of large blocks allocated minus freed
  // The large block this thread freed last, kept for its next large allocation without taking the
  // large cache's lock. Atomic because trim() on another thread may take it back.
  std::atomic<Span*> large_stash{nullptr};
  // The pool's list of caches.
  ThreadCache* next = nullptr;
  ThreadCache* previous = nullptr;
  Bin bins[kSizeClassCount];
  void* slots[kSlotLayout.total];
};

}  // namespace bitnet::memory

// Pooled, tracked memory for tensor storage.
//
// HybridMemoryPool is the CPU allocator behind every tensor (default_cpu_allocator()). Small
// blocks (up to 1 MiB) come from size classes with a cache per thread, so that an allocation or a
// free is a few instructions without locks or atomic read-modify-writes; large blocks come from a
// best-fit cache of freed blocks or straight from the system, with transparent huge pages from
// 2 MiB. Every block is 64-byte aligned (up to 4096 on request).
//
// Tracking is always on. Counts are kept per thread and summed when stats() is called, so
// statistics are exact whenever no other thread is allocating at the same moment (a quiescent
// point, such as the end of a test or of a forward pass). A byte limit per pool bounds the memory
// held from the system: past it the pool first returns its caches, then throws
// Error(kOutOfMemory) naming the request, the limit and the bytes in use, and keeps working.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bitnet/device.h"
#include "bitnet/storage.h"

namespace bitnet {

namespace memory {
class PoolCore;
struct ThreadCache;
}  // namespace memory

// One size class of small blocks.
struct SizeClassStats {
  uint64_t block_bytes = 0;  // every block of the class has this size
  uint64_t allocations = 0;
  uint64_t frees = 0;
  [[nodiscard]] uint64_t live_blocks() const noexcept { return allocations - frees; }
};

struct TagStats {
  std::string name;
  uint64_t bytes_in_use = 0;  // requested bytes
  uint64_t allocations = 0;
  uint64_t frees = 0;
};

struct MemoryStats {
  Device device;
  // Requested bytes of the blocks handed out and not yet freed.
  uint64_t bytes_in_use = 0;
  // The largest bytes_in_use so far. Exact while one thread at a time allocates; with threads
  // allocating concurrently each thread reports its changes in batches, so a peak shorter than a
  // batch may be off by up to 32 MiB per such thread.
  uint64_t peak_bytes_in_use = 0;
  uint64_t allocations = 0;
  uint64_t frees = 0;
  // bytes_in_use rounded up to the blocks actually handed out (size class or page multiple).
  uint64_t block_bytes_in_use = 0;
  // Held from the system: every mapped span and large block, live or cached.
  uint64_t reserved_bytes = 0;
  uint64_t peak_reserved_bytes = 0;
  // reserved_bytes not in a live block: thread caches, central lists, cached large blocks, the
  // not yet carved part of spans, and spans whose blocks are all free (kept mapped for the next
  // burst, up to 64 MiB per pool).
  uint64_t cached_bytes = 0;
  uint64_t large_cached_bytes = 0;  // of which freed large blocks kept for reuse
  // The pool's own bookkeeping: span descriptors and bitmaps, thread caches, free-list stacks,
  // its share of the span map.
  uint64_t metadata_bytes = 0;
  uint64_t limit_bytes = 0;  // 0: no limit
  uint64_t large_cache_capacity_bytes = 0;
  uint64_t small_block_limit = 0;  // blocks above this many bytes are large
  uint64_t trims = 0;              // explicit trim() calls and automatic ones under pressure
  uint64_t out_of_memory_errors = 0;
  uint64_t thread_caches = 0;  // threads currently holding a cache of this pool
  std::vector<SizeClassStats> size_classes;
  SizeClassStats large;        // block_bytes: bytes of live large blocks
  std::vector<TagStats> tags;  // every tag that has been used with this pool

  // metadata_bytes / bytes_in_use (0 when nothing is in use).
  [[nodiscard]] double metadata_overhead() const noexcept;
  [[nodiscard]] uint64_t live_blocks() const noexcept { return allocations - frees; }
};

// A per-device pool of memory: the interface the CPU pool implements and that the GPU caching
// pool will.
class MemoryPool : public Allocator {
 public:
  using Allocator::allocate;
  using Allocator::deallocate;

  [[nodiscard]] virtual MemoryStats stats() const = 0;
  // Caps the bytes held from the device (0: none). Lowering it trims the caches.
  virtual void set_limit(uint64_t bytes) = 0;
  [[nodiscard]] virtual uint64_t limit() const noexcept = 0;
  // Returns cached memory to the system: freed large blocks (every thread's), spans whose blocks
  // are all free, and the calling thread's cache of small blocks. Other threads' small-block
  // caches (at most about 256 KiB per size class each) go back when those threads exit.
  virtual void trim() noexcept = 0;
  // The blocks still allocated, by size class and tag; empty when nothing is.
  [[nodiscard]] virtual std::string leak_report() const = 0;
};

struct PoolOptions {
  uint64_t limit_bytes = 0;  // 0: no limit
  // Freed large blocks kept for reuse; the least recently freed go back to the system past it.
  uint64_t large_cache_bytes = uint64_t{1} << 30;
  // Detect double frees, foreign pointers and size mismatches on every free (aborting with a
  // message naming the pointer), at the cost of a span lookup per call. On in debug builds.
  bool checks = kPoolChecksByDefault;
  // Print leak_report() to stderr when the pool is destroyed with blocks still allocated.
  bool report_leaks = kPoolChecksByDefault;

#ifdef NDEBUG
  static constexpr bool kPoolChecksByDefault = false;
#else
  static constexpr bool kPoolChecksByDefault = true;
#endif
};

// The CPU pool. Thread-safe; any thread may free a block allocated by any other.
class HybridMemoryPool final : public MemoryPool {
 public:
  explicit HybridMemoryPool(PoolOptions options = {});
  HybridMemoryPool(const HybridMemoryPool&) = delete;
  HybridMemoryPool& operator=(const HybridMemoryPool&) = delete;
  // Every block must have been freed; the pool's memory goes back to the system.
  ~HybridMemoryPool() override;

  using MemoryPool::allocate;
  using MemoryPool::deallocate;
  void* allocate(size_t bytes) override;
  void deallocate(void* pointer, size_t bytes) noexcept override;
  void* allocate(const AllocationRequest& request) override;
  void deallocate(void* pointer, const AllocationRequest& request) noexcept override;
  [[nodiscard]] Device device() const noexcept override { return Device::cpu(); }

  [[nodiscard]] MemoryStats stats() const override;
  void set_limit(uint64_t bytes) override;
  [[nodiscard]] uint64_t limit() const noexcept override;
  void trim() noexcept override;
  [[nodiscard]] std::string leak_report() const override;

  void set_large_cache_capacity(uint64_t bytes) noexcept;
  // Returns the calling thread's cached blocks to the shared lists.
  void flush_thread_cache() noexcept;
  [[nodiscard]] bool checks() const noexcept { return checks_; }

 private:
  void* allocate_slow(size_t bytes, int size_class);
  void deallocate_slow(void* pointer, size_t bytes, int size_class) noexcept;
  void* allocated_over_allowance(void* block, size_t bytes);
  void freed_over_allowance() noexcept;
  [[nodiscard]] memory::ThreadCache* slow_cache() noexcept;
  [[nodiscard]] memory::ThreadCache* own_cache() const noexcept;

  uint32_t id_;  // index of this pool's slot in the per-thread cache table
  bool checks_;
  std::unique_ptr<memory::PoolCore> core_;
};

// The process's CPU pool (limit from BITNET_MEMORY_LIMIT). Never destroyed, so tensors that
// outlive main() can still free their storage.
[[nodiscard]] HybridMemoryPool& cpu_memory_pool() noexcept;
// Every pool alive, the CPU pool first.
[[nodiscard]] std::vector<MemoryPool*> memory_pools();

// Tags the allocations of the current thread made through Storage::allocate while it is alive.
//   MemoryTagScope scope(MemoryTag::named("kv_cache"));
class MemoryTagScope {
 public:
  explicit MemoryTagScope(MemoryTag tag) noexcept;
  ~MemoryTagScope();
  MemoryTagScope(const MemoryTagScope&) = delete;
  MemoryTagScope& operator=(const MemoryTagScope&) = delete;

 private:
  MemoryTag previous_;
};

// The innermost MemoryTagScope's tag on this thread (untagged outside of any).
[[nodiscard]] MemoryTag current_memory_tag() noexcept;

// count * element_bytes, or Error(kOverflow) naming both when the product does not fit.
[[nodiscard]] size_t array_bytes(size_t count, size_t element_bytes);

}  // namespace bitnet

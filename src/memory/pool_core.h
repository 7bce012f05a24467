// The shared state of one HybridMemoryPool and its slow paths: central lists, the large-block
// cache, the span source, the registry of thread caches, statistics and the debug checks. The fast
// paths (thread-cache pops and pushes) are in hybrid_pool.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "bitnet/memory.h"
#include "memory/central_free_list.h"
#include "memory/large_block_cache.h"
#include "memory/size_classes.h"
#include "memory/span_source.h"
#include "memory/thread_cache.h"
#include "memory/usage_tracker.h"

namespace bitnet::memory {

class PoolCore {
 public:
  PoolCore(const void* pool_key, const PoolOptions& options);
  PoolCore(const PoolCore&) = delete;
  PoolCore& operator=(const PoolCore&) = delete;
  ~PoolCore();  // thread caches must have been detached or orphaned

  // Thread caches. create_cache and detach_cache run under the pool registry's lock.
  [[nodiscard]] ThreadCache* create_cache();
  // Returns the cache's blocks, folds its counts into the retired totals and deletes it.
  void detach_cache(ThreadCache* cache) noexcept;
  // The pool is going away: caches of threads still running forget it and their blocks; each
  // thread deletes its cache when it exits.
  void orphan_caches() noexcept;
  // Moves every block of the cache to the central lists.
  void flush_cache(ThreadCache& cache) noexcept;
  // The cache's unreported change goes into the shared count (see UsageTracker).
  void report_usage(ThreadCache& cache) noexcept;

  // Small blocks. `cache` may be null (a thread that has exited, or whose cache could not be
  // made); the block is then moved to or from the central list directly.
  [[nodiscard]] void* allocate_small(ThreadCache* cache, int size_class, size_t bytes);
  void free_small(ThreadCache* cache, void* block, int size_class, size_t bytes) noexcept;
  // Large blocks.
  [[nodiscard]] void* allocate_large(ThreadCache* cache, size_t bytes);
  void free_large(ThreadCache* cache, void* block, size_t bytes) noexcept;

  // Returns cached memory: the caller's thread cache (if given), empty spans, the large cache.
  void trim(ThreadCache* caller) noexcept;
  void set_limit(uint64_t bytes, ThreadCache* caller) noexcept;
  [[nodiscard]] uint64_t limit() const noexcept { return spans_.limit(); }
  void set_large_cache_capacity(uint64_t bytes) noexcept;
  void tag_allocated(MemoryTag tag, size_t bytes) noexcept { usage_.tag_allocated(tag, bytes); }
  void tag_freed(MemoryTag tag, size_t bytes) noexcept { usage_.tag_freed(tag, bytes); }

  [[nodiscard]] MemoryStats stats() const;
  [[nodiscard]] std::string leak_report() const;
  [[nodiscard]] bool report_leaks() const noexcept { return report_leaks_; }

  // Checks (PoolOptions::checks): each aborts with a message naming the pointer on a double free,
  // a foreign pointer or a size that does not match the block.
  void check_allocated(const void* block) noexcept;
  void check_free(const void* pointer, size_t bytes, int size_class) noexcept;

 private:
  // Flushes the caller's cache and trims; called before refusing a request at the limit.
  void relieve_pressure(ThreadCache* caller) noexcept;
  [[noreturn]] void throw_out_of_memory(size_t bytes, Refusal refusal);
  [[nodiscard]] uint64_t exact_bytes_in_use() const;
  void release_chain(Span* chain) noexcept;
  // Takes the cache's stashed large block if one of `bytes` fits it, else null.
  [[nodiscard]] Span* take_stash(ThreadCache* cache, size_t bytes) noexcept;
  // Moves a stashed block to the shared large cache (null does nothing).
  void unstash(Span* span) noexcept;

  const void* const pool_key_;
  const bool checks_;
  const bool report_leaks_;
  SpanSource spans_;
  CentralFreeList centrals_[kSizeClassCount];
  LargeBlockCache large_cache_;
  mutable UsageTracker usage_;
  std::atomic<uint64_t> stashed_bytes_{0};  // in the threads' large stashes
  std::atomic<uint64_t> trims_{0};
  std::atomic<uint64_t> out_of_memory_errors_{0};

  mutable std::mutex caches_mutex_;
  ThreadCache* caches_ = nullptr;
  uint64_t cache_count_ = 0;
};

}  // namespace bitnet::memory

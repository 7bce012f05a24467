// HybridMemoryPool (src/memory/): size classes, alignment, statistics against an independent
// recount, cross-thread frees, the large-block cache, limits and pressure, tags, leak reports,
// the debug checks and the tensor default. The multi-threaded stress test is
// memory_stress_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bitnet/bitnet.h"
#include "bitnet/memory.h"
#include "memory/os_memory.h"
#include "memory/sanitizer.h"
#include "memory/size_classes.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using memory::kSizeClassCount;
using memory::kSmallLimit;
using testing::seed_trace;
using testing::test_seeds;

constexpr size_t kMiB = size_t{1} << 20;

bool aligned_to(const void* pointer, size_t alignment) {
  return reinterpret_cast<uintptr_t>(pointer) % alignment == 0;
}

size_t page_rounded(size_t bytes) {
  const size_t page = memory::os::page_size();
  return (bytes + page - 1) / page * page;
}

// What the pool's statistics must say, counted by the test from its own calls.
class Recount {
 public:
  Recount() : allocations_(kSizeClassCount), frees_(kSizeClassCount) {}

  void allocated(size_t bytes, size_t alignment = kStorageAlignment) {
    const int size_class = memory::size_class_for(bytes, alignment);
    if (size_class == kSizeClassCount) {
      ++large_allocations_;
      large_block_bytes_ += page_rounded(bytes);
    } else {
      ++allocations_[static_cast<size_t>(size_class)];
      block_bytes_ += memory::block_bytes_of(size_class);
    }
    bytes_in_use_ += bytes;
    peak_ = std::max(peak_, bytes_in_use_);
  }
  void freed(size_t bytes, size_t alignment = kStorageAlignment) {
    const int size_class = memory::size_class_for(bytes, alignment);
    if (size_class == kSizeClassCount) {
      ++large_frees_;
      large_block_bytes_ -= page_rounded(bytes);
    } else {
      ++frees_[static_cast<size_t>(size_class)];
      block_bytes_ -= memory::block_bytes_of(size_class);
    }
    bytes_in_use_ -= bytes;
  }

  // Large blocks may be served by a cached block up to 1/8 larger, so their mapped bytes are
  // checked only when `exact_large` (every large request had a distinct, fresh size).
  void expect_matches(const MemoryStats& stats, bool exact_large = true) const {
    uint64_t allocations = large_allocations_;
    uint64_t frees = large_frees_;
    for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
      const SizeClassStats& entry = stats.size_classes[static_cast<size_t>(size_class)];
      EXPECT_EQ(entry.allocations, allocations_[static_cast<size_t>(size_class)])
          << "class " << entry.block_bytes;
      EXPECT_EQ(entry.frees, frees_[static_cast<size_t>(size_class)])
          << "class " << entry.block_bytes;
      allocations += allocations_[static_cast<size_t>(size_class)];
      frees += frees_[static_cast<size_t>(size_class)];
    }
    EXPECT_EQ(stats.large.allocations, large_allocations_);
    EXPECT_EQ(stats.large.frees, large_frees_);
    EXPECT_EQ(stats.allocations, allocations);
    EXPECT_EQ(stats.frees, frees);
    EXPECT_EQ(stats.bytes_in_use, bytes_in_use_);
    if (exact_large) {
      EXPECT_EQ(stats.large.block_bytes, large_block_bytes_);
      EXPECT_EQ(stats.block_bytes_in_use, block_bytes_ + large_block_bytes_);
    }
    EXPECT_GE(stats.reserved_bytes, stats.block_bytes_in_use);
    EXPECT_EQ(stats.cached_bytes, stats.reserved_bytes - stats.block_bytes_in_use);
  }
  [[nodiscard]] uint64_t peak() const { return peak_; }
  [[nodiscard]] uint64_t bytes_in_use() const { return bytes_in_use_; }

 private:
  std::vector<uint64_t> allocations_;
  std::vector<uint64_t> frees_;
  uint64_t large_allocations_ = 0;
  uint64_t large_frees_ = 0;
  uint64_t block_bytes_ = 0;
  uint64_t large_block_bytes_ = 0;
  uint64_t bytes_in_use_ = 0;
  uint64_t peak_ = 0;
};

PoolOptions checked_options() {
  PoolOptions options;
  options.checks = true;
  options.report_leaks = false;
  return options;
}

TEST(SizeClasses, CoverEveryRequestWithTheSmallestClass) {
  size_t previous = 0;
  for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
    const size_t bytes = memory::block_bytes_of(size_class);
    EXPECT_EQ(bytes % 64, 0u) << bytes;
    EXPECT_GT(bytes, previous);
    // Four classes per doubling: a request is rounded up by at most 25%.
    if (previous >= 256) EXPECT_LE(bytes - previous, previous / 4) << bytes;
    EXPECT_EQ(memory::size_class_of(bytes), size_class) << bytes;
    EXPECT_EQ(memory::size_class_of(previous + 1), size_class) << previous + 1;
    EXPECT_GE(memory::kSizeClasses[static_cast<size_t>(size_class)].blocks_per_span, 2u);
    previous = bytes;
  }
  EXPECT_EQ(previous, kSmallLimit);
  EXPECT_EQ(memory::size_class_of(0), 0);
  std::mt19937_64 engine(7);
  for (int trial = 0; trial < 100000; ++trial) {
    const size_t bytes = std::uniform_int_distribution<size_t>(1, kSmallLimit)(engine);
    const int size_class = memory::size_class_of(bytes);
    ASSERT_GE(memory::block_bytes_of(size_class), bytes);
    if (size_class > 0) ASSERT_LT(memory::block_bytes_of(size_class - 1), bytes);
  }
}

TEST(SizeClasses, AlignedClassesAreMultiplesOfTheAlignment) {
  for (size_t alignment = 128; alignment <= kMaxAlignment; alignment *= 2) {
    for (const size_t bytes : {size_t{1}, size_t{100}, alignment, alignment + 1, size_t{5000},
                               size_t{300000}, kSmallLimit}) {
      const int size_class = memory::size_class_for(bytes, alignment);
      ASSERT_LT(size_class, kSizeClassCount);
      EXPECT_EQ(memory::block_bytes_of(size_class) % alignment, 0u) << bytes << " " << alignment;
      EXPECT_GE(memory::block_bytes_of(size_class), bytes);
    }
  }
  EXPECT_EQ(memory::size_class_for(kSmallLimit + 1, 64), kSizeClassCount);
}

TEST(HybridMemoryPool, EveryBlockIs64ByteAlignedAndWritable) {
  HybridMemoryPool pool(checked_options());
  std::vector<std::pair<void*, size_t>> blocks;
  for (const size_t bytes :
       {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{1000}, size_t{4096},
        size_t{65536}, kSmallLimit - 1, kSmallLimit, kSmallLimit + 1, 3 * kMiB + 5, 16 * kMiB}) {
    void* block = pool.allocate(bytes);
    ASSERT_NE(block, nullptr);
    EXPECT_TRUE(aligned_to(block, 64)) << bytes;
    if (bytes != 0) std::memset(block, 0xab, bytes);
    blocks.emplace_back(block, bytes);
  }
  // Distinct blocks, including the zero-byte one.
  for (size_t first = 0; first < blocks.size(); ++first) {
    for (size_t second = first + 1; second < blocks.size(); ++second) {
      EXPECT_NE(blocks[first].first, blocks[second].first);
    }
  }
  for (const auto& [block, bytes] : blocks) pool.deallocate(block, bytes);
  EXPECT_EQ(pool.stats().bytes_in_use, 0u);
}

TEST(HybridMemoryPool, LargerAlignmentsOnRequest) {
  HybridMemoryPool pool(checked_options());
  Recount recount;
  std::vector<AllocationRequest> requests;
  std::vector<void*> blocks;
  for (size_t alignment = 1; alignment <= kMaxAlignment; alignment *= 2) {
    for (const size_t bytes : {size_t{0}, size_t{24}, size_t{3000}, size_t{70000}, 2 * kMiB + 1}) {
      const AllocationRequest request{bytes, alignment, {}};
      void* block = pool.allocate(request);
      EXPECT_TRUE(aligned_to(block, std::max(alignment, kStorageAlignment)))
          << bytes << " aligned to " << alignment;
      if (bytes != 0) std::memset(block, 1, bytes);
      requests.push_back(request);
      blocks.push_back(block);
      recount.allocated(bytes, alignment);
    }
  }
  recount.expect_matches(pool.stats(), false);
  for (size_t index = 0; index < blocks.size(); ++index) {
    pool.deallocate(blocks[index], requests[index]);
    recount.freed(requests[index].bytes, requests[index].alignment);
  }
  recount.expect_matches(pool.stats(), false);
}

TEST(HybridMemoryPool, RefusesInvalidAlignments) {
  HybridMemoryPool pool(checked_options());
  for (const size_t alignment : {size_t{0}, size_t{3}, size_t{96}, 2 * kMaxAlignment}) {
    EXPECT_BITNET_ERROR(pool.allocate(AllocationRequest{64, alignment, {}}), "alignment");
  }
  EXPECT_EQ(pool.stats().allocations, 0u);
}

TEST(HybridMemoryPool, ArrayBytesRefusesOverflow) {
  EXPECT_EQ(array_bytes(1000, 4), 4000u);
  EXPECT_EQ(array_bytes(0, SIZE_MAX), 0u);
  EXPECT_BITNET_ERROR((void)array_bytes(SIZE_MAX / 2, 3), "overflow");
  try {
    (void)array_bytes(size_t{1} << 62, 8);
    FAIL() << "expected an overflow error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kOverflow);
  }
}

TEST(HybridMemoryPool, AbsurdSizesAreOutOfMemory) {
  HybridMemoryPool pool(checked_options());
  for (const size_t bytes : {SIZE_MAX, SIZE_MAX - 4095, size_t{1} << 50}) {
    try {
      (void)pool.allocate(bytes);
      FAIL() << "expected out of memory for " << bytes;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kOutOfMemory);
      EXPECT_NE(std::string(error.what()).find(std::to_string(bytes)), std::string::npos)
          << error.what();
    }
  }
  void* block = pool.allocate(100);
  pool.deallocate(block, 100);
  EXPECT_EQ(pool.stats().out_of_memory_errors, 3u);
}

TEST(HybridMemoryPool, StatsEqualARecountOfRandomWork) {
  for (const uint64_t seed : test_seeds()) {
    SCOPED_TRACE(seed_trace(seed));
    HybridMemoryPool pool(checked_options());
    Recount recount;
    std::mt19937_64 engine(seed);
    std::vector<std::pair<void*, size_t>> live;
    for (int step = 0; step < 20000; ++step) {
      const bool allocate = live.empty() || std::uniform_int_distribution<int>(0, 99)(engine) < 55;
      if (allocate) {
        // Mostly small, log-uniform up to 1 MiB; one in 200 large, up to 5 MiB.
        size_t bytes = 0;
        if (std::uniform_int_distribution<int>(0, 199)(engine) == 0) {
          bytes = kSmallLimit + 1 + static_cast<size_t>(step % 64) * 65536 + live.size() % 7;
        } else {
          const int bits = std::uniform_int_distribution<int>(0, 20)(engine);
          bytes = std::uniform_int_distribution<size_t>(0, size_t{1} << bits)(engine);
        }
        void* block = pool.allocate(bytes);
        if (bytes != 0) static_cast<volatile char*>(block)[bytes - 1] = 1;
        live.emplace_back(block, bytes);
        recount.allocated(bytes);
      } else {
        const size_t index = std::uniform_int_distribution<size_t>(0, live.size() - 1)(engine);
        pool.deallocate(live[index].first, live[index].second);
        recount.freed(live[index].second);
        live[index] = live.back();
        live.pop_back();
      }
      if (step % 5000 == 0) recount.expect_matches(pool.stats(), false);
    }
    const MemoryStats during = pool.stats();
    recount.expect_matches(during, false);
    // One thread: the peak is exact.
    EXPECT_EQ(during.peak_bytes_in_use, recount.peak());
    for (const auto& [block, bytes] : live) {
      pool.deallocate(block, bytes);
      recount.freed(bytes);
    }
    const MemoryStats after = pool.stats();
    recount.expect_matches(after, false);
    EXPECT_EQ(after.bytes_in_use, 0u);
    EXPECT_EQ(after.block_bytes_in_use, 0u);
    EXPECT_EQ(after.peak_bytes_in_use, recount.peak());
  }
}

TEST(HybridMemoryPool, PeakIsExactOnOneThread) {
  HybridMemoryPool pool(checked_options());
  // Up to 100 MiB and down again, three times, in steps of various sizes.
  const std::vector<size_t> sizes = {64, 1000, 70000, 900000, 3 * kMiB, 17 * kMiB};
  uint64_t expected_peak = 0;
  for (int cycle = 0; cycle < 3; ++cycle) {
    std::vector<std::pair<void*, size_t>> live;
    uint64_t in_use = 0;
    for (int step = 0; in_use < (uint64_t{100} << 20) + static_cast<uint64_t>(cycle); ++step) {
      const size_t bytes =
          sizes[static_cast<size_t>(step) % sizes.size()] + static_cast<size_t>(cycle);
      live.emplace_back(pool.allocate(bytes), bytes);
      in_use += bytes;
    }
    expected_peak = std::max(expected_peak, in_use);
    EXPECT_EQ(pool.stats().peak_bytes_in_use, expected_peak);
    for (const auto& [block, bytes] : live) pool.deallocate(block, bytes);
    EXPECT_EQ(pool.stats().peak_bytes_in_use, expected_peak);
    EXPECT_EQ(pool.stats().bytes_in_use, 0u);
  }
}

TEST(HybridMemoryPool, BlockFreedOnAnotherThreadIsReusedPromptly) {
  HybridMemoryPool pool(checked_options());
  constexpr size_t kBytes = 200;
  void* block = pool.allocate(kBytes);
  void* reused = nullptr;
  std::thread other([&] {
    pool.deallocate(block, kBytes);
    // The freeing thread caches the block: its next allocation of the class gets it back.
    reused = pool.allocate(kBytes);
    pool.deallocate(reused, kBytes);
  });
  other.join();
  EXPECT_EQ(reused, block);
  // The other thread has exited: its cache went back to the central list, where this thread's
  // next refill finds it.
  const MemoryStats stats = pool.stats();
  EXPECT_EQ(stats.thread_caches, 1u);
  EXPECT_EQ(stats.allocations, 2u);
  EXPECT_EQ(stats.frees, 2u);
  EXPECT_EQ(stats.bytes_in_use, 0u);
  std::vector<void*> blocks;
  bool found = false;
  for (int index = 0; index < 256 && !found; ++index) {
    blocks.push_back(pool.allocate(kBytes));
    found = blocks.back() == block;
  }
  EXPECT_TRUE(found);
  for (void* each : blocks) pool.deallocate(each, kBytes);
}

TEST(HybridMemoryPool, ThreadsThatExitHandTheirCountsAndBlocksBack) {
  HybridMemoryPool pool(checked_options());
  Recount recount;
  std::mutex recount_mutex;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      std::vector<std::pair<void*, size_t>> blocks;
      for (int index = 0; index < 1000; ++index) {
        const size_t bytes = static_cast<size_t>(64 * (index % 50) + thread);
        blocks.emplace_back(pool.allocate(bytes), bytes);
      }
      // Half are left for the main thread to free.
      for (size_t index = 0; index < blocks.size(); index += 2) {
        pool.deallocate(blocks[index].first, blocks[index].second);
      }
      const std::lock_guard<std::mutex> lock(recount_mutex);
      for (size_t index = 0; index < blocks.size(); ++index) {
        recount.allocated(blocks[index].second);
        if (index % 2 == 0) recount.freed(blocks[index].second);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  MemoryStats stats = pool.stats();
  recount.expect_matches(stats);
  EXPECT_EQ(stats.thread_caches, 0u);
  EXPECT_EQ(stats.bytes_in_use, recount.bytes_in_use());
  EXPECT_GE(stats.peak_bytes_in_use, recount.bytes_in_use());
}

TEST(HybridMemoryPool, LargeBlocksAreReusedByBestFitAndTrimmed) {
  HybridMemoryPool pool(checked_options());
  void* four = pool.allocate(4 * kMiB);
  void* eight = pool.allocate(8 * kMiB);
  // From 2 MiB, blocks start on a huge-page boundary.
  EXPECT_TRUE(aligned_to(four, 2 * kMiB));
  EXPECT_TRUE(aligned_to(eight, 2 * kMiB));
  pool.deallocate(eight, 8 * kMiB);
  pool.deallocate(four, 4 * kMiB);
  EXPECT_EQ(pool.stats().large_cached_bytes, 12 * kMiB);
  // A slightly smaller request reuses the 4 MiB block, not the 8 MiB one.
  void* again = pool.allocate(4 * kMiB - 10000);
  EXPECT_EQ(again, four);
  // Nothing cached fits 6 MiB within 1/8: a fresh mapping.
  void* six = pool.allocate(6 * kMiB);
  EXPECT_NE(six, eight);
  MemoryStats stats = pool.stats();
  EXPECT_EQ(stats.large.block_bytes, 10 * kMiB);
  EXPECT_EQ(stats.reserved_bytes, 18 * kMiB);
  pool.deallocate(again, 4 * kMiB - 10000);
  pool.deallocate(six, 6 * kMiB);
  pool.trim();
  stats = pool.stats();
  EXPECT_EQ(stats.large_cached_bytes, 0u);
  EXPECT_EQ(stats.reserved_bytes, 0u);
  EXPECT_EQ(stats.peak_reserved_bytes, 18 * kMiB);
  EXPECT_EQ(stats.trims, 1u);
}

TEST(HybridMemoryPool, LargeCacheStaysUnderItsCapacity) {
  PoolOptions options = checked_options();
  options.large_cache_bytes = 10 * kMiB;
  HybridMemoryPool pool(options);
  std::vector<void*> blocks;
  for (int index = 0; index < 5; ++index) blocks.push_back(pool.allocate(4 * kMiB));
  for (void* block : blocks) pool.deallocate(block, 4 * kMiB);
  // The shared cache keeps 8 MiB; the thread's stash holds the last block freed.
  MemoryStats stats = pool.stats();
  EXPECT_EQ(stats.large_cached_bytes, 12 * kMiB);
  EXPECT_EQ(stats.reserved_bytes, 12 * kMiB);
  pool.set_large_cache_capacity(4 * kMiB);
  EXPECT_EQ(pool.stats().large_cached_bytes, 8 * kMiB);
  // A block larger than the whole cache goes straight back.
  pool.deallocate(pool.allocate(32 * kMiB), 32 * kMiB);
  EXPECT_EQ(pool.stats().reserved_bytes, 8 * kMiB);
  pool.trim();
  EXPECT_EQ(pool.stats().reserved_bytes, 0u);
}

TEST(HybridMemoryPool, EmptySpansAreKeptWithinABudgetAndTrimmed) {
  HybridMemoryPool pool(checked_options());
  // 128 MiB of 4 KiB blocks: 64 spans of 2 MiB.
  std::vector<void*> blocks;
  for (int index = 0; index < (128 << 20) / 4096; ++index) blocks.push_back(pool.allocate(4096));
  EXPECT_GE(pool.stats().reserved_bytes, 128 * kMiB);
  for (void* block : blocks) pool.deallocate(block, 4096);
  // Empty spans stay mapped up to 64 MiB (plus the blocks the caches hold); the rest went back.
  const MemoryStats freed = pool.stats();
  EXPECT_LE(freed.reserved_bytes, 64 * kMiB + 2 * 2 * kMiB) << freed.reserved_bytes;
  EXPECT_GE(freed.reserved_bytes, 60 * kMiB);
  pool.trim();
  const MemoryStats trimmed = pool.stats();
  EXPECT_EQ(trimmed.reserved_bytes, 0u);
  EXPECT_EQ(trimmed.bytes_in_use, 0u);
  EXPECT_EQ(trimmed.frees, blocks.size());
  // And it works afterwards.
  void* block = pool.allocate(64);
  pool.deallocate(block, 64);
}

TEST(HybridMemoryPool, LimitRefusesWithAClearErrorAndKeepsWorking) {
  PoolOptions options = checked_options();
  options.limit_bytes = 8 * kMiB;
  HybridMemoryPool pool(options);
  EXPECT_EQ(pool.limit(), 8 * kMiB);
  std::vector<void*> blocks;
  try {
    for (int index = 0; index < 100; ++index) blocks.push_back(pool.allocate(kMiB + 4096));
    FAIL() << "the limit was never reached";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kOutOfMemory);
    const std::string message = error.what();
    const uint64_t in_use = blocks.size() * (kMiB + 4096);
    EXPECT_NE(message.find("memory pool (cpu): cannot allocate 1052672 bytes: limit 8388608 "
                           "bytes, " +
                           std::to_string(in_use) + " in use"),
              std::string::npos)
        << message;
  }
  // 2 MiB granules: four blocks of a little over 1 MiB fit in 8 MiB... as mapped pages.
  EXPECT_GE(blocks.size(), 4u);
  MemoryStats stats = pool.stats();
  EXPECT_LE(stats.reserved_bytes, 8 * kMiB);
  EXPECT_EQ(stats.out_of_memory_errors, 1u);
  // Small blocks still come from the remaining room, or fail cleanly.
  for (void* block : blocks) pool.deallocate(block, kMiB + 4096);
  blocks.clear();
  // After freeing, the same requests succeed again (the cache serves them).
  for (int index = 0; index < 4; ++index) blocks.push_back(pool.allocate(kMiB + 4096));
  for (void* block : blocks) pool.deallocate(block, kMiB + 4096);
  stats = pool.stats();
  EXPECT_EQ(stats.bytes_in_use, 0u);
  EXPECT_LE(stats.reserved_bytes, 8 * kMiB);
}

TEST(HybridMemoryPool, PressureTrimsCachesBeforeFailing) {
  PoolOptions options = checked_options();
  options.limit_bytes = 16 * kMiB;
  HybridMemoryPool pool(options);
  // Fill the large cache with 12 MiB of freed blocks, and the small lists with freed spans.
  std::vector<void*> blocks;
  for (int index = 0; index < 3; ++index) blocks.push_back(pool.allocate(4 * kMiB));
  for (void* block : blocks) pool.deallocate(block, 4 * kMiB);
  blocks.clear();
  for (int index = 0; index < 1000; ++index) blocks.push_back(pool.allocate(2000));
  for (void* block : blocks) pool.deallocate(block, 2000);
  const uint64_t trims_before = pool.stats().trims;
  EXPECT_GT(pool.stats().reserved_bytes, 12 * kMiB);
  // 10 MiB fits no cached block and not beside the cache: only after trimming.
  void* big = pool.allocate(10 * kMiB);
  const MemoryStats stats = pool.stats();
  EXPECT_EQ(stats.trims, trims_before + 1);
  EXPECT_LE(stats.reserved_bytes, 16 * kMiB);
  EXPECT_EQ(stats.out_of_memory_errors, 0u);
  // Past the limit even after trimming: the error, and the pool is intact.
  EXPECT_BITNET_ERROR(pool.allocate(10 * kMiB), "limit 16777216 bytes, 10485760 in use");
  pool.deallocate(big, 10 * kMiB);
  void* again = pool.allocate(10 * kMiB);
  pool.deallocate(again, 10 * kMiB);
  EXPECT_EQ(pool.stats().bytes_in_use, 0u);
}

TEST(HybridMemoryPool, LoweringTheLimitTrims) {
  HybridMemoryPool pool(checked_options());
  pool.deallocate(pool.allocate(8 * kMiB), 8 * kMiB);
  EXPECT_EQ(pool.stats().reserved_bytes, 8 * kMiB);
  pool.set_limit(4 * kMiB);
  EXPECT_EQ(pool.stats().reserved_bytes, 0u);
  EXPECT_EQ(pool.limit(), 4 * kMiB);
  EXPECT_BITNET_ERROR(pool.allocate(8 * kMiB), "cannot allocate 8388608 bytes: limit 4194304");
  pool.set_limit(0);
  pool.deallocate(pool.allocate(8 * kMiB), 8 * kMiB);
}

TEST(HybridMemoryPool, TagsCountTheirOwners) {
  HybridMemoryPool pool(checked_options());
  const MemoryTag kv_cache = MemoryTag::named("kv_cache");
  const MemoryTag weights = MemoryTag::named("weights");
  EXPECT_EQ(MemoryTag::named("kv_cache"), kv_cache);
  EXPECT_NE(kv_cache, weights);
  EXPECT_EQ(kv_cache.name(), "kv_cache");
  EXPECT_EQ(MemoryTag().name(), "untagged");
  {
    const MemoryTagScope scope(kv_cache);
    EXPECT_EQ(current_memory_tag(), kv_cache);
    const std::shared_ptr<Storage> first = Storage::allocate(1000, pool);
    const std::shared_ptr<Storage> second = Storage::allocate(3 * kMiB, pool);
    EXPECT_EQ(first->tag(), kv_cache);
    {
      const MemoryTagScope inner(weights);
      const std::shared_ptr<Storage> third =
          Storage::allocate(AllocationRequest{500, 256, weights}, pool);
      EXPECT_TRUE(aligned_to(third->data(), 256));
      const MemoryStats stats = pool.stats();
      ASSERT_EQ(stats.tags.size(), 2u);
      EXPECT_EQ(stats.tags[0].name, "kv_cache");
      EXPECT_EQ(stats.tags[0].bytes_in_use, 1000 + 3 * kMiB);
      EXPECT_EQ(stats.tags[0].allocations, 2u);
      EXPECT_EQ(stats.tags[1].name, "weights");
      EXPECT_EQ(stats.tags[1].bytes_in_use, 500u);
    }
    EXPECT_EQ(current_memory_tag(), kv_cache);
  }
  EXPECT_TRUE(current_memory_tag().untagged());
  const MemoryStats stats = pool.stats();
  for (const TagStats& tag : stats.tags) {
    EXPECT_EQ(tag.bytes_in_use, 0u) << tag.name;
    EXPECT_EQ(tag.allocations, tag.frees) << tag.name;
  }
  EXPECT_EQ(stats.bytes_in_use, 0u);
  EXPECT_BITNET_ERROR(MemoryTag::named(""), "1 to 63 bytes");
  EXPECT_BITNET_ERROR(MemoryTag::named(std::string(64, 'x')), "1 to 63 bytes");
}

TEST(HybridMemoryPool, LeakReportNamesWhatIsStillAllocated) {
  HybridMemoryPool pool(checked_options());
  EXPECT_EQ(pool.leak_report(), "");
  void* small = pool.allocate(100);
  void* large = pool.allocate(3 * kMiB);
  const std::string report = pool.leak_report();
  EXPECT_NE(report.find("2 block(s) still allocated"), std::string::npos) << report;
  EXPECT_NE(report.find("128-byte class: 1 block(s)"), std::string::npos) << report;
  EXPECT_NE(report.find("large: 1 block(s)"), std::string::npos) << report;
  EXPECT_NE(report.find(fmt::format("{}", small)), std::string::npos) << report;
  EXPECT_NE(report.find(fmt::format("{}", large)), std::string::npos) << report;
  pool.deallocate(small, 100);
  pool.deallocate(large, 3 * kMiB);
  EXPECT_EQ(pool.leak_report(), "");
}

TEST(HybridMemoryPool, MetadataOverheadIsSmall) {
  HybridMemoryPool pool(checked_options());
  // A tensor-like mix: many small blocks and a few large ones, 64 MiB in all.
  std::mt19937_64 engine(11);
  std::vector<std::pair<void*, size_t>> live;
  uint64_t in_use = 0;
  while (in_use < (uint64_t{64} << 20)) {
    const int bits = std::uniform_int_distribution<int>(6, 23)(engine);
    const size_t bytes =
        std::uniform_int_distribution<size_t>(size_t{1} << (bits - 1), size_t{1} << bits)(engine);
    live.emplace_back(pool.allocate(bytes), bytes);
    in_use += bytes;
  }
  const MemoryStats stats = pool.stats();
  EXPECT_LT(stats.metadata_overhead(), 0.032)
      << stats.metadata_bytes << " / " << stats.bytes_in_use;
  for (const auto& [block, bytes] : live) pool.deallocate(block, bytes);
}

TEST(HybridMemoryPool, PoolsComeAndGoWhileThreadsHoldCaches) {
  // A thread that used a pool outlives it; a new pool (which may reuse the id) works on it.
  std::mutex mutex;
  std::condition_variable changed;
  HybridMemoryPool* current = nullptr;
  int stage = 0;
  std::thread worker([&] {
    for (int round = 1; round <= 3; ++round) {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return stage == 2 * round - 1; });
      std::vector<void*> blocks;
      for (int index = 0; index < 100; ++index) blocks.push_back(current->allocate(256));
      // Half are freed here and stay in this thread's cache when the pool dies.
      for (int index = 0; index < 50; ++index)
        current->deallocate(blocks[static_cast<size_t>(index)], 256);
      for (int index = 50; index < 100; ++index)
        current->deallocate(blocks[static_cast<size_t>(index)], 256);
      stage = 2 * round;
      changed.notify_all();
    }
    // Stay alive (holding the cache) until the last pool is gone.
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return stage == 7; });
  });
  for (int round = 1; round <= 3; ++round) {
    auto pool = std::make_unique<HybridMemoryPool>(checked_options());
    {
      const std::lock_guard<std::mutex> lock(mutex);
      current = pool.get();
      stage = 2 * round - 1;
    }
    changed.notify_all();
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return stage == 2 * round; });
    const MemoryStats stats = pool->stats();
    EXPECT_EQ(stats.allocations, 100u);
    EXPECT_EQ(stats.frees, 100u);
    EXPECT_EQ(stats.thread_caches, 1u) << "round " << round;
    lock.unlock();
    pool.reset();
  }
  {
    const std::lock_guard<std::mutex> lock(mutex);
    stage = 7;
  }
  changed.notify_all();
  worker.join();
}

TEST(HybridMemoryPool, PoolsAreListed) {
  HybridMemoryPool pool(checked_options());
  const std::vector<MemoryPool*> pools = memory_pools();
  ASSERT_GE(pools.size(), 2u);
  EXPECT_EQ(pools[0], &cpu_memory_pool());
  EXPECT_NE(std::find(pools.begin(), pools.end(), &pool), pools.end());
  EXPECT_EQ(pools[0]->device(), Device::cpu());
}

TEST(HybridMemoryPool, TensorsUseTheCpuPoolAndWrapExternalMemoryWithoutCopying) {
  EXPECT_EQ(&default_cpu_allocator(), &cpu_memory_pool());
  HybridMemoryPool& pool = cpu_memory_pool();
  const MemoryStats before = pool.stats();
  {
    const Tensor tensor = Tensor::zeros({256, 256});
    const MemoryStats during = pool.stats();
    EXPECT_EQ(during.allocations, before.allocations + 1);
    EXPECT_EQ(during.bytes_in_use, before.bytes_in_use + 256 * 256 * 4);
    EXPECT_TRUE(aligned_to(tensor.data(), 64));
  }
  EXPECT_EQ(pool.stats().bytes_in_use, before.bytes_in_use);
  std::vector<float> buffer(100, 1.0f);
  {
    const Tensor view = Tensor::from_blob(buffer.data(), {100}, DType::kF32);
    EXPECT_EQ(view.data(), buffer.data());
    EXPECT_EQ(pool.stats().allocations, before.allocations + 1);
  }
  // The system allocator stays available.
  void* block = system_cpu_allocator().allocate(AllocationRequest{100, 4096, {}});
  EXPECT_TRUE(aligned_to(block, 4096));
  system_cpu_allocator().deallocate(block, AllocationRequest{100, 4096, {}});
}

// The checks abort with a message naming the pointer. gtest runs death-test suites first, before
// other tests start threads; the default ("fast", fork only) style also works under qemu-user,
// where re-executing the binary does not.
class HybridMemoryPoolDeathTest : public ::testing::Test {};

TEST_F(HybridMemoryPoolDeathTest, DoubleFree) {
  EXPECT_DEATH(
      {
        HybridMemoryPool pool(checked_options());
        void* block = pool.allocate(100);
        pool.deallocate(block, 100);
        pool.deallocate(block, 100);
      },
      "double free of 0x[0-9a-f]+ \\(100 bytes\\)");
  EXPECT_DEATH(
      {
        HybridMemoryPool pool(checked_options());
        void* block = pool.allocate(5 * kMiB);
        pool.deallocate(block, 5 * kMiB);
        pool.deallocate(block, 5 * kMiB);
      },
      "double free");
}

TEST_F(HybridMemoryPoolDeathTest, ForeignPointers) {
  EXPECT_DEATH(
      {
        HybridMemoryPool pool(checked_options());
        int on_stack = 0;
        pool.deallocate(&on_stack, sizeof(on_stack));
      },
      "not a block of any memory pool \\(foreign pointer\\)");
  EXPECT_DEATH(
      {
        HybridMemoryPool pool(checked_options());
        HybridMemoryPool other(checked_options());
        void* block = other.allocate(64);
        pool.deallocate(block, 64);
      },
      "belongs to another memory pool");
  EXPECT_DEATH(
      {
        HybridMemoryPool pool(checked_options());
        auto* block = static_cast<char*>(pool.allocate(1000));
        pool.deallocate(block + 64, 1000);
      },
      "not the start of a block");
}

TEST_F(HybridMemoryPoolDeathTest, SizeMismatch) {
  EXPECT_DEATH(
      {
        HybridMemoryPool pool(checked_options());
        void* block = pool.allocate(1000);
        pool.deallocate(block, 64);
      },
      "size mismatch");
  EXPECT_DEATH(
      {
        HybridMemoryPool pool(checked_options());
        void* block = pool.allocate(4 * kMiB);
        pool.deallocate(block, 64);
      },
      "the block is a large block");
}

#if defined(BITNET_ADDRESS_SANITIZER)
TEST_F(HybridMemoryPoolDeathTest, AddressSanitizerSeesUseAfterFree) {
  EXPECT_DEATH(
      {
        HybridMemoryPool pool;
        auto* block = static_cast<volatile char*>(pool.allocate(100));
        pool.deallocate(const_cast<char*>(block), 100);
        block[10] = 1;
      },
      "use-after-poison");
  EXPECT_DEATH(
      {
        const Tensor tensor = Tensor::zeros({10});
        auto* data = static_cast<volatile float*>(tensor.data());
        data[10] = 1;  // one past the end, inside the 64-byte block
      },
      "use-after-poison|heap-buffer-overflow");
}
#endif

}  // namespace
}  // namespace bitnet

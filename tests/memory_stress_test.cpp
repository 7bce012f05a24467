// Multi-threaded stress of HybridMemoryPool in the style of mimalloc's test-stress: threads are
// recreated every round, about half of the operations allocate blocks of random sizes, the rest
// free random live blocks or swap them through a shared array so that blocks cross threads (and
// rounds). Every block is filled with a pattern derived from its address and size and checked
// before it is freed. At the end the statistics must equal the test's own recount, and a trim
// must give every span back. BITNET_STRESS_SCALE (default 1) multiplies the work.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "bitnet/bitnet.h"
#include "bitnet/memory.h"
#include "memory/size_classes.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using memory::kSizeClassCount;

constexpr size_t kTransferSlots = 1000;
constexpr size_t kMaxLocalBlocks = 500;

int stress_scale() {
  // Tests may read their own environment; the library never does outside config.cpp.
  const char* text = std::getenv("BITNET_STRESS_SCALE");
  const int scale = text != nullptr ? std::atoi(text) : 1;
  return scale > 0 ? scale : 1;
}

uint64_t mix(uint64_t value) {
  // splitmix64's finaliser: every input bit affects every output bit.
  value ^= value >> 30;
  value *= 0xbf58476d1ce4e5b9ull;
  value ^= value >> 27;
  value *= 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

uint64_t key_of(const void* block) {
  return mix(reinterpret_cast<uintptr_t>(block));
}

// Word 0 holds the size (masked by the address's key) so that a block passed between threads
// carries its own size; every other byte is a function of address, size and position.
void fill(void* block, size_t bytes) {
  auto* words = static_cast<uint64_t*>(block);
  const uint64_t key = key_of(block);
  words[0] = bytes ^ key;
  const size_t count = bytes / 8;
  for (size_t index = 1; index < count; ++index) words[index] = mix(key + bytes + index);
  auto* tail = static_cast<unsigned char*>(block);
  for (size_t index = count * 8; index < bytes; ++index) {
    tail[index] = static_cast<unsigned char>(mix(key ^ index));
  }
}

// Returns the block's size after checking every byte; fails the test on a mismatch.
size_t check(const void* block) {
  const auto* words = static_cast<const uint64_t*>(block);
  const uint64_t key = key_of(block);
  const size_t bytes = words[0] ^ key;
  if (bytes < 8 || bytes > (size_t{8} << 20)) {
    ADD_FAILURE() << "block " << block << ": size word corrupted (" << bytes << ")";
    std::abort();
  }
  const size_t count = bytes / 8;
  for (size_t index = 1; index < count; ++index) {
    if (words[index] != mix(key + bytes + index)) {
      ADD_FAILURE() << "block " << block << " of " << bytes << " bytes: word " << index
                    << " corrupted";
      std::abort();
    }
  }
  const auto* tail = static_cast<const unsigned char*>(block);
  for (size_t index = count * 8; index < bytes; ++index) {
    if (tail[index] != static_cast<unsigned char>(mix(key ^ index))) {
      ADD_FAILURE() << "block " << block << ": byte " << index << " corrupted";
      std::abort();
    }
  }
  return bytes;
}

// Mostly small blocks, with the tails mimalloc's stress test uses: a few medium and rare large.
size_t random_size(std::mt19937_64& engine) {
  const int roll = std::uniform_int_distribution<int>(0, 999)(engine);
  size_t most = 256;
  if (roll >= 998) {
    most = size_t{4} << 20;
  } else if (roll >= 980) {
    most = size_t{1} << 20;
  } else if (roll >= 900) {
    most = size_t{64} << 10;
  } else if (roll >= 600) {
    most = size_t{4} << 10;
  }
  return std::uniform_int_distribution<size_t>(8, most)(engine);
}

// The test's own count of what it allocated and freed, merged from each thread at its end.
struct Recount {
  std::vector<uint64_t> allocations = std::vector<uint64_t>(kSizeClassCount + 1);
  std::vector<uint64_t> frees = std::vector<uint64_t>(kSizeClassCount + 1);

  void allocated(size_t bytes) { ++allocations[static_cast<size_t>(class_of(bytes))]; }
  void freed(size_t bytes) { ++frees[static_cast<size_t>(class_of(bytes))]; }
  void merge(const Recount& other) {
    for (size_t index = 0; index < allocations.size(); ++index) {
      allocations[index] += other.allocations[index];
      frees[index] += other.frees[index];
    }
  }
  static int class_of(size_t bytes) { return memory::size_class_for(bytes, kStorageAlignment); }
};

class Stress {
 public:
  Stress(HybridMemoryPool& pool, uint64_t seed)
      : pool_(pool), seed_(seed), transfer_(kTransferSlots) {}

  void run_round(int round, int thread_count, int operations) {
    std::vector<std::thread> threads;
    for (int thread = 0; thread < thread_count; ++thread) {
      threads.emplace_back([this, round, thread, operations] {
        run_thread(seed_ + static_cast<uint64_t>(round) * 1000 + static_cast<uint64_t>(thread),
                   operations);
      });
    }
    for (std::thread& thread : threads) thread.join();
  }

  // Frees what is left in the shared array (from the main thread: yet another thread).
  void finish() {
    for (std::atomic<void*>& slot : transfer_) {
      void* block = slot.exchange(nullptr);
      if (block == nullptr) continue;
      const size_t bytes = check(block);
      pool_.deallocate(block, bytes);
      recount_.freed(bytes);
    }
  }

  void expect_stats_match() const {
    const MemoryStats stats = pool_.stats();
    uint64_t allocations = 0;
    for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
      EXPECT_EQ(stats.size_classes[static_cast<size_t>(size_class)].allocations,
                recount_.allocations[static_cast<size_t>(size_class)]);
      EXPECT_EQ(stats.size_classes[static_cast<size_t>(size_class)].frees,
                recount_.frees[static_cast<size_t>(size_class)]);
      allocations += recount_.allocations[static_cast<size_t>(size_class)];
    }
    EXPECT_EQ(stats.large.allocations, recount_.allocations[kSizeClassCount]);
    EXPECT_EQ(stats.large.frees, recount_.frees[kSizeClassCount]);
    allocations += recount_.allocations[kSizeClassCount];
    EXPECT_EQ(stats.allocations, allocations);
    EXPECT_EQ(stats.frees, allocations);
    EXPECT_EQ(stats.bytes_in_use, 0u);
    EXPECT_EQ(stats.block_bytes_in_use, 0u);
    // The round's threads have exited; only the main thread (finish()) holds a cache.
    EXPECT_EQ(stats.thread_caches, 1u);
    EXPECT_GT(stats.peak_bytes_in_use, 0u);
  }

 private:
  void run_thread(uint64_t seed, int operations) {
    std::mt19937_64 engine(seed);
    Recount recount;
    std::vector<void*> local;
    local.reserve(kMaxLocalBlocks);
    for (int operation = 0; operation < operations; ++operation) {
      const int roll = std::uniform_int_distribution<int>(0, 99)(engine);
      if (roll < 50 && local.size() < kMaxLocalBlocks) {
        const size_t bytes = random_size(engine);
        void* block = pool_.allocate(bytes);
        fill(block, bytes);
        local.push_back(block);
        recount.allocated(bytes);
      } else if (roll < 80 && !local.empty()) {
        const size_t index = std::uniform_int_distribution<size_t>(0, local.size() - 1)(engine);
        void* block = local[index];
        local[index] = local.back();
        local.pop_back();
        const size_t bytes = check(block);
        pool_.deallocate(block, bytes);
        recount.freed(bytes);
      } else {
        // Swap one of ours (or nothing) with whatever another thread left in a random slot.
        const size_t slot = std::uniform_int_distribution<size_t>(0, kTransferSlots - 1)(engine);
        void* given = nullptr;
        if (!local.empty()) {
          given = local.back();
          local.pop_back();
        }
        void* taken = transfer_[slot].exchange(given, std::memory_order_acq_rel);
        if (taken != nullptr) {
          (void)check(taken);
          local.push_back(taken);
        }
      }
    }
    for (void* block : local) {
      const size_t bytes = check(block);
      pool_.deallocate(block, bytes);
      recount.freed(bytes);
    }
    const std::lock_guard<std::mutex> lock(recount_mutex_);
    recount_.merge(recount);
  }

  HybridMemoryPool& pool_;
  uint64_t seed_;
  std::vector<std::atomic<void*>> transfer_;
  std::mutex recount_mutex_;
  Recount recount_;
};

PoolOptions stress_options(bool checks) {
  PoolOptions options;
  options.checks = checks;
  options.report_leaks = false;
  return options;
}

void run_stress(bool checks, int fixed_threads, uint64_t seed) {
  SCOPED_TRACE(testing::seed_trace(seed));
  const int scale = stress_scale();
  HybridMemoryPool pool(stress_options(checks));
  {
    Stress stress(pool, seed);
    const int rounds = 10 * scale;
    for (int round = 0; round < rounds; ++round) {
      // 2 to 8 threads, or the fixed count.
      const int threads = fixed_threads > 0 ? fixed_threads : 2 + round % 7;
      stress.run_round(round, threads, 2000);
    }
    stress.finish();
    stress.expect_stats_match();
  }
  pool.trim();
  const MemoryStats stats = pool.stats();
  EXPECT_EQ(stats.reserved_bytes, 0u) << "spans not returned after every block was freed";
  EXPECT_EQ(pool.leak_report(), "");
}

TEST(MemoryStress, TwoToEightThreadsWithChecks) {
  for (const uint64_t seed : testing::test_seeds()) run_stress(true, 0, seed);
}

TEST(MemoryStress, EightThreadsFastPath) {
  run_stress(false, 8, 42);
}

// Tensors made on one thread die on another, through the default pool and its Storage path.
TEST(MemoryStress, TensorsCrossThreads) {
  const MemoryStats before = cpu_memory_pool().stats();
  std::vector<Tensor> made(64);
  std::thread producer([&] {
    for (size_t index = 0; index < made.size(); ++index) {
      made[index] =
          Tensor::full({static_cast<int64_t>(index) * 37 + 1}, static_cast<double>(index));
    }
  });
  producer.join();
  std::thread consumer([&] {
    for (size_t index = 0; index < made.size(); ++index) {
      EXPECT_EQ(made[index].data_as<float>()[0], static_cast<float>(index));
      made[index] = Tensor();
    }
  });
  consumer.join();
  const MemoryStats after = cpu_memory_pool().stats();
  EXPECT_EQ(after.bytes_in_use, before.bytes_in_use);
  EXPECT_EQ(after.allocations - before.allocations, after.frees - before.frees);
}

}  // namespace
}  // namespace bitnet

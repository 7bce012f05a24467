// The allocator workloads of the `pool` suite. The same code runs in this process on our pool and
// in child processes (`bitnet bench-alloc-worker`) on whatever malloc is preloaded there, so every
// allocator sees the same sequence of requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bitnet/memory.h"

namespace bitnet::bench {

// Live blocks per thread in the fixed-size workload.
inline constexpr int kLiveSlots = 64;

struct AllocWorkload {
  // Fixed-size workload: each iteration frees a random one of kLiveSlots live blocks and
  // allocates a block of `bytes` in its place, touching one byte of it. 0 selects the transformer
  // trace instead: each iteration replays it once (bench/transformer_trace.h).
  size_t bytes = 0;
  int threads = 1;  // each runs the workload on its own blocks, at the same time
  // Instead: two threads, one allocating blocks of `bytes` and passing them through a ring to the
  // other, which frees them; an iteration is one block.
  bool cross_thread = false;

  [[nodiscard]] bool is_trace() const noexcept { return bytes == 0 && !cross_thread; }
};

// Allocate/free pairs per thread in one iteration.
[[nodiscard]] double pairs_per_iteration(const AllocWorkload& workload);

// Each runs `iterations` iterations on every thread after an untimed warm-up and returns the
// wall-clock nanoseconds of the timed part. Blocks are 64-byte aligned in both.
[[nodiscard]] double run_on_pool(const AllocWorkload& workload, int64_t iterations,
                                 HybridMemoryPool& pool);
// posix_memalign(64) and free: glibc, or the malloc preloaded into the process.
[[nodiscard]] double run_on_malloc(const AllocWorkload& workload, int64_t iterations);

// "glibc", "mimalloc", "jemalloc" or "tcmalloc": which malloc this process's calls reach.
[[nodiscard]] std::string detect_malloc();

// The command line of a worker child for the workload, and its reply ("ns <value>").
[[nodiscard]] std::vector<std::string> worker_arguments(const AllocWorkload& workload,
                                                        int64_t iterations);
inline constexpr const char* kWorkerCommand = "bench-alloc-worker";

}  // namespace bitnet::bench

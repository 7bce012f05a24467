// The allocator workloads of the `pool` suite. Every row runs this code in a child process of its
// own (`bitnet bench-alloc-worker`): our pool through the Allocator interface tensors call, a
// general-purpose malloc through its own entry points (bench/malloc_peers.h), so every allocator
// sees the same sequence of requests from the same loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/malloc_peers.h"
#include "bitnet/storage.h"

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
// wall-clock nanoseconds of the timed part. Every free passes the block's size back.
// Through `allocator`'s virtual allocate(bytes) and deallocate(block, bytes), as Storage calls it.
[[nodiscard]] double run_on_allocator(const AllocWorkload& workload, int64_t iterations,
                                      Allocator& allocator);
// Through the peer's entry points, looked up in this process (where its library is preloaded);
// throws Error when they are missing (find_peer_symbol).
[[nodiscard]] double run_on_malloc(const AllocWorkload& workload, int64_t iterations,
                                   const MallocPeer& peer);

// The command line of a worker child running the workload on `malloc_name` ("bitnet" for our
// pool, else a peer's name). It replies "malloc <name it runs on>" and "ns <timed nanoseconds>".
[[nodiscard]] std::vector<std::string> worker_arguments(const AllocWorkload& workload,
                                                        int64_t iterations,
                                                        std::string_view malloc_name);
inline constexpr const char* kWorkerCommand = "bench-alloc-worker";

}  // namespace bitnet::bench

#include "bench/alloc_workload.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <random>
#include <thread>

#include "bench/transformer_trace.h"
#include "bitnet/error.h"

namespace bitnet::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Slot indices drawn once: every allocator and thread sees the same sequence.
constexpr size_t kOrderLength = size_t{1} << 16;

const std::vector<uint8_t>& slot_order() {
  static const std::vector<uint8_t> order = [] {
    std::vector<uint8_t> drawn(kOrderLength);
    std::mt19937 engine(12345);
    for (uint8_t& slot : drawn) {
      slot = static_cast<uint8_t>(std::uniform_int_distribution<int>(0, kLiveSlots - 1)(engine));
    }
    return drawn;
  }();
  return order;
}

// Our pool as tensors reach it: a virtual call on the Allocator interface each way.
struct AllocatorCalls {
  Allocator* allocator;
  void* allocate(size_t bytes) const { return allocator->allocate(bytes); }
  void deallocate(void* block, size_t bytes) const { allocator->deallocate(block, bytes); }
};

using MallocFunction = void* (*)(size_t);

template <FreeCall kFreeCall>
struct FreeSignature;
template <>
struct FreeSignature<FreeCall::kPlain> {
  using Function = void (*)(void*);
};
template <>
struct FreeSignature<FreeCall::kSized> {
  using Function = void (*)(void*, size_t);
};
template <>
struct FreeSignature<FreeCall::kSizedFlags> {
  using Function = void (*)(void*, size_t, int);
};

// A peer through the function pointers its library exports, so that every peer (and our pool,
// through its vtable) pays one indirect call per allocation and per free.
template <FreeCall kFreeCall>
struct MallocCalls {
  MallocFunction allocate_function;
  typename FreeSignature<kFreeCall>::Function free_function;

  void* allocate(size_t bytes) const {
    void* block = allocate_function(bytes);
    // The workloads stay far below any memory limit: a failure here is not a result to time.
    if (block == nullptr) std::abort();
    return block;
  }
  void deallocate(void* block, size_t bytes) const {
    if constexpr (kFreeCall == FreeCall::kPlain) {
      free_function(block);
    } else if constexpr (kFreeCall == FreeCall::kSized) {
      free_function(block, bytes);
    } else {
      free_function(block, bytes, 0);
    }
  }
};

template <FreeCall kFreeCall>
MallocCalls<kFreeCall> malloc_calls(const MallocPeer& peer) {
  using FreeFunction = typename FreeSignature<kFreeCall>::Function;
  return {reinterpret_cast<MallocFunction>(find_peer_symbol(peer, peer.allocate_symbol)),
          reinterpret_cast<FreeFunction>(find_peer_symbol(peer, peer.free_symbol))};
}

// Touching a byte makes the allocator's memory real (a fault on a fresh page is part of the cost)
// and keeps the compiler from treating the block as unused.
inline void touch(void* block, int64_t value) {
  *static_cast<volatile char*>(block) = static_cast<char>(value);
}

// One thread's share of a workload: set-up and warm-up, then the timed loop, then clean-up.
template <typename Calls>
class ThreadWork {
 public:
  ThreadWork(const AllocWorkload& workload, Calls calls) : workload_(workload), calls_(calls) {
    if (workload.is_trace()) {
      live_.resize(transformer_trace().slot_count);
    } else {
      live_.resize(kLiveSlots);
      for (void*& block : live_) {
        block = calls_.allocate(workload.bytes);
        touch(block, 0);
      }
    }
  }
  ~ThreadWork() {
    if (!workload_.is_trace()) {
      for (void* block : live_) calls_.deallocate(block, workload_.bytes);
    }
  }
  ThreadWork(const ThreadWork&) = delete;
  ThreadWork& operator=(const ThreadWork&) = delete;

  // Enough to fill caches and reach steady state, without making short calibration runs long.
  void warm_up(int64_t iterations) {
    run(workload_.is_trace() ? 2 : std::min<int64_t>(std::max<int64_t>(iterations, 1000), 20000));
  }

  void run(int64_t iterations) {
    if (workload_.is_trace()) {
      const std::vector<TraceEvent>& events = transformer_trace().events;
      for (int64_t iteration = 0; iteration < iterations; ++iteration) {
        for (const TraceEvent& event : events) {
          if (event.allocate) {
            void* block = calls_.allocate(event.bytes);
            touch(block, iteration);
            live_[event.slot] = block;
          } else {
            calls_.deallocate(live_[event.slot], event.bytes);
          }
        }
      }
      return;
    }
    const uint8_t* order = slot_order().data();
    const size_t bytes = workload_.bytes;
    void** live = live_.data();
    for (int64_t iteration = 0; iteration < iterations; ++iteration) {
      const size_t slot = order[cursor_++ & (kOrderLength - 1)];
      calls_.deallocate(live[slot], bytes);
      void* block = calls_.allocate(bytes);
      touch(block, iteration);
      live[slot] = block;
    }
  }

 private:
  const AllocWorkload& workload_;
  Calls calls_;
  std::vector<void*> live_;
  size_t cursor_ = 0;
};

// The cross-thread workload: a single-producer, single-consumer ring of blocks.
template <typename Calls>
class Handoff {
 public:
  Handoff(size_t bytes, Calls calls) : bytes_(bytes), calls_(calls) {}

  void produce(int64_t count) {
    for (int64_t index = 0; index < count; ++index) {
      void* block = calls_.allocate(bytes_);
      touch(block, index);
      const uint64_t tail = tail_.load(std::memory_order_relaxed);
      while (tail - head_.load(std::memory_order_acquire) == kRingSize) wait();
      ring_[tail % kRingSize] = block;
      tail_.store(tail + 1, std::memory_order_release);
    }
  }
  void consume(int64_t count) {
    for (int64_t index = 0; index < count; ++index) {
      const uint64_t head = head_.load(std::memory_order_relaxed);
      while (tail_.load(std::memory_order_acquire) == head) wait();
      calls_.deallocate(ring_[head % kRingSize], bytes_);
      head_.store(head + 1, std::memory_order_release);
    }
  }

 private:
  static constexpr uint64_t kRingSize = 1024;
  static void wait() { std::this_thread::yield(); }

  size_t bytes_;
  Calls calls_;
  void* ring_[kRingSize] = {};
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
};

template <typename Calls>
double run_handoff(const AllocWorkload& workload, int64_t iterations, Calls calls) {
  Handoff<Calls> handoff(workload.bytes, calls);
  std::latch start(1);
  std::latch warmed(2);
  std::latch done(2);
  const int64_t warm_up = std::min<int64_t>(std::max<int64_t>(iterations, 1000), 20000);
  std::thread consumer([&] {
    handoff.consume(warm_up);
    warmed.count_down();
    start.wait();
    handoff.consume(iterations);
    done.count_down();
  });
  std::thread producer([&] {
    handoff.produce(warm_up);
    warmed.count_down();
    start.wait();
    handoff.produce(iterations);
    done.count_down();
  });
  warmed.wait();
  const Clock::time_point begin = Clock::now();
  start.count_down();
  done.wait();
  const Clock::time_point end = Clock::now();
  producer.join();
  consumer.join();
  return static_cast<double>(std::chrono::nanoseconds(end - begin).count());
}

template <typename Calls>
double run_workload(const AllocWorkload& workload, int64_t iterations, Calls calls) {
  if (workload.cross_thread) return run_handoff(workload, iterations, calls);
  if (workload.threads <= 1) {
    ThreadWork<Calls> work(workload, calls);
    work.warm_up(iterations);
    const Clock::time_point start = Clock::now();
    work.run(iterations);
    const Clock::time_point stop = Clock::now();
    return static_cast<double>(std::chrono::nanoseconds(stop - start).count());
  }
  // Every thread sets up and warms up, then all start together; the time runs from the start to
  // the last thread's end. The main thread blocks (on futexes) instead of spinning beside them.
  const auto thread_count = static_cast<ptrdiff_t>(workload.threads);
  std::latch ready(thread_count);
  std::latch start(1);
  std::latch done(thread_count);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < workload.threads; ++thread) {
    threads.emplace_back([&] {
      ThreadWork<Calls> work(workload, calls);
      work.warm_up(iterations);
      ready.count_down();
      start.wait();
      work.run(iterations);
      done.count_down();
    });
  }
  ready.wait();
  const Clock::time_point begin = Clock::now();
  start.count_down();
  done.wait();
  const Clock::time_point end = Clock::now();
  for (std::thread& thread : threads) thread.join();
  return static_cast<double>(std::chrono::nanoseconds(end - begin).count());
}

}  // namespace

double pairs_per_iteration(const AllocWorkload& workload) {
  return workload.is_trace() ? static_cast<double>(transformer_trace().allocations) : 1.0;
}

double run_on_allocator(const AllocWorkload& workload, int64_t iterations, Allocator& allocator) {
  return run_workload(workload, iterations, AllocatorCalls{&allocator});
}

double run_on_malloc(const AllocWorkload& workload, int64_t iterations, const MallocPeer& peer) {
  switch (peer.free_call) {
    case FreeCall::kPlain:
      return run_workload(workload, iterations, malloc_calls<FreeCall::kPlain>(peer));
    case FreeCall::kSized:
      return run_workload(workload, iterations, malloc_calls<FreeCall::kSized>(peer));
    case FreeCall::kSizedFlags:
      return run_workload(workload, iterations, malloc_calls<FreeCall::kSizedFlags>(peer));
  }
  throw Error(ErrorKind::kInternal, "bench pool: unknown free call");
}

std::vector<std::string> worker_arguments(const AllocWorkload& workload, int64_t iterations,
                                          std::string_view malloc_name) {
  std::vector<std::string> arguments = {kWorkerCommand,
                                        "--malloc",
                                        std::string(malloc_name),
                                        "--bytes",
                                        std::to_string(workload.bytes),
                                        "--threads",
                                        std::to_string(workload.threads),
                                        "--iterations",
                                        std::to_string(iterations)};
  if (workload.cross_thread) arguments.emplace_back("--cross-thread");
  return arguments;
}

}  // namespace bitnet::bench

// A small fork-join pool: the caller and num_threads()-1 workers take chunks from an atomic
// counter. One job runs at a time; jobs from a body run inline (no nested parallelism).
//
// Waking a thread blocked in a futex takes several microseconds, as long as a whole small matmul,
// and a model calls many in a row. So workers spin for a short while after each job before they
// block, and the caller spins while the last chunks finish: back-to-back jobs then start and end
// without a system call. The spins only delay blocking; every decision is still taken under the
// mutex, so the protocol is the same as without them.
#include "bitnet/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bitnet/config.h"

namespace bitnet {
namespace {

thread_local bool inside_parallel_region = false;

// How long a thread spins before it blocks: long enough to bridge the gap between the jobs of
// consecutive ops, short enough that an idle pool gives its cores back almost at once.
constexpr std::chrono::microseconds kSpinTime{50};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until done() holds or kSpinTime passes; returns whether done() held.
template <typename Done>
bool spin_until(Done&& done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (int round = 1;; ++round) {
    if (done()) return true;
    cpu_relax();
    if (round % 16 == 0) {
      // With more runnable threads than cores, the thread being waited for may be the one
      // descheduled: yielding lets it run instead of burning its time slice.
      std::this_thread::yield();
      if (std::chrono::steady_clock::now() >= deadline) return done();
    }
  }
}

class ThreadPool {
 public:
  explicit ThreadPool(int worker_count) {
    workers_.reserve(static_cast<size_t>(worker_count));
    for (int i = 0; i < worker_count; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  [[nodiscard]] int worker_count() const { return static_cast<int>(workers_.size()); }

  // Runs task(0..chunk_count-1) on the workers and the caller; returns when all chunks are done and
  // no worker still refers to `task`.
  void run(int64_t chunk_count, const std::function<void(int64_t)>& task) {
    {
      std::lock_guard lock(mutex_);
      task_ = &task;
      chunk_count_ = chunk_count;
      next_chunk_.store(0, std::memory_order_relaxed);
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    run_chunks(task, chunk_count);
    spin_until([&] {
      return active_workers_.load(std::memory_order_acquire) == 0 &&
             finished_chunks_.load(std::memory_order_acquire) == chunk_count;
    });
    std::exception_ptr error;
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [this] { return active_workers_ == 0 && finished_chunks_ == chunk_count_; });
      finished_chunks_ = 0;
      task_ = nullptr;
      error = error_;
    }
    if (error) std::rethrow_exception(error);
  }

 private:
  void run_chunks(const std::function<void(int64_t)>& task, int64_t chunk_count) {
    int64_t finished = 0;
    for (;;) {
      const int64_t chunk = next_chunk_.fetch_add(1, std::memory_order_relaxed);
      if (chunk >= chunk_count) break;
      try {
        task(chunk);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      ++finished;
    }
    std::lock_guard lock(mutex_);
    finished_chunks_ += finished;
  }

  void worker_loop() {
    inside_parallel_region = true;
    uint64_t seen_generation = 0;
    for (;;) {
      const std::function<void(int64_t)>* task = nullptr;
      int64_t chunk_count = 0;
      spin_until([&] {
        return stopping_.load(std::memory_order_acquire) ||
               generation_.load(std::memory_order_acquire) != seen_generation;
      });
      {
        std::unique_lock lock(mutex_);
        if (!stopping_ && generation_ != seen_generation && !task_) {
          // The job this spin saw has already finished (the caller took every chunk): spin again
          // for the next one rather than block and need a futex wake for it.
          seen_generation = generation_;
          continue;
        }
        wake_.wait(lock, [&] { return stopping_ || (generation_ != seen_generation && task_); });
        if (stopping_) return;
        seen_generation = generation_;
        task = task_;
        chunk_count = chunk_count_;
        ++active_workers_;
      }
      run_chunks(*task, chunk_count);
      {
        std::lock_guard lock(mutex_);
        --active_workers_;
      }
      done_.notify_all();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int64_t)>* task_ = nullptr;
  int64_t chunk_count_ = 0;
  // Written under mutex_; atomic so that the spins may read them without it.
  std::atomic<int64_t> finished_chunks_{0};
  std::atomic<int> active_workers_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
  std::atomic<int64_t> next_chunk_{0};
};

std::mutex pool_mutex;  // one job at a time; also guards `pool`
std::unique_ptr<ThreadPool> pool;

}  // namespace

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& body) {
  const int64_t count = end - begin;
  if (count <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int threads = num_threads();
  const int64_t chunks = std::min<int64_t>(threads, (count + grain - 1) / grain);
  if (chunks <= 1 || inside_parallel_region) {
    body(begin, end);
    return;
  }
  std::lock_guard lock(pool_mutex);
  if (!pool || pool->worker_count() != threads - 1) {
    pool.reset();
    pool = std::make_unique<ThreadPool>(threads - 1);
  }
  const std::function<void(int64_t)> task = [&](int64_t chunk) {
    body(begin + count * chunk / chunks, begin + count * (chunk + 1) / chunks);
  };
  inside_parallel_region = true;
  try {
    pool->run(chunks, task);
  } catch (...) {
    inside_parallel_region = false;
    throw;
  }
  inside_parallel_region = false;
}

}  // namespace bitnet

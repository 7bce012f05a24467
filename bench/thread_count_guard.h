// Sets bitnet's CPU thread count (set_num_threads) for the guard's lifetime and restores the count
// it found, also when an exception leaves the scope. The count is a relaxed atomic read at the
// start of each parallel op, so changing it costs nothing and leaves the thread pool as it is.
#pragma once

#include "bitnet/config.h"

namespace bitnet::bench {

class ThreadCountGuard {
 public:
  explicit ThreadCountGuard(int threads) : previous_(num_threads()) { set_num_threads(threads); }
  ~ThreadCountGuard() { set_num_threads(previous_); }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int previous_;
};

}  // namespace bitnet::bench

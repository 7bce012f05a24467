#include "bench/benchmark.h"
#include "bench/thread_count_guard.h"

namespace bitnet::bench {

Row on_one_thread(Row row) {
  row.impl += "_1t";
  if (row.measure) {
    row.measure = [measure = std::move(row.measure)](int64_t iterations) {
      const ThreadCountGuard guard(1);
      return measure(iterations);
    };
  } else {
    row.run = [run = std::move(row.run)](int64_t iterations) {
      const ThreadCountGuard guard(1);
      run(iterations);
    };
  }
  return row;
}

}  // namespace bitnet::bench

// `bitnet bench-alloc-worker` (hidden): the child process side of the `pool` benchmark suite. It
// runs one allocator workload with the process's malloc (glibc, or whatever LD_PRELOAD put in
// front of it) and prints "malloc <name>" and "ns <timed nanoseconds>" for the parent to read.
#include <fmt/format.h>

#include "bench/alloc_workload.h"
#include "commands.h"

namespace bitnet::cli {

Command add_alloc_worker_command(CLI::App& parent) {
  struct Options {
    size_t bytes = 0;
    int threads = 1;
    int64_t iterations = 1;
    bool pool = false;
    bool cross_thread = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = parent.add_subcommand(bench::kWorkerCommand, "");
  // An empty group keeps it out of --help: only `bitnet bench --suite pool` runs it.
  command->group("");
  command->add_option("--bytes", options->bytes, "Block size; 0 replays the transformer trace")
      ->required();
  command->add_option("--threads", options->threads)->check(CLI::Range(1, 64));
  command->add_option("--iterations", options->iterations)->check(CLI::PositiveNumber);
  // Our pool in a process of its own, for profiling it alone (perf record bitnet ...).
  command->add_flag("--pool", options->pool);
  command->add_flag("--cross-thread", options->cross_thread);
  return Command{command, [options] {
                   const bench::AllocWorkload workload{options->bytes, options->threads,
                                                       options->cross_thread};
                   if (options->pool) {
                     HybridMemoryPool pool;
                     const double nanoseconds =
                         bench::run_on_pool(workload, options->iterations, pool);
                     fmt::print("malloc bitnet\nns {:.1f}\n", nanoseconds);
                     return 0;
                   }
                   const double nanoseconds = bench::run_on_malloc(workload, options->iterations);
                   fmt::print("malloc {}\nns {:.1f}\n", bench::detect_malloc(), nanoseconds);
                   return 0;
                 }};
}

}  // namespace bitnet::cli

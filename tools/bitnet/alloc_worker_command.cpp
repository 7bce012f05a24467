// `bitnet bench-alloc-worker` (hidden): the child process side of the `pool` benchmark suite. It
// runs one allocator workload on the allocator named by --malloc: "bitnet" is our pool as tensors
// reach it (default_cpu_allocator()), any other name a general-purpose malloc, glibc's or the one
// LD_PRELOAD put in front of it. It prints "malloc <name>" (the allocator it found) and
// "ns <timed nanoseconds>" for the parent to read; a preload that did not take is an error.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "bench/alloc_workload.h"
#include "bench/benchmark.h"
#include "bench/malloc_peers.h"
#include "bitnet/error.h"
#include "bitnet/storage.h"
#include "commands.h"

namespace bitnet::cli {
namespace {

struct Options {
  std::string malloc_name;
  size_t bytes = 0;
  int threads = 1;
  int64_t iterations = 1;
  bool cross_thread = false;
};

int run_worker(const Options& options) {
  const bench::AllocWorkload workload{options.bytes, options.threads, options.cross_thread};
  if (options.malloc_name == bench::kBitnetImpl) {
    fmt::print("malloc {}\n", bench::kBitnetImpl);
    const double nanoseconds =
        bench::run_on_allocator(workload, options.iterations, default_cpu_allocator());
    fmt::print("ns {:.1f}\n", nanoseconds);
    return 0;
  }
  const bench::MallocPeer* peer = bench::find_malloc_peer(options.malloc_name);
  if (peer == nullptr) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("{}: unknown allocator '{}'", bench::kWorkerCommand, options.malloc_name));
  }
  // Reported before the check, so that the parent names both allocators in its error.
  const std::string found = bench::detect_malloc();
  fmt::print("malloc {}\n", found);
  if (found != peer->name) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: asked for {}, but this process's malloc is {}: LD_PRELOAD did "
                            "not take",
                            bench::kWorkerCommand, peer->name, found));
  }
  const double nanoseconds = bench::run_on_malloc(workload, options.iterations, *peer);
  fmt::print("ns {:.1f}\n", nanoseconds);
  return 0;
}

}  // namespace

Command add_alloc_worker_command(CLI::App& parent) {
  auto options = std::make_shared<Options>();
  CLI::App* command = parent.add_subcommand(bench::kWorkerCommand, "");
  // An empty group keeps it out of --help: only `bitnet bench --suite pool` runs it.
  command->group("");
  command
      ->add_option("--malloc", options->malloc_name,
                   "bitnet (our pool), glibc, mimalloc, jemalloc or tcmalloc")
      ->required();
  command->add_option("--bytes", options->bytes, "Block size; 0 replays the transformer trace")
      ->required();
  command->add_option("--threads", options->threads)->check(CLI::Range(1, 64));
  command->add_option("--iterations", options->iterations)->check(CLI::PositiveNumber);
  command->add_flag("--cross-thread", options->cross_thread);
  return Command{command, [options] { return run_worker(*options); }};
}

}  // namespace bitnet::cli

// Suite `pool`: HybridMemoryPool (tracking on, as tensors use it) against glibc malloc,
// mimalloc, jemalloc and tcmalloc. Every row runs the same workload code in a child process of
// this binary (`bitnet bench-alloc-worker`): ours on the process's CPU pool through the Allocator
// interface, as tensors call it; each foreign malloc with its library in LD_PRELOAD (glibc with
// none) through its own entry points, sized free included (bench/malloc_peers.h). The child times
// itself and reports back, so that every row measures the same loop with its set-up and warm-up
// left out. A missing library's rows are skipped with a note.
#include <sys/stat.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "bench/alloc_workload.h"
#include "bench/child_process.h"
#include "bench/malloc_peers.h"
#include "bench/suites.h"
#include "bench/transformer_trace.h"
#include "bitnet/error.h"
#include "bitnet/memory.h"

namespace bitnet::bench {
namespace {

// Where Debian (libmimalloc-dev, libjemalloc-dev, libgoogle-perftools-dev) and others put them.
std::string find_library(const char* file) {
  for (const char* directory : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                                "/usr/lib64", "/usr/lib", "/usr/local/lib"}) {
    const std::string path = fmt::format("{}/{}", directory, file);
    struct stat status {};
    if (stat(path.c_str(), &status) == 0) return path;
  }
  return {};
}

double parse_worker_reply(std::string_view name, const ChildResult& result) {
  std::istringstream reply(result.output);
  std::string malloc_key;
  std::string malloc_name;
  std::string ns_key;
  double nanoseconds = -1;
  reply >> malloc_key >> malloc_name >> ns_key >> nanoseconds;
  // A preload that silently did not take would time glibc under another name.
  if (malloc_key == "malloc" && malloc_name != name) {
    throw Error(ErrorKind::kInternal,
                fmt::format("bench pool: the {} worker ran on {}: LD_PRELOAD did not take", name,
                            malloc_name));
  }
  if (result.exit_code != 0 || malloc_key != "malloc" || ns_key != "ns" || nanoseconds < 0) {
    throw Error(ErrorKind::kInternal,
                fmt::format("bench pool: the {} worker failed (exit code {}, output '{}')", name,
                            result.exit_code, result.output));
  }
  return nanoseconds;
}

// A row timed by a worker child running on `name`, with `preload` in LD_PRELOAD (empty: none).
Row worker_row(std::string_view name, std::string preload, const AllocWorkload& workload) {
  Row row{std::string(name), pairs_per_iteration(workload), Unit::kOps, [](int64_t) {}};
  row.measure = [name = std::string(name), preload = std::move(preload),
                 workload](int64_t iterations) {
    const ChildResult result =
        run_self(worker_arguments(workload, iterations, name), {"LD_PRELOAD=" + preload});
    return parse_worker_reply(name, result);
  };
  return row;
}

void add_malloc_rows(std::vector<Row>& rows, const AllocWorkload& workload) {
  static std::set<std::string> reported_missing;
  for (const MallocPeer& peer : kMallocPeers) {
    std::string preload;
    if (peer.library[0] != '\0') {
      preload = find_library(peer.library);
      if (preload.empty()) {
        if (reported_missing.insert(peer.name).second) {
          std::fprintf(stderr,
                       "\nbench pool: %s not found (%s): its rows are skipped; "
                       "scripts/install-deps.sh installs it\n",
                       peer.library, peer.name);
        }
        continue;
      }
    }
    rows.push_back(worker_row(peer.name, std::move(preload), workload));
  }
}

// Bookkeeping over bytes in use at the trace's peak, on a fresh pool after two warm passes.
void report_trace_overhead() {
  const AllocationTrace& trace = transformer_trace();
  HybridMemoryPool pool;
  std::vector<void*> live(trace.slot_count);
  for (int pass = 0; pass < 3; ++pass) {
    for (size_t index = 0; index < trace.events.size(); ++index) {
      const TraceEvent& event = trace.events[index];
      if (event.allocate) {
        live[event.slot] = pool.allocate(event.bytes);
      } else {
        pool.deallocate(live[event.slot], event.bytes);
      }
      if (pass == 2 && index == trace.peak_event) {
        const MemoryStats stats = pool.stats();
        std::fprintf(stderr,
                     "\nbench pool: metadata overhead at the trace's peak: %.3f%% (%llu bytes of "
                     "bookkeeping, %llu bytes in use, %llu held)\n",
                     100.0 * stats.metadata_overhead(),
                     static_cast<unsigned long long>(stats.metadata_bytes),
                     static_cast<unsigned long long>(stats.bytes_in_use),
                     static_cast<unsigned long long>(stats.reserved_bytes));
      }
    }
  }
}

std::vector<Row> workload_rows(const AllocWorkload& workload) {
  if (workload.is_trace() && workload.threads == 1) report_trace_overhead();
  std::vector<Row> rows;
  rows.push_back(worker_row(kBitnetImpl, "", workload));
  add_malloc_rows(rows, workload);
  return rows;
}

std::string size_name(size_t bytes) {
  if (bytes >= (size_t{1} << 20)) return fmt::format("{}m", bytes >> 20);
  if (bytes >= (size_t{1} << 10)) return fmt::format("{}k", bytes >> 10);
  return fmt::format("{}b", bytes);
}

}  // namespace

void register_pool_suite(SuiteRegistry& registry) {
  Suite suite;
  suite.name = "pool";
  suite.description =
      "HybridMemoryPool alloc+free vs glibc, mimalloc, jemalloc, tcmalloc (each in a child "
      "process)";
  for (const int threads : {1, 2}) {
    for (const size_t bytes : {size_t{64}, size_t{1} << 10, size_t{4} << 10, size_t{64} << 10,
                               size_t{1} << 20, size_t{16} << 20}) {
      const AllocWorkload workload{bytes, threads};
      suite.cases.push_back({fmt::format("alloc_{}_{}t", size_name(bytes), threads),
                             [workload] { return workload_rows(workload); }});
    }
    const AllocWorkload trace{0, threads};
    suite.cases.push_back(
        {fmt::format("trace_{}t", threads), [trace] { return workload_rows(trace); }});
  }
  const AllocWorkload handoff{size_t{1} << 10, 2, true};
  suite.cases.push_back({"cross_thread_1k", [handoff] { return workload_rows(handoff); }});
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

// The benchmark model shared by every suite: a suite is a list of cases; a case builds its data and
// returns rows, one per implementation (ours, named "bitnet", and baselines), all doing the same
// work so that their times compare directly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace bitnet::bench {

// The implementation name of our own code; every other row of a case is a baseline.
inline constexpr std::string_view kBitnetImpl = "bitnet";

// What one iteration's items are, which picks the throughput units in reports.
enum class Unit {
  kItems,  // elements processed: items/s
  kOps,    // whole operations (calls): ops/s
  kBytes,  // bytes moved: GB/s
  kFlops,  // floating-point operations: GFLOP/s
};

[[nodiscard]] std::string_view unit_name(Unit unit) noexcept;  // "items", "ops", "bytes", "flops"

struct Row {
  std::string impl;
  double items_per_iter = 0;
  Unit unit = Unit::kItems;
  // Runs `iterations` iterations back to back. Taking the count (rather than one call per
  // iteration) keeps the harness's indirect call out of the timed loop of small kernels.
  std::function<void(int64_t iterations)> run;
  // For rows that time themselves (work done in a child process, or with set-up that must stay
  // out of the timing): runs `iterations` iterations and returns the nanoseconds they took. When
  // set, the harness calls it instead of timing `run`.
  std::function<double(int64_t iterations)> measure = {};
  // Runs, untimed, after each of this row's samples: a baseline whose library leaves worker
  // threads spinning after a call (OpenBLAS spins for about 0.1 s) puts them to sleep here, so
  // that they do not take cores from the row timed next.
  std::function<void()> settle = {};
  // Bytes of memory one iteration reads and writes, where the row's cost is its traffic (weights
  // streamed from DRAM): reported as a rate in a column of its own, beside the items every row of
  // the case counts alike. 0: not reported.
  double bytes_per_iter = 0;
};

// A case's rows own (through their captures) the data they work on; building them allocates it, so
// the harness builds one case at a time and drops it before the next.
struct CaseSpec {
  std::string name;
  std::function<std::vector<Row>()> make_rows;
};

struct Suite {
  std::string name;
  std::string description;
  std::vector<CaseSpec> cases;
};

// Keeps the compiler from discarding the computation of `value` or assuming what memory holds:
// the empty asm claims to read `value` and to touch all memory, and emits no instruction.
template <typename T>
inline void do_not_optimize(const T& value) {
  if constexpr (std::is_trivially_copyable_v<T> && sizeof(T) <= sizeof(void*)) {
    asm volatile("" : : "r,m"(value) : "memory");
  } else {
    asm volatile("" : : "m"(value) : "memory");
  }
}

// Forces pending stores to be treated as observed (e.g. a loop's output buffer).
inline void clobber_memory() {
  asm volatile("" : : : "memory");
}

// A row whose one iteration is `body()`. The loop is generated here around the inlined body, so the
// per-iteration cost is the body alone.
template <typename Body>
[[nodiscard]] Row make_row(std::string impl, double items_per_iter, Unit unit, Body body) {
  return Row{std::move(impl), items_per_iter, unit,
             [body = std::move(body)](int64_t iterations) mutable {
               for (int64_t iteration = 0; iteration < iterations; ++iteration) body();
             }};
}

// The same row on one thread, named `<impl>_1t`: the thread count is set to 1 around each timed
// batch of iterations (a relaxed atomic store, no pool change) and restored after it. Beside a
// single-threaded baseline it shows the SIMD gain apart from the threading gain.
[[nodiscard]] Row on_one_thread(Row row);

}  // namespace bitnet::bench

// Times the rows of benchmark cases. Machines running this are shared and noisy, so every row is
// sampled several times and the median kept, and the rows of a case are sampled in turn
// (A, B, A, B, ...) so that a burst of outside load hits all of them alike.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/benchmark.h"

namespace bitnet::bench {

struct TimingPolicy {
  std::chrono::nanoseconds min_sample_time;  // each sample runs at least this long
  int samples;                               // samples per row
  int min_samples;                           // fewest samples kept for very slow rows
  // Cap on the time one row spends sampling: slow rows take fewer samples (not below min_samples).
  std::chrono::nanoseconds max_row_time;
};

// `bitnet bench --quick` and the default.
[[nodiscard]] TimingPolicy quick_policy() noexcept;
[[nodiscard]] TimingPolicy full_policy() noexcept;

// One timed row.
struct Measurement {
  std::string suite;
  std::string case_name;
  std::string impl;
  double ns_per_iter = 0;  // median over samples
  double items_per_iter = 0;
  Unit unit = Unit::kItems;
  double bytes_per_iter = 0;  // Row::bytes_per_iter
};

// What the runner is doing, for a progress line. sample is 0 while calibrating.
struct Progress {
  std::string_view suite;
  int case_index;  // 1-based
  int case_count;
  std::string_view case_name;
  std::string_view impl;
  int sample;
  int sample_count;
};
using ProgressCallback = std::function<void(const Progress&)>;

// Median of `values` (the mean of the middle two for an even count); 0 for an empty list.
[[nodiscard]] double median(std::vector<double> values);

// The policy run_suites is applying (full_policy() outside a run), for cases that size their data
// by it (suite io writes smaller files under --quick).
[[nodiscard]] TimingPolicy active_policy() noexcept;

// Builds each case of each suite in turn, times its rows and returns one measurement per row, in
// suite, case and row order. Exceptions from a case propagate.
[[nodiscard]] std::vector<Measurement> run_suites(const std::vector<const Suite*>& suites,
                                                  const TimingPolicy& policy,
                                                  const ProgressCallback& progress = {});

}  // namespace bitnet::bench

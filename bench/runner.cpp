#include "bench/runner.h"

#include <algorithm>
#include <cmath>

namespace bitnet::bench {
namespace {

using Clock = std::chrono::steady_clock;

double time_iterations(const Row& row, int64_t iterations) {
  double elapsed = 0;
  if (row.measure) {
    elapsed = row.measure(iterations);
  } else {
    const Clock::time_point start = Clock::now();
    row.run(iterations);
    const Clock::time_point stop = Clock::now();
    elapsed = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
  }
  if (row.settle) row.settle();
  return elapsed;
}

struct Calibration {
  int64_t iterations;
  double sample_ns;  // how long one sample of `iterations` took (or is expected to take)
};

// The iteration count that makes one sample last at least the policy's sample time. The first,
// untimed call is the warm-up: it faults pages in, fills caches and lets pools reach steady state.
Calibration calibrate(const Row& row, const TimingPolicy& policy) {
  (void)time_iterations(row, 1);
  const double target = static_cast<double>(policy.min_sample_time.count());
  Calibration calibration{1, 0};
  // Each round grows the count towards the target; a few rounds suffice even when the first
  // timings are off by orders of magnitude.
  for (int round = 0; round < 16; ++round) {
    calibration.sample_ns = time_iterations(row, calibration.iterations);
    if (calibration.sample_ns >= target) break;
    double grow = calibration.sample_ns > 0 ? target / calibration.sample_ns * 1.1 : 100.0;
    grow = std::clamp(grow, 1.5, 100.0);  // a timer glitch must not explode the count
    calibration.iterations =
        static_cast<int64_t>(std::ceil(static_cast<double>(calibration.iterations) * grow));
    calibration.sample_ns *= grow;
  }
  return calibration;
}

void report(const ProgressCallback& progress, const Suite& suite, int case_index,
            const CaseSpec& spec, const Row& row, int sample, int sample_count) {
  if (!progress) return;
  progress(Progress{suite.name, case_index, static_cast<int>(suite.cases.size()), spec.name,
                    row.impl, sample, sample_count});
}

}  // namespace

TimingPolicy quick_policy() noexcept {
  using namespace std::chrono_literals;
  return TimingPolicy{20ms, 5, 3, 1s};
}

TimingPolicy full_policy() noexcept {
  using namespace std::chrono_literals;
  return TimingPolicy{100ms, 10, 3, 4s};
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(middle), values.end());
  if (values.size() % 2 == 1) return values[middle];
  const double upper = values[middle];
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(middle));
  return (lower + upper) / 2;
}

namespace {
const TimingPolicy* running_policy = nullptr;
}  // namespace

TimingPolicy active_policy() noexcept {
  return running_policy != nullptr ? *running_policy : full_policy();
}

std::vector<Measurement> run_suites(const std::vector<const Suite*>& suites,
                                    const TimingPolicy& policy, const ProgressCallback& progress) {
  running_policy = &policy;
  struct Reset {
    ~Reset() { running_policy = nullptr; }
  } reset;
  std::vector<Measurement> measurements;
  for (const Suite* suite : suites) {
    int case_index = 0;
    for (const CaseSpec& spec : suite->cases) {
      ++case_index;
      const std::vector<Row> rows = spec.make_rows();

      // One sample lasts about max(min_sample_time, one iteration); the slowest row decides how
      // many samples fit in the row budget, and all rows take the same number.
      std::vector<int64_t> iterations(rows.size());
      int sample_count = policy.samples;
      for (size_t index = 0; index < rows.size(); ++index) {
        report(progress, *suite, case_index, spec, rows[index], 0, sample_count);
        const Calibration calibration = calibrate(rows[index], policy);
        iterations[index] = calibration.iterations;
        const auto fitting = static_cast<int>(static_cast<double>(policy.max_row_time.count()) /
                                              std::max(calibration.sample_ns, 1.0));
        sample_count = std::min(sample_count, std::max(fitting, policy.min_samples));
      }

      std::vector<std::vector<double>> samples(rows.size());
      for (int sample = 1; sample <= sample_count; ++sample) {
        for (size_t index = 0; index < rows.size(); ++index) {
          report(progress, *suite, case_index, spec, rows[index], sample, sample_count);
          const double elapsed = time_iterations(rows[index], iterations[index]);
          samples[index].push_back(elapsed / static_cast<double>(iterations[index]));
        }
      }

      for (size_t index = 0; index < rows.size(); ++index) {
        measurements.push_back(Measurement{suite->name, spec.name, rows[index].impl,
                                           median(samples[index]), rows[index].items_per_iter,
                                           rows[index].unit, rows[index].bytes_per_iter});
      }
    }
  }
  return measurements;
}

}  // namespace bitnet::bench

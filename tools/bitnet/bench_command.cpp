// `bitnet bench`: runs the benchmark suites of bench/ and prints a table or JSON.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/model_file_option.h"
#include "bench/registry.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "bench/suites.h"
#include "bitnet/config.h"
#include "bitnet/system_info.h"
#include "bitnet/version.h"
#include "commands.h"

namespace bitnet::cli {
namespace {

struct BenchOptions {
  std::vector<std::string> suites;
  std::vector<std::string> cases;  // substrings of case names; empty: every case
  bool quick = false;
  bool json = false;
  std::string model;  // suite model: this file instead of the synthetic ones
};

// One status line on stderr, rewritten in place with \r so that it never mixes with the table or
// JSON on stdout; erased when the run ends.
class ProgressLine {
 public:
  void show(const bench::Progress& progress) {
    const std::string stage =
        progress.sample == 0 ? std::string("calibrating")
                             : fmt::format("sample {}/{}", progress.sample, progress.sample_count);
    std::string line = fmt::format("[{} {}/{}] {} {} ({})", progress.suite, progress.case_index,
                                   progress.case_count, progress.case_name, progress.impl, stage);
    const size_t length = line.size();
    if (length < last_length_) line.append(last_length_ - length, ' ');
    last_length_ = length;
    fmt::print(stderr, "\r{}", line);
    std::fflush(stderr);
  }

  void clear() {
    if (last_length_ == 0) return;
    fmt::print(stderr, "\r{}\r", std::string(last_length_, ' '));
    std::fflush(stderr);
    last_length_ = 0;
  }

  ~ProgressLine() { clear(); }

 private:
  size_t last_length_ = 0;
};

int run_bench(const bench::SuiteRegistry& registry, const BenchOptions& options) {
  if (!options.model.empty()) bench::set_bench_model_file(options.model);
  std::vector<const bench::Suite*> suites = registry.select(options.suites);
  std::vector<bench::Suite> filtered;
  if (!options.cases.empty()) {
    filtered = bench::filter_cases(suites, options.cases);
    if (filtered.empty()) {
      fmt::print(stderr, "bitnet bench: no case name contains {}\n",
                 fmt::join(options.cases, " or "));
      return 2;
    }
    suites.clear();
    for (const bench::Suite& suite : filtered) suites.push_back(&suite);
  }
  const bench::TimingPolicy policy = options.quick ? bench::quick_policy() : bench::full_policy();

  std::vector<bench::Measurement> measurements;
  {
    ProgressLine progress;
    measurements = bench::run_suites(
        suites, policy, [&progress](const bench::Progress& update) { progress.show(update); });
  }

  if (options.json) {
    fmt::print("{}", bench::format_json(measurements));
    return 0;
  }
  // The context a reader needs to compare tables from different runs.
  fmt::print("bitnet {} ({}, {}), {}, {} threads; {}: median of {} samples of >= {} ms\n\n",
             version_string(), build_type(), compiler_string(), cpu_info().model, num_threads(),
             options.quick ? "quick" : "full", policy.samples,
             std::chrono::duration_cast<std::chrono::milliseconds>(policy.min_sample_time).count());
  fmt::print("{}", bench::format_table(measurements));
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& parent) {
  // Built once, and before parsing, so that --help can list the suites.
  auto registry = std::make_shared<bench::SuiteRegistry>();
  bench::register_builtin_suites(*registry);
  auto options = std::make_shared<BenchOptions>();

  CLI::App* command = parent.add_subcommand(
      "bench", "Time bitnet ops against baselines (plain loops, OpenBLAS, memcpy)");
  command
      ->add_option("--suite", options->suites,
                   fmt::format("Suite(s) to run, repeatable or comma-separated (default: all): {}",
                               fmt::join(registry->names(), ", ")))
      ->delimiter(',');
  command
      ->add_option("--case", options->cases,
                   "Only cases whose names contain this text, repeatable or comma-separated")
      ->delimiter(',');
  command
      ->add_option("--model", options->model,
                   "Suite model: time pp512 and tg128 on this GGUF file or model folder")
      ->check(CLI::ExistingPath);
  command->add_flag("--quick", options->quick, "Shorter samples and fewer of them (~1 minute)");
  command->add_flag("--json", options->json,
                    "Print only a JSON array of {suite, case, impl, ns_per_iter, items_per_iter, "
                    "unit, bytes_per_iter} to stdout");
  return Command{command, [registry, options] { return run_bench(*registry, *options); }};
}

}  // namespace bitnet::cli

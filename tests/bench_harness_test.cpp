// The benchmark harness (bench/): registry, runner, speed-up ratios, units, table and JSON, driven
// by fake suites so that no real op is timed.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/registry.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "bitnet/error.h"

namespace bitnet::bench {
namespace {

using namespace std::chrono_literals;

Measurement measurement(std::string case_name, std::string impl, double ns_per_iter,
                        double items_per_iter = 100, Unit unit = Unit::kItems) {
  return Measurement{"fake",      std::move(case_name), std::move(impl),
                     ns_per_iter, items_per_iter,       unit};
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Display column where `needle` starts in `line`.
size_t column_of(const std::string& line, const std::string& needle) {
  const size_t byte = line.find(needle);
  EXPECT_NE(byte, std::string::npos) << needle << " not in: " << line;
  return display_width(std::string_view(line).substr(0, byte));
}

TEST(BenchRegistry, SelectsAllByDefaultInRegistrationOrder) {
  SuiteRegistry registry;
  registry.add(Suite{"zeta", "", {}});
  registry.add(Suite{"alpha", "", {}});
  const std::vector<const Suite*> all = registry.select({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->name, "zeta");
  EXPECT_EQ(all[1]->name, "alpha");
  const std::vector<const Suite*> picked = registry.select({"alpha", "zeta", "alpha"});
  ASSERT_EQ(picked.size(), 2u);
  EXPECT_EQ(picked[0]->name, "zeta");
}

TEST(BenchRegistry, UnknownSuiteListsKnownOnes) {
  SuiteRegistry registry;
  registry.add(Suite{"ops", "", {}});
  registry.add(Suite{"simd", "", {}});
  try {
    (void)registry.select({"nope"});
    FAIL() << "expected bitnet::Error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
    const std::string message = error.what();
    EXPECT_NE(message.find("'nope'"), std::string::npos) << message;
    EXPECT_NE(message.find("ops, simd"), std::string::npos) << message;
  }
}

TEST(BenchRegistry, DuplicateNameThrows) {
  SuiteRegistry registry;
  registry.add(Suite{"ops", "", {}});
  EXPECT_THROW(registry.add(Suite{"ops", "", {}}), Error);
}

TEST(BenchRegistry, FilterCasesKeepsMatchingCasesAndDropsEmptySuites) {
  auto no_rows = [] { return std::vector<Row>{}; };
  const Suite first{"first", "", {{"gemv_4096x14336", no_rows}, {"gemm_4096x14336x512", no_rows}}};
  const Suite second{"second", "", {{"dram_read", no_rows}}};
  const std::vector<Suite> gemv = filter_cases({&first, &second}, {"gemv"});
  ASSERT_EQ(gemv.size(), 1u);
  EXPECT_EQ(gemv[0].name, "first");
  ASSERT_EQ(gemv[0].cases.size(), 1u);
  EXPECT_EQ(gemv[0].cases[0].name, "gemv_4096x14336");

  const std::vector<Suite> both = filter_cases({&first, &second}, {"x512", "dram", "x512"});
  ASSERT_EQ(both.size(), 2u);
  ASSERT_EQ(both[0].cases.size(), 1u);  // a case matching two patterns appears once
  EXPECT_EQ(both[0].cases[0].name, "gemm_4096x14336x512");
  EXPECT_EQ(both[1].cases[0].name, "dram_read");

  EXPECT_TRUE(filter_cases({&first, &second}, {"nothing"}).empty());
}

TEST(BenchRunner, Median) {
  EXPECT_EQ(median({}), 0);
  EXPECT_EQ(median({5}), 5);
  EXPECT_EQ(median({9, 1, 5}), 5);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
}

TEST(BenchRunner, InterleavesRowsAndReportsEveryRow) {
  std::vector<std::string> order;  // which row ran, one entry per run() call
  int64_t total_iterations = 0;
  auto row = [&](std::string impl) {
    return Row{impl, 10, Unit::kItems, [&order, &total_iterations, impl](int64_t iterations) {
                 order.push_back(impl);
                 total_iterations += iterations;
                 volatile double sink = 0;
                 for (int64_t i = 0; i < iterations * 100; ++i) sink = sink + 1;
               }};
  };
  Suite suite{"fake", "", {{"case", [&] {
                              return std::vector<Row>{row("bitnet"), row("other")};
                            }}}};
  const TimingPolicy policy{100us, 4, 2, 1s};
  std::vector<Progress> updates;
  const std::vector<Measurement> result =
      run_suites({&suite}, policy, [&](const Progress& progress) { updates.push_back(progress); });

  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].impl, "bitnet");
  EXPECT_EQ(result[1].impl, "other");
  EXPECT_EQ(result[0].suite, "fake");
  EXPECT_EQ(result[0].case_name, "case");
  EXPECT_GT(result[0].ns_per_iter, 0);
  EXPECT_EQ(result[1].items_per_iter, 10);
  EXPECT_GT(total_iterations, 0);
  // The last 2 * samples calls are the samples, alternating between the rows.
  ASSERT_GE(order.size(), 8u);
  for (size_t index = order.size() - 8; index < order.size(); index += 2) {
    EXPECT_EQ(order[index], "bitnet");
    EXPECT_EQ(order[index + 1], "other");
  }
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.back().sample, 4);
  EXPECT_EQ(updates.back().sample_count, 4);
  EXPECT_EQ(updates.back().case_count, 1);
  EXPECT_EQ(updates.back().impl, "other");
}

TEST(BenchRunner, SlowRowsTakeFewerSamples) {
  int calls = 0;
  Suite suite{"fake", "", {{"slow", [&] {
                              return std::vector<Row>{Row{"bitnet", 1, Unit::kItems, [&](int64_t) {
                                                            ++calls;
                                                            std::this_thread::sleep_for(2ms);
                                                          }}};
                            }}}};
  // Each sample takes ~2 ms, the row budget 1 ms: the minimum of 3 samples applies.
  const TimingPolicy policy{1ms, 10, 3, 1ms};
  const std::vector<Measurement> result = run_suites({&suite}, policy);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_GE(result[0].ns_per_iter, 1.5e6);
  EXPECT_EQ(calls, 2 + 3);  // warm-up, one calibration round, three samples
}

// settle() runs after every timed call of its row, outside the timing: a row whose settle takes
// 20 ms still measures about its own 1 ms per iteration.
TEST(BenchRunner, SettleRunsAfterEachSampleUntimed) {
  int runs = 0;
  int settles = 0;
  Suite suite{"fake", "", {{"settled", [&] {
                              Row row{"bitnet", 1, Unit::kItems, [&](int64_t iterations) {
                                        ++runs;
                                        std::this_thread::sleep_for(iterations * 1ms);
                                      }};
                              row.settle = [&] {
                                ++settles;
                                std::this_thread::sleep_for(20ms);
                              };
                              return std::vector<Row>{row};
                            }}}};
  const TimingPolicy policy{1ms, 3, 3, 1s};
  const std::vector<Measurement> result = run_suites({&suite}, policy);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(settles, runs);
  EXPECT_LT(result[0].ns_per_iter, 15e6);
}

TEST(BenchReport, SpeedupIsBaselineTimeOverBitnetTime) {
  const std::vector<Measurement> rows = {
      measurement("a", "naive_loop", 320), measurement("a", "bitnet", 100),
      measurement("b", "bitnet", 50), measurement("b", "openblas", 25),
      measurement("c", "only_baseline", 10)};
  const std::vector<std::optional<double>> speedups = bitnet_speedups(rows);
  ASSERT_EQ(speedups.size(), rows.size());
  ASSERT_TRUE(speedups[0].has_value());
  EXPECT_DOUBLE_EQ(*speedups[0], 3.2);
  EXPECT_FALSE(speedups[1].has_value());
  EXPECT_DOUBLE_EQ(*speedups[3], 0.5);
  EXPECT_FALSE(speedups[4].has_value());
}

TEST(BenchReport, SpeedupComparesThroughputWhenWorkDiffers) {
  // add moves 3 bytes per element, memcpy 2: equal times mean the add has 1.5x the bandwidth.
  const std::vector<Measurement> rows = {measurement("copy", "bitnet", 100, 300, Unit::kBytes),
                                         measurement("copy", "memcpy", 100, 200, Unit::kBytes)};
  EXPECT_DOUBLE_EQ(*bitnet_speedups(rows)[1], 1.5);
}

TEST(BenchReport, Units) {
  EXPECT_EQ(format_duration(12.34), "12.3 ns");
  EXPECT_EQ(format_duration(4560), "4.56 µs");
  EXPECT_EQ(format_duration(789e6), "789 ms");
  EXPECT_EQ(format_duration(1.234e9), "1.23 s");
  EXPECT_EQ(format_throughput(2.05e9, Unit::kItems), "2.05 Gitems/s");
  EXPECT_EQ(format_throughput(3.21e6, Unit::kOps), "3.21 Mops/s");
  EXPECT_EQ(format_throughput(11.4e9, Unit::kBytes), "11.4 GB/s");
  EXPECT_EQ(format_throughput(45.6e9, Unit::kFlops), "45.6 GFLOP/s");
  EXPECT_EQ(format_throughput(12, Unit::kItems), "12.0 items/s");
  EXPECT_EQ(display_width("4.56 µs"), 7u);
  // Rounding never shows four digits: it moves to the next unit or decimal instead.
  EXPECT_EQ(format_duration(999.7), "1.00 µs");
  EXPECT_EQ(format_duration(9.996e3), "10.0 µs");
  EXPECT_EQ(format_throughput(999.8e6, Unit::kBytes), "1.00 GB/s");
}

TEST(BenchReport, TableColumnsAlign) {
  const std::vector<Measurement> rows = {
      measurement("add_contig", "bitnet", 4560), measurement("add_contig", "naive_loop", 1.2e6),
      measurement("a_much_longer_case_name", "bitnet", 12.5, 1000, Unit::kOps),
      measurement("a_much_longer_case_name", "naive_loop_malloc", 789e6, 1000, Unit::kOps)};
  const std::vector<std::string> lines = split_lines(format_table(rows));
  ASSERT_EQ(lines.size(), 2 + rows.size());  // header, rule, rows

  const size_t width = display_width(lines[0]);
  for (const std::string& line : lines) EXPECT_EQ(display_width(line), width) << line;
  EXPECT_EQ(lines[1], std::string(width, '-'));

  // Left-aligned columns start where their header starts; right-aligned ones end at a line's end.
  const size_t impl_column = column_of(lines[0], "impl");
  EXPECT_EQ(column_of(lines[2], "bitnet"), impl_column);
  EXPECT_EQ(column_of(lines[5], "naive_loop_malloc"), impl_column);
  EXPECT_EQ(lines[2].back(), '-');  // the bitnet row has no ratio
  EXPECT_NE(lines[3].find("263.16x"), std::string::npos) << lines[3];
  // Time is right-aligned: every time cell ends at the column where the header's ends.
  const size_t time_end = column_of(lines[0], "time/iter") + display_width("time/iter");
  EXPECT_EQ(column_of(lines[2], "4.56 µs") + display_width("4.56 µs"), time_end);
  EXPECT_EQ(column_of(lines[4], "12.5 ns") + display_width("12.5 ns"), time_end);
}

TEST(BenchReport, JsonFieldNames) {
  const std::vector<Measurement> rows = {
      measurement("add_16m", "memcpy", 2e6, 1.5e8, Unit::kBytes)};
  const nlohmann::json parsed = nlohmann::json::parse(format_json(rows));
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), 1u);
  const nlohmann::json& object = parsed[0];
  EXPECT_EQ(object.size(), 7u);
  EXPECT_EQ(object.at("suite"), "fake");
  EXPECT_EQ(object.at("case"), "add_16m");
  EXPECT_EQ(object.at("impl"), "memcpy");
  EXPECT_DOUBLE_EQ(object.at("ns_per_iter").get<double>(), 2e6);
  EXPECT_DOUBLE_EQ(object.at("items_per_iter").get<double>(), 1.5e8);
  EXPECT_EQ(object.at("unit"), "bytes");
  EXPECT_DOUBLE_EQ(object.at("bytes_per_iter").get<double>(), 0);
  EXPECT_EQ(nlohmann::json::parse(format_json({})), nlohmann::json::array());
}

// Rows of a streaming case count the same items; the bytes each reads show in their own column,
// and the speed-up stays a time ratio.
TEST(BenchReport, MemoryColumnOnlyWhenRowsCountBytes) {
  std::vector<Measurement> rows = {measurement("gemv_stream", "bitnet", 1e6, 5e7),
                                   measurement("gemv_stream", "onednn_s8", 3e6, 5e7)};
  rows[0].bytes_per_iter = 1.5e7;  // 15 GB/s
  rows[1].bytes_per_iter = 6e7;    // 20 GB/s
  const std::vector<std::string> lines = split_lines(format_table(rows));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("memory"), std::string::npos) << lines[0];
  EXPECT_NE(lines[2].find("15.0 GB/s"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find("20.0 GB/s"), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("3.00x"), std::string::npos) << lines[3];
  const nlohmann::json parsed = nlohmann::json::parse(format_json(rows));
  EXPECT_DOUBLE_EQ(parsed[1].at("bytes_per_iter").get<double>(), 6e7);

  rows[0].bytes_per_iter = rows[1].bytes_per_iter = 0;
  EXPECT_EQ(split_lines(format_table(rows))[0].find("memory"), std::string::npos);
}

}  // namespace
}  // namespace bitnet::bench

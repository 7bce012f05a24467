// Turns measurements into what people and scripts read: an aligned table or a JSON array.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/runner.h"

namespace bitnet::bench {

// For each measurement, how many times faster the "bitnet" row of the same suite and case is than
// it: throughput(bitnet) / throughput(row), which is ns(row) / ns(bitnet) when both rows do the
// same work per iteration. Rows whose work is counted differently (memcpy moves 2 bytes per
// element, an add 3) thus compare on bandwidth. Empty for the bitnet rows themselves and for cases
// without a bitnet row; when the units differ, the plain time ratio is used.
[[nodiscard]] std::vector<std::optional<double>> bitnet_speedups(
    const std::vector<Measurement>& measurements);

// "12.3 ns", "4.56 µs", "789 ms", "1.23 s": three significant digits.
[[nodiscard]] std::string format_duration(double nanoseconds);
// Per-second rate with an SI prefix and the unit's name: "2.05 Gitems/s", "3.21 Mops/s",
// "11.4 GB/s" (1 GB = 1e9 bytes), "45.6 GFLOP/s".
[[nodiscard]] std::string format_throughput(double items_per_second, Unit unit);

// Display width of UTF-8 text in terminal columns (one per code point; no wide characters here).
[[nodiscard]] size_t display_width(std::string_view text) noexcept;

// The table: suite, case, impl, time/iter, throughput, [memory,] bitnet speed-up; one line per
// measurement (the memory column, bytes per second, only when some row counts its bytes),
// every line the same display width, text columns left-aligned and numbers right-aligned.
[[nodiscard]] std::string format_table(const std::vector<Measurement>& measurements);

// A JSON array of {"suite", "case", "impl", "ns_per_iter", "items_per_iter", "unit",
// "bytes_per_iter"} objects (bytes_per_iter 0 where not counted).
[[nodiscard]] std::string format_json(const std::vector<Measurement>& measurements);

}  // namespace bitnet::bench

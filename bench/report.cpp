#include "bench/report.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bitnet::bench {
namespace {

// A value scaled to [1, 1000) is shown below this bound, else with the next prefix: 999.7 would
// round to "1000".
constexpr double kScaleLimit = 999.5;

// Three significant digits for values in [1, 1000); the bounds account for rounding (9.996 gives
// "10.0", not "10.00").
std::string three_digits(double value) {
  if (value < 9.995) return fmt::format("{:.2f}", value);
  if (value < 99.95) return fmt::format("{:.1f}", value);
  return fmt::format("{:.0f}", value);
}

bool same_case(const Measurement& a, const Measurement& b) {
  return a.suite == b.suite && a.case_name == b.case_name;
}

enum class Align { kLeft, kRight };

std::string pad(std::string_view text, size_t width, Align align) {
  const size_t used = display_width(text);
  const std::string fill(width > used ? width - used : 0, ' ');
  return align == Align::kLeft ? std::string(text) + fill : fill + std::string(text);
}

}  // namespace

std::string_view unit_name(Unit unit) noexcept {
  switch (unit) {
    case Unit::kItems:
      return "items";
    case Unit::kOps:
      return "ops";
    case Unit::kBytes:
      return "bytes";
    case Unit::kFlops:
      return "flops";
  }
  return "items";
}

std::vector<std::optional<double>> bitnet_speedups(const std::vector<Measurement>& measurements) {
  std::vector<std::optional<double>> speedups(measurements.size());
  for (size_t index = 0; index < measurements.size(); ++index) {
    const Measurement& row = measurements[index];
    if (row.impl == kBitnetImpl) continue;
    for (const Measurement& ours : measurements) {
      if (ours.impl != kBitnetImpl || !same_case(ours, row)) continue;
      if (ours.ns_per_iter <= 0 || row.ns_per_iter <= 0) break;
      double ratio = row.ns_per_iter / ours.ns_per_iter;
      if (ours.unit == row.unit && ours.items_per_iter > 0 && row.items_per_iter > 0) {
        ratio *= ours.items_per_iter / row.items_per_iter;
      }
      speedups[index] = ratio;
      break;
    }
  }
  return speedups;
}

std::string format_duration(double nanoseconds) {
  if (nanoseconds < kScaleLimit) return three_digits(nanoseconds) + " ns";
  if (nanoseconds < kScaleLimit * 1e3) return three_digits(nanoseconds / 1e3) + " µs";
  if (nanoseconds < kScaleLimit * 1e6) return three_digits(nanoseconds / 1e6) + " ms";
  return fmt::format("{:.2f} s", nanoseconds / 1e9);
}

std::string format_throughput(double items_per_second, Unit unit) {
  static constexpr std::array<std::string_view, 5> kPrefixes = {"", "k", "M", "G", "T"};
  std::string_view suffix;
  switch (unit) {
    case Unit::kItems:
      suffix = "items/s";
      break;
    case Unit::kOps:
      suffix = "ops/s";
      break;
    case Unit::kBytes:
      suffix = "B/s";
      break;
    case Unit::kFlops:
      suffix = "FLOP/s";
      break;
  }
  size_t prefix = 0;
  double value = items_per_second;
  while (value >= kScaleLimit && prefix + 1 < kPrefixes.size()) {
    value /= 1e3;
    ++prefix;
  }
  return fmt::format("{} {}{}", three_digits(value), kPrefixes[prefix], suffix);
}

size_t display_width(std::string_view text) noexcept {
  size_t width = 0;
  // UTF-8 continuation bytes are 10xxxxxx; every other byte starts a code point.
  for (const char byte : text) width += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return width;
}

std::string format_table(const std::vector<Measurement>& measurements) {
  // The memory column appears only when some row counts its bytes.
  const bool with_bytes =
      std::any_of(measurements.begin(), measurements.end(),
                  [](const Measurement& row) { return row.bytes_per_iter > 0; });
  using Line = std::vector<std::string>;
  std::vector<Align> align = {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight,
                              Align::kRight};
  Line header = {"suite", "case", "impl", "time/iter", "throughput"};
  if (with_bytes) {
    header.push_back("memory");
    align.push_back(Align::kRight);
  }
  header.push_back("bitnet speed-up");
  align.push_back(Align::kRight);
  const size_t columns = header.size();

  const std::vector<std::optional<double>> speedups = bitnet_speedups(measurements);
  std::vector<Line> lines;
  lines.push_back(header);
  for (size_t index = 0; index < measurements.size(); ++index) {
    const Measurement& row = measurements[index];
    const double seconds = row.ns_per_iter * 1e-9;
    const double per_second = row.ns_per_iter > 0 ? row.items_per_iter / seconds : 0.0;
    Line line = {row.suite, row.case_name, row.impl, format_duration(row.ns_per_iter),
                 format_throughput(per_second, row.unit)};
    if (with_bytes) {
      line.push_back(row.bytes_per_iter > 0 && row.ns_per_iter > 0
                         ? format_throughput(row.bytes_per_iter / seconds, Unit::kBytes)
                         : "-");
    }
    line.push_back(speedups[index] ? fmt::format("{:.2f}x", *speedups[index]) : "-");
    lines.push_back(std::move(line));
  }

  std::vector<size_t> widths(columns, 0);
  for (const Line& line : lines) {
    for (size_t column = 0; column < columns; ++column) {
      widths[column] = std::max(widths[column], display_width(line[column]));
    }
  }

  std::string table;
  for (size_t line_index = 0; line_index < lines.size(); ++line_index) {
    for (size_t column = 0; column < columns; ++column) {
      if (column > 0) table += "  ";
      table += pad(lines[line_index][column], widths[column], align[column]);
    }
    table += '\n';
    if (line_index == 0) {
      size_t total = 2 * (columns - 1);
      for (const size_t width : widths) total += width;
      table += std::string(total, '-') + '\n';
    }
  }
  return table;
}

std::string format_json(const std::vector<Measurement>& measurements) {
  // ordered_json keeps the fields in the documented order rather than sorting them.
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const Measurement& row : measurements) {
    array.push_back({{"suite", row.suite},
                     {"case", row.case_name},
                     {"impl", row.impl},
                     {"ns_per_iter", row.ns_per_iter},
                     {"items_per_iter", row.items_per_iter},
                     {"unit", unit_name(row.unit)},
                     {"bytes_per_iter", row.bytes_per_iter}});
  }
  return array.dump(2) + '\n';
}

}  // namespace bitnet::bench

// `bitnet info FILE`: what a model file holds, read and validated by the library's readers (io.h);
// this file only picks the reader and lays out the answer.
#include "file_info.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bitnet/io.h"

namespace bitnet::cli {
namespace {

enum class Format { kGguf, kSafetensors, kCheckpoint };

// GGUF by its magic or extension; safetensors by extension or by the '{' that starts its header;
// directories and .json files are checkpoints.
Format sniff(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error) || fs::path(path).extension() == ".json") {
    return Format::kCheckpoint;
  }
  const std::string extension = fs::path(path).extension().string();
  if (extension == ".gguf") return Format::kGguf;
  if (extension == ".safetensors") return Format::kSafetensors;
  char start[9] = {};
  std::ifstream stream(path, std::ios::binary);
  stream.read(start, sizeof(start));
  const auto got = static_cast<size_t>(stream.gcount());
  if (got >= 4 && std::string(start, 4) == "GGUF") return Format::kGguf;
  if (got == 9 && start[8] == '{') return Format::kSafetensors;
  if (!stream && got == 0 && !fs::exists(path, error)) return Format::kGguf;  // the reader says so
  throw Error(ErrorKind::kInvalidArgument,
              fmt::format("{}: neither a GGUF file (no 'GGUF' magic) nor a safetensors file (no "
                          "JSON header); name it .gguf or .safetensors to see the reader's error",
                          path));
}

std::string format_size(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30)) return fmt::format("{:.2f} GiB", bytes / double(1 << 30));
  if (bytes >= (uint64_t{1} << 20)) return fmt::format("{:.2f} MiB", bytes / double(1 << 20));
  if (bytes >= (uint64_t{1} << 10)) return fmt::format("{:.1f} KiB", bytes / double(1 << 10));
  return fmt::format("{} B", bytes);
}

// A table with left-aligned text and right-aligned numbers, columns as wide as their content.
class Table {
 public:
  explicit Table(std::vector<std::string> header, std::vector<bool> numeric)
      : numeric_(std::move(numeric)) {
    rows_.push_back(std::move(header));
  }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print() const {
    std::vector<size_t> widths(rows_[0].size(), 0);
    for (const auto& row : rows_) {
      for (size_t column = 0; column < row.size(); ++column) {
        widths[column] = std::max(widths[column], row[column].size());
      }
    }
    for (const auto& row : rows_) {
      std::string line = " ";
      for (size_t column = 0; column < row.size(); ++column) {
        line += numeric_[column] ? fmt::format(" {:>{}}", row[column], widths[column])
                                 : fmt::format(" {:<{}}", row[column], widths[column]);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      fmt::print("{}\n", line);
    }
  }

 private:
  std::vector<bool> numeric_;
  std::vector<std::vector<std::string>> rows_;
};

struct RepackTotals {
  int tensors = 0;
  RepackReport sum;
  uint64_t peak_temporary = 0;
  void add(const RepackReport& report) {
    ++tensors;
    sum.seconds += report.seconds;
    sum.source_bytes += report.source_bytes;
    sum.packed_bytes += report.packed_bytes;
    peak_temporary = std::max(peak_temporary, report.temporary_bytes);
  }
  void print(const std::string& source) const {
    if (tensors == 0) {
      fmt::print("repack:    no ternary tensors\n");
      return;
    }
    fmt::print(
        "repack:    {} ternary tensors {} -> t2 in {:.3f} s ({} read, {:.2f} GB/s), {} packed, "
        "peak temporary {}\n",
        tensors, source, sum.seconds, format_size(sum.source_bytes),
        sum.seconds > 0 ? sum.source_bytes / sum.seconds / 1e9 : 0.0, format_size(sum.packed_bytes),
        format_size(peak_temporary));
  }
};

int print_gguf(const std::string& path, bool repack) {
  const GgufFile file = GgufFile::open(path);
  uint64_t data_bytes = 0;
  for (const GgufTensorInfo& info : file.tensors()) data_bytes += info.bytes;
  fmt::print("file:      {}\n", file.path());
  fmt::print("format:    GGUF v{}, {} bytes ({}), alignment {}, tensor data at offset {}\n",
             file.version(), file.file_size(), format_size(file.file_size()), file.alignment(),
             file.data_offset());
  fmt::print("metadata:  {} entries\n", file.metadata().size());
  Table metadata({"key", "type", "value"}, {false, false, false});
  for (const GgufMetadataEntry& entry : file.metadata()) {
    metadata.add({entry.key, entry.value.type_string(), entry.value.to_string(8)});
  }
  metadata.print();
  fmt::print("tensors:   {}, {} of data\n", file.tensors().size(), format_size(data_bytes));
  Table tensors({"name", "type", "shape", "bytes", "offset"}, {false, false, false, true, true});
  for (const GgufTensorInfo& info : file.tensors()) {
    tensors.add({info.name, std::string(ggml_type_traits(info.type).name), to_string(info.shape),
                 std::to_string(info.bytes), std::to_string(info.file_offset)});
  }
  tensors.print();
  if (repack) {
    RepackTotals totals;
    std::string sources;
    for (const GgufTensorInfo& info : file.tensors()) {
      if (!ggml_type_traits(info.type).ternary) continue;
      RepackReport report;
      (void)file.ternary(info.name, TernaryFormat::kT2, &report);
      if (sources.find(report.source_format) == std::string::npos) {
        sources += (sources.empty() ? "" : "/") + report.source_format;
      }
      totals.add(report);
    }
    totals.print(sources);
  }
  return 0;
}

void print_safetensors_tensors(const SafetensorsCheckpoint& checkpoint, bool with_shard) {
  std::vector<std::string> header = {"name", "dtype", "shape", "bytes", "offset"};
  std::vector<bool> numeric = {false, false, false, true, true};
  if (with_shard) {
    header.push_back("shard");
    numeric.push_back(false);
  }
  Table table(header, numeric);
  uint64_t data_bytes = 0;
  for (const std::string& name : checkpoint.tensor_names()) {
    const SafetensorsTensorInfo& info = checkpoint.tensor_info(name);
    data_bytes += info.bytes();
    std::vector<std::string> row = {info.name, info.dtype, to_string(info.shape),
                                    std::to_string(info.bytes()), std::to_string(info.file_offset)};
    if (with_shard) {
      row.push_back(std::filesystem::path(checkpoint.shard_of(name).path()).filename().string());
    }
    table.add(std::move(row));
  }
  fmt::print("tensors:   {}, {} of data (sorted by name)\n", checkpoint.tensor_names().size(),
             format_size(data_bytes));
  table.print();
}

int print_safetensors(const SafetensorsCheckpoint& checkpoint, bool single, bool repack) {
  fmt::print("file:      {}\n", checkpoint.path());
  if (single) {
    const SafetensorsFile& file = checkpoint.shards().front();
    fmt::print(
        "format:    safetensors, {} bytes ({}), JSON header of {} bytes, data at offset {}\n",
        file.file_size(), format_size(file.file_size()), file.header_bytes(), file.data_offset());
  } else {
    fmt::print("format:    safetensors checkpoint, {} shards{}\n", checkpoint.shards().size(),
               checkpoint.total_size()
                   ? fmt::format(", index total_size {}", *checkpoint.total_size())
                   : std::string());
  }
  for (const SafetensorsFile& shard : checkpoint.shards()) {
    if (!single) {
      fmt::print("shard:     {}: {} tensors, {} bytes\n", shard.path(), shard.tensors().size(),
                 shard.file_size());
    }
    fmt::print("metadata:  {} entries{}\n", shard.metadata().size(),
               single
                   ? ""
                   : fmt::format(" ({})", std::filesystem::path(shard.path()).filename().string()));
    for (const auto& [key, value] : shard.metadata()) {
      fmt::print("  {} = {}\n", key, GgufValue(value).to_string());
    }
  }
  print_safetensors_tensors(checkpoint, !single);
  const std::vector<std::string> packed = hf_bitnet_weights(checkpoint);
  if (!packed.empty()) {
    fmt::print(
        "bitnet:    {} packed ternary weights (Hugging Face BitNet b1.58 layout: u8 [out/4, "
        "in] + weight_scale)\n",
        packed.size());
  }
  if (repack) {
    RepackTotals totals;
    for (const std::string& name : packed) {
      RepackReport report;
      (void)load_hf_bitnet_weight(checkpoint, name, TernaryFormat::kT2, &report);
      totals.add(report);
    }
    totals.print("hf_bitnet");
  }
  return 0;
}

}  // namespace

int run_file_info(const std::string& path, bool repack) {
  switch (sniff(path)) {
    case Format::kGguf:
      return print_gguf(path, repack);
    case Format::kSafetensors:
      return print_safetensors(SafetensorsCheckpoint::from_file(SafetensorsFile::open(path)), true,
                               repack);
    case Format::kCheckpoint: {
      const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(path);
      const bool single = checkpoint.shards().size() == 1 &&
                          std::filesystem::path(checkpoint.path()).extension() != ".json";
      return print_safetensors(checkpoint, single, repack);
    }
  }
  return 0;
}

}  // namespace bitnet::cli

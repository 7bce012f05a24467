// Suite `io`: opening model files and repacking ternary weights, against plain reads of the same
// bytes. Each case writes its file into /tmp (1 GiB; 256 MiB under --quick or when /tmp has less
// than 3 GiB free), syncs it, and removes it when the case is done. Rows:
//   bitnet          GgufFile/SafetensorsFile::open: validate the header and tensor table, map
//                   the file (warm page cache); in the "load" cases also read every tensor byte
//                   through the zero-copy views
//   bitnet_cold     the same after the file's pages are dropped from the page cache
//                   (posix_fadvise DONTNEED, no root needed; the row name says "not evicted" when
//                   mincore shows the pages stayed)
//   read            read() of the whole file into a buffer (and, in "load" cases, the same sum):
//                   the plain read bandwidth
//   read_cold       the same from a dropped page cache
// The repack case times GgufFile::ternary (TQ2_0 -> t2, TQ2_0 -> t1) on a mapped file against
// memcpy of the same TQ2_0 bytes. Every row counts file (or source) bytes, so ratios are
// bandwidths.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/runner.h"
#include "bench/suites.h"
#include "bitnet/io.h"
#include "core/raise.h"

namespace bitnet::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kFullBytes = uint64_t{1} << 30;
constexpr uint64_t kSmallBytes = uint64_t{256} << 20;
constexpr int64_t kTensorRows = 4096;  // each f32 tensor [4096, 4096] is 64 MiB
constexpr int64_t kTensorCols = 4096;

// 1 GiB, or 256 MiB under --quick or when /tmp has less than 3 GiB free.
uint64_t file_bytes_for_run() {
  if (active_policy().min_sample_time < full_policy().min_sample_time) return kSmallBytes;
  struct statvfs info {};
  const uint64_t free_bytes =
      ::statvfs("/tmp", &info) == 0 ? static_cast<uint64_t>(info.f_bavail) * info.f_frsize : 0;
  if (free_bytes >= 3 * kFullBytes) return kFullBytes;
  fmt::print(stderr, "\nbench io: /tmp has {} MiB free; using {} MiB files instead of 1 GiB\n",
             free_bytes >> 20, kSmallBytes >> 20);
  return kSmallBytes;
}

void sync_file(const std::string& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY);
  if (descriptor < 0) return;
  ::fdatasync(descriptor);  // dirty pages cannot be dropped from the page cache
  ::close(descriptor);
}

// Asks the kernel to drop the file's cached pages.
void drop_page_cache(const std::string& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY);
  if (descriptor < 0) return;
  ::posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED);
  ::close(descriptor);
}

// The fraction of the file's pages in the page cache (mincore), to check that drops work.
double resident_fraction(const std::string& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY);
  if (descriptor < 0) return -1;
  struct stat status {};
  ::fstat(descriptor, &status);
  const auto size = static_cast<size_t>(status.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, descriptor, 0);
  ::close(descriptor);
  if (map == MAP_FAILED) return -1;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  double fraction = -1;
  if (::mincore(map, size, resident.data()) == 0) {
    size_t count = 0;
    for (const unsigned char flag : resident) count += flag & 1;
    fraction = static_cast<double>(count) / static_cast<double>(resident.size());
  }
  ::munmap(map, size);
  return fraction;
}

// Reads the page cache in once and checks that a drop empties it; the cold rows' names carry the
// answer so that a table never passes warm numbers off as cold ones.
std::string cold_suffix(const std::string& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY);
  std::vector<char> buffer(1 << 20);
  while (descriptor >= 0 && ::read(descriptor, buffer.data(), buffer.size()) > 0) {
  }
  if (descriptor >= 0) ::close(descriptor);
  drop_page_cache(path);
  const double left = resident_fraction(path);
  if (left < 0) return "(eviction unknown)";
  return left <= 0.01 ? "" : fmt::format("(not evicted: {:.0f}% cached)", 100 * left);
}

uint64_t sum_words(const uint8_t* bytes, size_t count) {
  uint64_t sum = 0;
  size_t index = 0;
  for (; index + 8 <= count; index += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + index, 8);
    sum += word;
  }
  for (; index < count; ++index) sum += bytes[index];
  return sum;
}

// read() of the whole file into `buffer`; with `sum`, also adds up its words.
uint64_t read_file(const std::string& path, std::vector<uint8_t>& buffer, bool sum) {
  const int descriptor = ::open(path.c_str(), O_RDONLY);
  if (descriptor < 0) raise(ErrorKind::kIo, "bench io: cannot open {}", path);
  uint64_t total = 0;
  size_t offset = 0;
  while (true) {
    if (offset == buffer.size()) buffer.resize(buffer.size() * 2 + (8 << 20));
    const ssize_t got = ::read(descriptor, buffer.data() + offset, buffer.size() - offset);
    if (got <= 0) break;
    if (sum) total += sum_words(buffer.data() + offset, static_cast<size_t>(got));
    offset += static_cast<size_t>(got);
  }
  ::close(descriptor);
  return total + offset;
}

// The generated file; removed when the last row using it is dropped.
struct FileFixture {
  std::string path;
  uint64_t bytes = 0;
  std::string cold;  // suffix for cold rows
  std::vector<uint8_t> buffer;
  ~FileFixture() {
    std::error_code error;
    std::filesystem::remove(path, error);
  }
};

std::shared_ptr<FileFixture> make_fixture(const std::string& extension, uint64_t target_bytes) {
  auto fixture = std::make_shared<FileFixture>();
  fixture->path = fmt::format("/tmp/bitnet-bench-io-{}.{}", ::getpid(), extension);
  // One 64 MiB tensor written under many names: the file is large, the process is not.
  const Tensor weights = Tensor::normal({kTensorRows, kTensorCols}, 42);
  const auto count = static_cast<int>(target_bytes / static_cast<uint64_t>(weights.nbytes()));
  if (extension == "gguf") {
    GgufWriter writer;
    writer.set("general.architecture", "bench");
    for (int index = 0; index < count; ++index) {
      writer.add_tensor(fmt::format("blk.{}.weight", index), weights);
    }
    writer.write(fixture->path);
  } else {
    SafetensorsWriter writer;
    for (int index = 0; index < count; ++index) {
      writer.add(fmt::format("layers.{}.weight", index), weights);
    }
    writer.write(fixture->path);
  }
  sync_file(fixture->path);
  fixture->bytes = std::filesystem::file_size(fixture->path);
  fixture->cold = cold_suffix(fixture->path);
  return fixture;
}

// Times `body` per iteration after dropping the page cache, which stays out of the timing.
template <typename Body>
Row cold_row(std::string impl, const std::shared_ptr<FileFixture>& fixture, Body body) {
  Row row = make_row(std::move(impl) + fixture->cold, static_cast<double>(fixture->bytes),
                     Unit::kBytes, body);
  row.measure = [fixture, body](int64_t iterations) mutable {
    double nanoseconds = 0;
    for (int64_t iteration = 0; iteration < iterations; ++iteration) {
      drop_page_cache(fixture->path);
      const Clock::time_point start = Clock::now();
      body();
      nanoseconds += std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    }
    return nanoseconds;
  };
  return row;
}

// Times `body` with the file in the page cache: read through once before the iterations (outside
// the timing), since a cold row sampled just before may have dropped it.
template <typename Body>
Row warm_row(std::string impl, const std::shared_ptr<FileFixture>& fixture, Body body) {
  Row row = make_row(std::move(impl), static_cast<double>(fixture->bytes), Unit::kBytes, body);
  row.measure = [fixture, body](int64_t iterations) mutable {
    (void)read_file(fixture->path, fixture->buffer, false);
    const Clock::time_point start = Clock::now();
    for (int64_t iteration = 0; iteration < iterations; ++iteration) body();
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  };
  return row;
}

template <typename File>
uint64_t open_file(const std::string& path, bool touch) {
  const File file = File::open(path);
  uint64_t sum = file.tensors().size();
  if (touch) {
    for (const auto& info : file.tensors()) {
      const std::span<const uint8_t> bytes = file.tensor_bytes(info.name);
      sum += sum_words(bytes.data(), bytes.size());
    }
  }
  return sum;
}

template <typename File>
CaseSpec file_case(const std::string& format, const std::string& extension, bool touch) {
  const std::string name =
      fmt::format("{} {}", format, touch ? "open+read all" : "open+validate+map");
  return {name, [extension, touch] {
            const std::shared_ptr<FileFixture> fixture =
                make_fixture(extension, file_bytes_for_run());
            const auto ours = [fixture, touch] {
              do_not_optimize(open_file<File>(fixture->path, touch));
            };
            const auto plain = [fixture, touch] {
              do_not_optimize(read_file(fixture->path, fixture->buffer, touch));
            };
            std::vector<Row> rows;
            rows.push_back(warm_row(std::string(kBitnetImpl), fixture, ours));
            rows.push_back(cold_row("bitnet_cold", fixture, ours));
            rows.push_back(warm_row("read", fixture, plain));
            rows.push_back(cold_row("read_cold", fixture, plain));
            return rows;
          }};
}

// i8 trits [rows, cols], -1, 0, +1 about equally likely (a multiplicative hash per element).
Tensor random_trits(int64_t rows, int64_t cols) {
  Tensor trits = Tensor::empty({rows, cols}, DType::kI8);
  auto* values = trits.data_as<int8_t>();
  for (int64_t index = 0; index < rows * cols; ++index) {
    const uint64_t hash = static_cast<uint64_t>(index) * 0x9e3779b97f4a7c15ull;
    values[index] = static_cast<int8_t>(static_cast<int>((hash >> 40) % 3) - 1);
  }
  return trits;
}

CaseSpec repack_case() {
  return {"tq2_0 -> t2 repack", [] {
            struct Data {
              std::string path;
              std::optional<GgufFile> file;
              std::vector<uint8_t> copy;
              ~Data() {
                file.reset();
                std::error_code error;
                std::filesystem::remove(path, error);
              }
            };
            auto data = std::make_shared<Data>();
            data->path = fmt::format("/tmp/bitnet-bench-io-{}-tq2_0.gguf", ::getpid());
            // [8192, 16384]: 134 M weights, 34.6 MB of TQ2_0 (a quarter of that with --quick).
            const bool quick = active_policy().min_sample_time < full_policy().min_sample_time;
            const int64_t weight_rows = quick ? 2048 : 8192;
            GgufWriter writer;
            writer.add_ternary("w",
                               TernaryTensor::from_trits(random_trits(weight_rows, 16384),
                                                         Tensor::full({1}, 0.02)),
                               GgmlType::kTQ2_0);
            writer.write(data->path);
            data->file.emplace(GgufFile::open(data->path));
            const std::span<const uint8_t> source = data->file->tensor_bytes("w");
            data->copy.resize(source.size());
            const auto items = static_cast<double>(source.size());
            std::vector<Row> rows;
            rows.push_back(make_row(std::string(kBitnetImpl), items, Unit::kBytes, [data] {
              do_not_optimize(data->file->ternary("w", TernaryFormat::kT2).rows());
            }));
            rows.push_back(make_row("bitnet_t1", items, Unit::kBytes, [data] {
              do_not_optimize(data->file->ternary("w", TernaryFormat::kT1).rows());
            }));
            rows.push_back(make_row("memcpy", items, Unit::kBytes, [data, source] {
              std::memcpy(data->copy.data(), source.data(), source.size());
              clobber_memory();
            }));
            return rows;
          }};
}

}  // namespace

void register_io_suite(SuiteRegistry& registry) {
  Suite suite{"io",
              "Model files (1 GiB; 256 MiB with --quick): open + validate + map and full reads "
              "of GGUF and safetensors files (warm and cold page cache) against read(); TQ2_0 -> "
              "t2 repacking against memcpy",
              {}};
  suite.cases.push_back(file_case<GgufFile>("gguf", "gguf", false));
  suite.cases.push_back(file_case<GgufFile>("gguf", "gguf", true));
  suite.cases.push_back(file_case<SafetensorsFile>("safetensors", "safetensors", false));
  suite.cases.push_back(file_case<SafetensorsFile>("safetensors", "safetensors", true));
  suite.cases.push_back(repack_case());
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

// Where the model writers put bytes: a file written under a temporary name and renamed into place
// only when complete (a failed write leaves no partial file), or a vector in memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace bitnet::io {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const void* data, size_t count) = 0;
  void write_zeros(uint64_t count);
  template <typename T>
  void write_value(T value) {
    write(&value, sizeof(T));
  }
  [[nodiscard]] uint64_t written() const noexcept { return written_; }

 protected:
  uint64_t written_ = 0;
};

class VectorSink final : public ByteSink {
 public:
  void write(const void* data, size_t count) override;
  [[nodiscard]] std::vector<uint8_t>& bytes() noexcept { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

class FileSink final : public ByteSink {
 public:
  // Creates a temporary file beside `path`; Error(kIo) naming it when that fails.
  explicit FileSink(std::string path);
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  // Removes the temporary file unless commit() succeeded.
  ~FileSink() override;
  void write(const void* data, size_t count) override;
  // Flushes, closes and renames the temporary file to `path`.
  void commit();

 private:
  std::string path_;
  std::string temporary_path_;
  std::FILE* stream_ = nullptr;
  bool committed_ = false;
};

}  // namespace bitnet::io

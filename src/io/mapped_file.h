// A read-only file for the model readers: opened and size-checked first, read through pread while
// its layout is validated, memory-mapped only afterwards. The only place that opens, maps and
// unmaps model files. An in-memory image (tests, fuzzers) goes through the same interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bitnet::io {

class MappedFile {
 public:
  // Opens `path` read-only and checks that it is a regular file of at least `minimum_bytes` bytes;
  // `format` ("GGUF", "safetensors") names what was expected in errors. Nothing is mapped yet.
  [[nodiscard]] static std::shared_ptr<MappedFile> open(const std::string& path,
                                                        uint64_t minimum_bytes,
                                                        std::string_view format);
  // An image held in memory; `name` stands for the path in messages.
  [[nodiscard]] static std::shared_ptr<MappedFile> from_bytes(std::vector<uint8_t> bytes,
                                                              std::string name,
                                                              uint64_t minimum_bytes,
                                                              std::string_view format);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] uint64_t size() const noexcept { return size_; }

  // Copies bytes [offset, offset + count) into `out`. Throws Error(kIo) naming the file when the
  // range is outside the file or the read fails (the file shrank, an I/O error).
  void read(uint64_t offset, void* out, size_t count) const;

  // Maps the whole file (once; later calls return the same address). Call only after the layout
  // has been validated. Pages are mapped copy-on-write: a tensor view written to changes this
  // process's copy, never the file. Throws Error(kIo) when mapping fails or the file's size changed
  // since it was opened.
  [[nodiscard]] const uint8_t* map();

  // Drops the mapped pages wholly inside [offset, offset + count) from the process's resident set
  // (madvise MADV_DONTNEED), for bytes already copied out. Unwritten pages of a file mapping read
  // the file again on the next access, so views stay valid. Nothing for in-memory images or
  // before map().
  void release(uint64_t offset, uint64_t count) const noexcept;

  // The descriptor of an opened file (-1 for in-memory images), for page-cache hints.
  [[nodiscard]] int descriptor() const noexcept { return descriptor_; }

  struct Private {};
  MappedFile(Private, std::string name, uint64_t size, int descriptor, std::vector<uint8_t> bytes);

 private:
  std::string name_;
  uint64_t size_ = 0;
  int descriptor_ = -1;
  std::vector<uint8_t> bytes_;  // in-memory images
  std::once_flag map_once_;
  uint8_t* mapping_ = nullptr;
};

}  // namespace bitnet::io

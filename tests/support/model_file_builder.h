// Hand-built model files for reader tests: every field is written explicitly, so that a test can
// break exactly one (a count, a length, a type, an offset) and check the error that names it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "bitnet/error.h"

namespace bitnet::testing {

// Little-endian byte writer.
class ByteBuilder {
 public:
  template <typename T>
  ByteBuilder& value(T value) {
    const size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    std::memcpy(bytes.data() + at, &value, sizeof(T));
    return *this;
  }
  ByteBuilder& u8(uint8_t v) { return value(v); }
  ByteBuilder& u32(uint32_t v) { return value(v); }
  ByteBuilder& u64(uint64_t v) { return value(v); }
  ByteBuilder& raw(const std::string& text) {
    bytes.insert(bytes.end(), text.begin(), text.end());
    return *this;
  }
  ByteBuilder& raw(const std::vector<uint8_t>& data) {
    bytes.insert(bytes.end(), data.begin(), data.end());
    return *this;
  }
  // A GGUF string: u64 length, then the bytes.
  ByteBuilder& str(const std::string& text) { return u64(text.size()).raw(text); }
  ByteBuilder& pad_to(size_t alignment, uint8_t fill = 0) {
    while (bytes.size() % alignment != 0) bytes.push_back(fill);
    return *this;
  }
  [[nodiscard]] size_t size() const { return bytes.size(); }

  std::vector<uint8_t> bytes;
};

// GGUF value type ids, for hand-built entries.
enum : uint32_t {
  kGgufU8 = 0,
  kGgufI8 = 1,
  kGgufU16 = 2,
  kGgufI16 = 3,
  kGgufU32 = 4,
  kGgufI32 = 5,
  kGgufF32 = 6,
  kGgufBool = 7,
  kGgufString = 8,
  kGgufArray = 9,
  kGgufU64 = 10,
  kGgufI64 = 11,
  kGgufF64 = 12,
};

struct RawTensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // ne order
  uint32_t type = 0;           // f32
  uint64_t offset = 0;
};

// A GGUF file from parts. Entries are pre-encoded (key, type, value); `marks` record where each
// section starts, so tests can truncate inside one.
struct RawGguf {
  std::string magic = "GGUF";
  uint32_t version = 3;
  std::vector<std::vector<uint8_t>> entries;
  std::vector<RawTensorInfo> tensors;
  uint64_t alignment = 32;
  std::vector<uint8_t> data;
  // Overrides of the declared counts.
  int64_t tensor_count = -1;
  int64_t entry_count = -1;

  size_t metadata_start = 0;
  size_t tensor_table_start = 0;
  size_t data_start = 0;

  static std::vector<uint8_t> entry_u32(const std::string& key, uint32_t v) {
    return ByteBuilder().str(key).u32(kGgufU32).u32(v).bytes;
  }
  static std::vector<uint8_t> entry_string(const std::string& key, const std::string& v) {
    return ByteBuilder().str(key).u32(kGgufString).str(v).bytes;
  }

  std::vector<uint8_t> build() {
    ByteBuilder out;
    out.raw(magic).u32(version);
    out.u64(tensor_count >= 0 ? static_cast<uint64_t>(tensor_count) : tensors.size());
    out.u64(entry_count >= 0 ? static_cast<uint64_t>(entry_count) : entries.size());
    metadata_start = out.size();
    for (const auto& entry : entries) out.raw(entry);
    tensor_table_start = out.size();
    for (const RawTensorInfo& info : tensors) {
      out.str(info.name).u32(static_cast<uint32_t>(info.dims.size()));
      for (uint64_t dim : info.dims) out.u64(dim);
      out.u32(info.type).u64(info.offset);
    }
    if (!tensors.empty()) out.pad_to(alignment);
    data_start = out.size();
    out.raw(data);
    return out.bytes;
  }
};

// f32 bytes of `count` values 0, 1, 2, ...
inline std::vector<uint8_t> f32_ramp(size_t count) {
  std::vector<uint8_t> bytes(count * 4);
  for (size_t index = 0; index < count; ++index) {
    const float value = static_cast<float>(index);
    std::memcpy(bytes.data() + index * 4, &value, 4);
  }
  return bytes;
}

// A file in a fresh temporary directory, removed with it.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "bitnet-io-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TemporaryDirectory() {
    std::error_code error;
    if (!path_.empty()) std::filesystem::remove_all(path_, error);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    const std::string target = file(name);
    std::FILE* stream = std::fopen(target.c_str(), "wb");
    if (stream != nullptr) {
      if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), stream);
      std::fclose(stream);
    }
    return target;
  }

 private:
  std::string path_;
};

// Expects `action` to throw bitnet::Error whose message contains every fragment (the file, the
// field, the values), and returns the message.
inline std::string expect_error_naming(const std::function<void()>& action,
                                       std::initializer_list<std::string> fragments) {
  try {
    action();
  } catch (const Error& error) {
    const std::string message = error.what();
    for (const std::string& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "missing \"" << fragment << "\" in: " << message;
    }
    return message;
  }
  ADD_FAILURE() << "expected a bitnet::Error";
  return {};
}

}  // namespace bitnet::testing

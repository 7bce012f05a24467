// A bounds-checked little-endian cursor over a MappedFile (read through pread in 1 MiB windows, so
// the header of a file is parsed before anything is mapped), and checked size arithmetic. Every
// count and length a file declares is compared with the bytes the file has left *before* anything
// is allocated or looped over; each failure names the file, what was being read and the values.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/raise.h"
#include "io/mapped_file.h"

namespace bitnet::io {

static_assert(std::endian::native == std::endian::little,
              "the model readers and writers assume a little-endian host");

class ByteReader {
 public:
  explicit ByteReader(const MappedFile& file) : file_(file) {}

  [[nodiscard]] uint64_t position() const noexcept { return position_; }
  [[nodiscard]] uint64_t remaining() const noexcept { return file_.size() - position_; }
  [[nodiscard]] const MappedFile& file() const noexcept { return file_; }

  // What is being read ("header", "metadata key 3 'general.name'"), prefixed to every error.
  void set_context(std::string context) { context_ = std::move(context); }
  [[nodiscard]] const std::string& context() const noexcept { return context_; }

  // Throws Error(kind) with "<file>: <context>: <message>".
  template <typename... Args>
  [[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) const {
    raise(kind, "{}: {}: {}", file_.name(), context_,
          fmt::format(format, std::forward<Args>(args)...));
  }

  // Throws unless `count` more bytes remain.
  void require(uint64_t count, std::string_view field) const {
    if (count > remaining()) {
      fail(ErrorKind::kIo,
           "{} needs {} bytes at offset {}, but the file ends {} bytes later (truncated file, or a "
           "length past its end)",
           field, count, position_, remaining());
    }
  }

  // Throws unless `count` elements of at least `minimum_bytes` each can fit in what remains: the
  // bound on every declared count, applied before allocating or looping.
  void require_count(uint64_t count, uint64_t minimum_bytes, std::string_view field) const {
    if (minimum_bytes != 0 && count > remaining() / minimum_bytes) {
      fail(ErrorKind::kInvalidArgument,
           "{} is {}, more than the {} bytes left in the file could hold ({} bytes each at least)",
           field, count, remaining(), minimum_bytes);
    }
  }

  template <typename T>
  [[nodiscard]] T read(std::string_view field) {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    read_bytes(&value, sizeof(T), field);
    return value;
  }

  void read_bytes(void* out, uint64_t count, std::string_view field) {
    require(count, field);
    // An empty array or string has no buffer (out may be null): nothing to copy.
    if (count == 0) return;
    auto* destination = static_cast<uint8_t*>(out);
    if (count > kWindowBytes) {
      file_.read(position_, destination, static_cast<size_t>(count));
      position_ += count;
      return;
    }
    if (position_ < window_start_ || position_ + count > window_start_ + window_.size()) {
      refill();
    }
    std::memcpy(destination, window_.data() + (position_ - window_start_),
                static_cast<size_t>(count));
    position_ += count;
  }

  // A u64 length (checked against `max_length` and the bytes left) followed by that many bytes.
  [[nodiscard]] std::string read_string(uint64_t max_length, std::string_view field) {
    const uint64_t length = read<uint64_t>(field);
    if (length > max_length) {
      fail(ErrorKind::kInvalidArgument, "{} is {} bytes long, more than the limit of {}", field,
           length, max_length);
    }
    require(length, field);
    std::string text(static_cast<size_t>(length), '\0');
    read_bytes(text.data(), length, field);
    return text;
  }

  void seek(uint64_t position, std::string_view field) {
    if (position > file_.size()) {
      fail(ErrorKind::kIo, "{} at offset {} is past the end of the file ({} bytes)", field,
           position, file_.size());
    }
    position_ = position;
  }

 private:
  static constexpr uint64_t kWindowBytes = uint64_t{1} << 20;

  void refill() {
    const uint64_t count = std::min(kWindowBytes, remaining());
    window_.resize(static_cast<size_t>(count));
    file_.read(position_, window_.data(), static_cast<size_t>(count));
    window_start_ = position_;
  }

  const MappedFile& file_;
  uint64_t position_ = 0;
  std::string context_ = "header";
  std::vector<uint8_t> window_;
  uint64_t window_start_ = 0;
};

// ---- checked arithmetic: the result, or an Error(kOverflow) naming what was computed ----------
template <typename T>
[[nodiscard]] bool add_overflows(T a, T b, T* out) {
  return __builtin_add_overflow(a, b, out);
}
template <typename T>
[[nodiscard]] bool multiply_overflows(T a, T b, T* out) {
  return __builtin_mul_overflow(a, b, out);
}

// `value` rounded up to a multiple of `alignment` (a power of two); false on overflow.
[[nodiscard]] inline bool align_up(uint64_t value, uint64_t alignment, uint64_t* out) {
  uint64_t bumped = 0;
  if (__builtin_add_overflow(value, alignment - 1, &bumped)) return false;
  *out = bumped & ~(alignment - 1);
  return true;
}

[[nodiscard]] inline bool is_power_of_two(uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

}  // namespace bitnet::io

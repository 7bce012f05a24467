#include "io/output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/raise.h"

namespace bitnet::io {

void ByteSink::write_zeros(uint64_t count) {
  static constexpr uint8_t kZeros[4096] = {};
  while (count > 0) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(count, sizeof(kZeros)));
    write(kZeros, chunk);
    count -= chunk;
  }
}

void VectorSink::write(const void* data, size_t count) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  bytes_.insert(bytes_.end(), bytes, bytes + count);
  written_ += count;
}

FileSink::FileSink(std::string path) : path_(std::move(path)) {
  // mkstemp in the target's directory, so that the final rename stays on one file system.
  std::string pattern = path_ + ".partial-XXXXXX";
  const int descriptor = ::mkstemp(pattern.data());
  if (descriptor < 0) {
    raise(ErrorKind::kIo, "{}: cannot create a temporary file beside it: {}", path_,
          std::strerror(errno));
  }
  temporary_path_ = pattern;
  stream_ = ::fdopen(descriptor, "wb");
  if (stream_ == nullptr) {
    const int error = errno;
    ::close(descriptor);
    std::remove(temporary_path_.c_str());
    raise(ErrorKind::kIo, "{}: cannot open a stream: {}", temporary_path_, std::strerror(error));
  }
}

FileSink::~FileSink() {
  if (stream_ != nullptr) std::fclose(stream_);
  if (!committed_) std::remove(temporary_path_.c_str());
}

void FileSink::write(const void* data, size_t count) {
  if (count != 0 && std::fwrite(data, 1, count, stream_) != count) {
    raise(ErrorKind::kIo, "{}: write of {} bytes at offset {} failed: {}", path_, count, written_,
          std::strerror(errno));
  }
  written_ += count;
}

void FileSink::commit() {
  std::FILE* stream = stream_;
  stream_ = nullptr;
  if (std::fflush(stream) != 0 || std::fclose(stream) != 0) {
    raise(ErrorKind::kIo, "{}: flushing {} bytes failed: {}", path_, written_,
          std::strerror(errno));
  }
  // mkstemp creates files readable by the owner only; give the result the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  std::error_code error;
  std::filesystem::permissions(temporary_path_, static_cast<std::filesystem::perms>(0666 & ~mask),
                               error);
  std::filesystem::rename(temporary_path_, path_, error);
  if (error) {
    raise(ErrorKind::kIo, "{}: cannot rename {} into place: {}", path_, temporary_path_,
          error.message());
  }
  committed_ = true;
}

}  // namespace bitnet::io

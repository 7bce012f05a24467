#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/raise.h"

namespace bitnet::io {
namespace {

std::string system_message(int error_number) {
  return std::strerror(error_number);
}

void check_minimum(const std::string& name, uint64_t size, uint64_t minimum_bytes,
                   std::string_view format) {
  if (size == 0) {
    raise(ErrorKind::kIo, "{}: the file is empty; a {} file starts with a header of {} bytes", name,
          format, minimum_bytes);
  }
  if (size < minimum_bytes) {
    raise(ErrorKind::kIo,
          "{}: the file is {} bytes, shorter than the {}-byte header a {} file starts with "
          "(truncated)",
          name, size, minimum_bytes, format);
  }
}

}  // namespace

MappedFile::MappedFile(Private, std::string name, uint64_t size, int descriptor,
                       std::vector<uint8_t> bytes)
    : name_(std::move(name)), size_(size), descriptor_(descriptor), bytes_(std::move(bytes)) {}

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path, uint64_t minimum_bytes,
                                             std::string_view format) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    raise(ErrorKind::kIo, "{}: cannot open: {}", path, system_message(errno));
  }
  // From here on the descriptor belongs to the MappedFile, which closes it on every path.
  auto file = std::make_shared<MappedFile>(Private{}, path, 0, descriptor, std::vector<uint8_t>{});
  struct stat status {};
  if (::fstat(descriptor, &status) != 0) {
    raise(ErrorKind::kIo, "{}: cannot stat: {}", path, system_message(errno));
  }
  if (!S_ISREG(status.st_mode)) {
    raise(ErrorKind::kIo, "{}: not a regular file (a {} file was expected)", path, format);
  }
  file->size_ = static_cast<uint64_t>(status.st_size);
  check_minimum(path, file->size_, minimum_bytes, format);
  return file;
}

std::shared_ptr<MappedFile> MappedFile::from_bytes(std::vector<uint8_t> bytes, std::string name,
                                                   uint64_t minimum_bytes,
                                                   std::string_view format) {
  check_minimum(name, bytes.size(), minimum_bytes, format);
  const uint64_t size = bytes.size();
  return std::make_shared<MappedFile>(Private{}, std::move(name), size, -1, std::move(bytes));
}

MappedFile::~MappedFile() {
  if (mapping_ != nullptr && descriptor_ >= 0) ::munmap(mapping_, static_cast<size_t>(size_));
  if (descriptor_ >= 0) ::close(descriptor_);
}

void MappedFile::read(uint64_t offset, void* out, size_t count) const {
  if (offset > size_ || count > size_ - offset) {
    raise(ErrorKind::kIo,
          "{}: reading {} bytes at offset {} runs past the end of the file ({} bytes)", name_,
          count, offset, size_);
  }
  if (count == 0) return;
  if (descriptor_ < 0) {
    std::memcpy(out, bytes_.data() + offset, count);
    return;
  }
  auto* destination = static_cast<uint8_t*>(out);
  size_t done = 0;
  while (done < count) {
    const ssize_t got =
        ::pread(descriptor_, destination + done, count - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      raise(ErrorKind::kIo, "{}: read of {} bytes at offset {} failed: {}", name_, count - done,
            offset + done, system_message(errno));
    }
    if (got == 0) {
      raise(ErrorKind::kIo,
            "{}: the file ended at offset {} while reading {} bytes at {} (did it "
            "shrink?)",
            name_, offset + done, count, offset);
    }
    done += static_cast<size_t>(got);
  }
}

const uint8_t* MappedFile::map() {
  std::call_once(map_once_, [this] {
    if (descriptor_ < 0) {
      mapping_ = bytes_.data();
      return;
    }
    if (size_ > SIZE_MAX) {
      raise(ErrorKind::kIo, "{}: {} bytes cannot be mapped in this address space", name_, size_);
    }
    // MAP_PRIVATE with PROT_WRITE: views are copy-on-write, so a caller writing into a tensor view
    // gets a private page instead of a fault, and the file never changes.
    void* address = ::mmap(nullptr, static_cast<size_t>(size_), PROT_READ | PROT_WRITE, MAP_PRIVATE,
                           descriptor_, 0);
    if (address == MAP_FAILED) {
      raise(ErrorKind::kIo, "{}: mmap of {} bytes failed: {}", name_, size_, system_message(errno));
    }
    // A file truncated after validation would fault (SIGBUS) on access: check once more now that
    // the mapping exists. A truncation after this point is the caller's race to avoid.
    struct stat status {};
    if (::fstat(descriptor_, &status) != 0 || static_cast<uint64_t>(status.st_size) != size_) {
      ::munmap(address, static_cast<size_t>(size_));
      raise(ErrorKind::kIo, "{}: the file changed size while being opened ({} bytes, now {})",
            name_, size_, static_cast<int64_t>(status.st_size));
    }
    mapping_ = static_cast<uint8_t*>(address);
  });
  return mapping_;
}

void MappedFile::release(uint64_t offset, uint64_t count) const noexcept {
  if (descriptor_ < 0 || mapping_ == nullptr || offset >= size_) return;
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t end = std::min(size_, offset + count);
  const uint64_t first = (offset + page - 1) / page * page;
  const uint64_t last = end / page * page;
  if (last <= first) return;
  // Advice only: a failure leaves the pages resident, which costs memory, not correctness.
  (void)::madvise(mapping_ + first, static_cast<size_t>(last - first), MADV_DONTNEED);
}

}  // namespace bitnet::io

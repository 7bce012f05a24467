#include "bitnet/storage.h"

#include <cstdlib>

#include "core/raise.h"

namespace bitnet {
namespace {

// Aligned system allocation. The pooled allocator (HybridMemoryPool) replaces this as the default.
class SystemCpuAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    void* pointer = nullptr;
    // posix_memalign needs a non-zero size to return a unique pointer on every libc.
    if (posix_memalign(&pointer, kStorageAlignment, bytes == 0 ? kStorageAlignment : bytes) != 0) {
      raise(ErrorKind::kOutOfMemory, "cpu allocator: cannot allocate {} bytes", bytes);
    }
    return pointer;
  }
  void deallocate(void* pointer, size_t) noexcept override { std::free(pointer); }
  [[nodiscard]] Device device() const noexcept override { return Device::cpu(); }
};

}  // namespace

Allocator& default_cpu_allocator() noexcept {
  static SystemCpuAllocator allocator;
  return allocator;
}

std::shared_ptr<Storage> Storage::allocate(size_t bytes, Allocator& allocator) {
  void* data = allocator.allocate(bytes);
  try {
    return std::make_shared<Storage>(Private{}, data, bytes, allocator.device(), &allocator,
                                     Deleter{});
  } catch (...) {
    allocator.deallocate(data, bytes);
    throw;
  }
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t bytes, Device device, Deleter deleter) {
  if (data == nullptr && bytes != 0) {
    raise(ErrorKind::kInvalidArgument, "Storage::wrap: null data for {} bytes", bytes);
  }
  try {
    return std::make_shared<Storage>(Private{}, data, bytes, device, nullptr, std::move(deleter));
  } catch (...) {
    // The caller handed over ownership: release the memory if we cannot track it.
    if (deleter) deleter(data);
    throw;
  }
}

Storage::~Storage() {
  if (allocator_ != nullptr) {
    allocator_->deallocate(data_, bytes_);
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace bitnet

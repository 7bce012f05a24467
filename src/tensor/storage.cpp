#include "bitnet/storage.h"

#include <algorithm>
#include <bit>
#include <cstdlib>

#include "bitnet/memory.h"
#include "core/raise.h"

namespace bitnet {
namespace {

// Aligned system allocation: the baseline the pool is measured against, and a fallback.
class SystemCpuAllocator final : public Allocator {
 public:
  using Allocator::allocate;
  using Allocator::deallocate;

  void* allocate(size_t bytes) override { return allocate_aligned(bytes, kStorageAlignment); }
  void deallocate(void* pointer, size_t) noexcept override { std::free(pointer); }
  void* allocate(const AllocationRequest& request) override {
    check_alignment(request.alignment);
    return allocate_aligned(request.bytes, std::max(request.alignment, kStorageAlignment));
  }
  void deallocate(void* pointer, const AllocationRequest&) noexcept override { std::free(pointer); }
  [[nodiscard]] Device device() const noexcept override { return Device::cpu(); }

 private:
  static void* allocate_aligned(size_t bytes, size_t alignment) {
    void* pointer = nullptr;
    // posix_memalign needs a non-zero size to return a unique pointer on every libc.
    if (posix_memalign(&pointer, alignment, bytes == 0 ? alignment : bytes) != 0) {
      raise(ErrorKind::kOutOfMemory, "cpu allocator: cannot allocate {} bytes", bytes);
    }
    return pointer;
  }
};

}  // namespace

void check_alignment(size_t alignment) {
  if (!std::has_single_bit(alignment) || alignment > kMaxAlignment) {
    raise(ErrorKind::kInvalidArgument, "allocate: alignment {} is not a power of two from 1 to {}",
          alignment, kMaxAlignment);
  }
}

void* Allocator::allocate(const AllocationRequest& request) {
  check_alignment(request.alignment);
  if (request.alignment > kStorageAlignment) {
    raise(ErrorKind::kUnsupported, "allocate: this allocator ({}) cannot align to {} bytes",
          to_string(device()), request.alignment);
  }
  return allocate(request.bytes);
}

void Allocator::deallocate(void* pointer, const AllocationRequest& request) noexcept {
  deallocate(pointer, request.bytes);
}

Allocator& default_cpu_allocator() noexcept {
  return cpu_memory_pool();
}

Allocator& system_cpu_allocator() noexcept {
  static SystemCpuAllocator allocator;
  return allocator;
}

std::shared_ptr<Storage> Storage::allocate(size_t bytes, Allocator& allocator) {
  const MemoryTag tag = current_memory_tag();
  if (!tag.untagged()) return allocate(AllocationRequest{bytes, kStorageAlignment, tag}, allocator);
  void* data = allocator.allocate(bytes);
  try {
    return std::make_shared<Storage>(Private{}, data, bytes, allocator.device(), &allocator,
                                     Deleter{});
  } catch (...) {
    allocator.deallocate(data, bytes);
    throw;
  }
}

std::shared_ptr<Storage> Storage::allocate(const AllocationRequest& request, Allocator& allocator) {
  void* data = allocator.allocate(request);
  try {
    return std::make_shared<Storage>(Private{}, request, data, &allocator);
  } catch (...) {
    allocator.deallocate(data, request);
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
    if (alignment_ == kStorageAlignment && tag_.untagged()) {
      allocator_->deallocate(data_, bytes_);
    } else {
      allocator_->deallocate(data_, AllocationRequest{bytes_, alignment_, tag_});
    }
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace bitnet

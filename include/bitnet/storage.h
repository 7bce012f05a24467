// Reference-counted memory behind tensors. Storage either owns a block from an Allocator or wraps
// memory owned by someone else (a caller's buffer, an mmap'd file) and calls its deleter at the end.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "bitnet/device.h"

namespace bitnet {

inline constexpr size_t kStorageAlignment = 64;

// The interface the memory pool implements. allocate never returns null: it throws
// Error(kOutOfMemory) naming the size. Blocks are at least kStorageAlignment-aligned.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* pointer, size_t bytes) noexcept = 0;
  [[nodiscard]] virtual Device device() const noexcept = 0;
};

// The allocator tensors use on the CPU unless told otherwise.
[[nodiscard]] Allocator& default_cpu_allocator() noexcept;

class Storage {
 public:
  using Deleter = std::function<void(void*)>;

  // bytes may be 0 (empty tensors); the data pointer is then non-null but must not be read.
  [[nodiscard]] static std::shared_ptr<Storage> allocate(size_t bytes,
                                                         Allocator& allocator = default_cpu_allocator());
  // Wraps external memory without copying; `deleter` (may be empty) runs when the last view dies.
  [[nodiscard]] static std::shared_ptr<Storage> wrap(void* data, size_t bytes, Device device,
                                                     Deleter deleter);

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  [[nodiscard]] void* data() const noexcept { return data_; }
  [[nodiscard]] size_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] Device device() const noexcept { return device_; }
  [[nodiscard]] bool owns_memory() const noexcept { return allocator_ != nullptr; }

  // Public for make_shared only; use allocate() or wrap().
  struct Private {};
  Storage(Private, void* data, size_t bytes, Device device, Allocator* allocator, Deleter deleter)
      : data_(data),
        bytes_(bytes),
        device_(device),
        allocator_(allocator),
        deleter_(std::move(deleter)) {}

 private:
  void* data_;
  size_t bytes_;
  Device device_;
  Allocator* allocator_;  // null for wrapped memory
  Deleter deleter_;
};

}  // namespace bitnet

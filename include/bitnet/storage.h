// Reference-counted memory behind tensors. Storage either owns a block from an Allocator or wraps
// memory owned by someone else (a caller's buffer, an mmap'd file) and calls its deleter at the
// end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bitnet/device.h"

namespace bitnet {

inline constexpr size_t kStorageAlignment = 64;
// The largest alignment an allocation may ask for.
inline constexpr size_t kMaxAlignment = 4096;

// Names the owner of allocations ("weights", "kv_cache") so that memory statistics can break
// usage down by it. The default tag is "untagged". Tags are interned: named() returns the same
// tag for the same name, and at most kMaxMemoryTags names (including untagged) can exist.
class MemoryTag {
 public:
  static constexpr uint32_t kMaxMemoryTags = 64;

  constexpr MemoryTag() noexcept = default;
  // Throws Error(kInvalidArgument) for an empty name, one over 63 bytes, or one past the limit.
  [[nodiscard]] static MemoryTag named(std::string_view name);
  // A tag from its id(); Error(kInvalidArgument) for an id never handed out.
  [[nodiscard]] static MemoryTag from_id(uint32_t id);

  [[nodiscard]] constexpr uint32_t id() const noexcept { return id_; }
  [[nodiscard]] constexpr bool untagged() const noexcept { return id_ == 0; }
  [[nodiscard]] std::string name() const;  // "untagged" for the default tag
  friend constexpr bool operator==(MemoryTag, MemoryTag) = default;

 private:
  constexpr explicit MemoryTag(uint32_t id) noexcept : id_(id) {}
  uint32_t id_ = 0;
};

// What an allocation asks for. The same request (bytes, alignment, tag) must be passed back to
// deallocate: pools use it instead of per-block headers.
struct AllocationRequest {
  size_t bytes = 0;
  size_t alignment = kStorageAlignment;  // a power of two, at most kMaxAlignment
  MemoryTag tag;
};

// The interface memory pools implement. allocate never returns null: it throws
// Error(kOutOfMemory) naming the size. Blocks are at least kStorageAlignment-aligned.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* pointer, size_t bytes) noexcept = 0;
  // Alignment above kStorageAlignment and tags. The default serves requests aligned to at most
  // kStorageAlignment through allocate(bytes), ignoring the tag, and refuses larger alignments
  // with Error(kUnsupported). Invalid alignments throw Error(kInvalidArgument).
  virtual void* allocate(const AllocationRequest& request);
  virtual void deallocate(void* pointer, const AllocationRequest& request) noexcept;
  [[nodiscard]] virtual Device device() const noexcept = 0;
};

// The allocator tensors use on the CPU unless told otherwise: the process's HybridMemoryPool
// (bitnet/memory.h).
[[nodiscard]] Allocator& default_cpu_allocator() noexcept;
// posix_memalign and free, unpooled and untracked: a baseline for benchmarks and a fallback.
[[nodiscard]] Allocator& system_cpu_allocator() noexcept;

// Throws Error(kInvalidArgument) unless `alignment` is a power of two no larger than kMaxAlignment.
void check_alignment(size_t alignment);

class Storage {
 public:
  using Deleter = std::function<void(void*)>;

  // bytes may be 0 (empty tensors); the data pointer is then non-null but must not be read. The
  // block is tagged with the calling thread's current_memory_tag() (bitnet/memory.h).
  [[nodiscard]] static std::shared_ptr<Storage> allocate(
      size_t bytes, Allocator& allocator = default_cpu_allocator());
  // An explicit alignment and tag.
  [[nodiscard]] static std::shared_ptr<Storage> allocate(
      const AllocationRequest& request, Allocator& allocator = default_cpu_allocator());
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
  [[nodiscard]] MemoryTag tag() const noexcept { return tag_; }

  // Public for make_shared only; use allocate() or wrap().
  struct Private {};
  Storage(Private, void* data, size_t bytes, Device device, Allocator* allocator, Deleter deleter)
      : data_(data),
        bytes_(bytes),
        device_(device),
        allocator_(allocator),
        deleter_(std::move(deleter)) {}
  Storage(Private, const AllocationRequest& request, void* data, Allocator* allocator)
      : data_(data),
        bytes_(request.bytes),
        device_(allocator->device()),
        allocator_(allocator),
        alignment_(request.alignment),
        tag_(request.tag) {}

 private:
  void* data_;
  size_t bytes_;
  Device device_;
  Allocator* allocator_;  // null for wrapped memory
  size_t alignment_ = kStorageAlignment;
  MemoryTag tag_;
  Deleter deleter_;
};

}  // namespace bitnet

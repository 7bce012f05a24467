#include "memory/memory_tags.h"

#include <array>
#include <atomic>
#include <mutex>
#include <string>

#include "bitnet/memory.h"
#include "core/raise.h"

namespace bitnet {
namespace {

constexpr size_t kMaxTagNameBytes = 63;

struct TagRegistry {
  std::mutex mutex;
  std::array<std::string, MemoryTag::kMaxMemoryTags> names{"untagged"};
  std::atomic<uint32_t> count{1};
};

TagRegistry& tag_registry() {
  // Leaked: tags are named in statistics printed during static destruction.
  static TagRegistry* const registry = new TagRegistry();
  return *registry;
}

thread_local MemoryTag current_tag;

}  // namespace

namespace memory {

uint32_t memory_tag_count() noexcept {
  return tag_registry().count.load(std::memory_order_acquire);
}

}  // namespace memory

MemoryTag MemoryTag::named(std::string_view name) {
  if (name.empty() || name.size() > kMaxTagNameBytes) {
    raise(ErrorKind::kInvalidArgument, "MemoryTag::named: name '{}' must have 1 to {} bytes", name,
          kMaxTagNameBytes);
  }
  TagRegistry& registry = tag_registry();
  const std::lock_guard<std::mutex> lock(registry.mutex);
  const uint32_t count = registry.count.load(std::memory_order_relaxed);
  for (uint32_t id = 0; id < count; ++id) {
    if (registry.names[id] == name) return MemoryTag(id);
  }
  if (count == kMaxMemoryTags) {
    raise(ErrorKind::kInvalidArgument, "MemoryTag::named: cannot add '{}': all {} tags are in use",
          name, kMaxMemoryTags);
  }
  registry.names[count] = std::string(name);
  registry.count.store(count + 1, std::memory_order_release);
  return MemoryTag(count);
}

MemoryTag MemoryTag::from_id(uint32_t id) {
  if (id >= memory::memory_tag_count()) {
    raise(ErrorKind::kInvalidArgument, "MemoryTag::from_id: no tag has id {}", id);
  }
  return MemoryTag(id);
}

std::string MemoryTag::name() const {
  TagRegistry& registry = tag_registry();
  const std::lock_guard<std::mutex> lock(registry.mutex);
  return registry.names[id_];
}

MemoryTagScope::MemoryTagScope(MemoryTag tag) noexcept : previous_(current_tag) {
  current_tag = tag;
}

MemoryTagScope::~MemoryTagScope() {
  current_tag = previous_;
}

MemoryTag current_memory_tag() noexcept {
  return current_tag;
}

size_t array_bytes(size_t count, size_t element_bytes) {
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, element_bytes, &bytes)) {
    raise(ErrorKind::kOverflow, "array_bytes: {} elements of {} bytes overflow size_t", count,
          element_bytes);
  }
  return bytes;
}

}  // namespace bitnet

#include "memory/span_map.h"

#include <new>

#include "memory/os_memory.h"

namespace bitnet::memory {

SpanMap& SpanMap::instance() noexcept {
  // Leaked on purpose: blocks may be freed by static destructors that run after ours would.
  static SpanMap* const map = new SpanMap();
  return *map;
}

bool SpanMap::set(uintptr_t start, size_t bytes, Span* span) noexcept {
  const uint64_t first = start >> kGranuleShift;
  const uint64_t last = (start + bytes - 1) >> kGranuleShift;
  if (last >= (uint64_t{1} << (kTopBits + kLeafBits))) return false;
  for (uint64_t granule = first; granule <= last; ++granule) {
    std::atomic<Leaf*>& slot = top_[granule >> kLeafBits];
    Leaf* leaf = slot.load(std::memory_order_acquire);
    if (leaf == nullptr) {
      const std::lock_guard<std::mutex> lock(mutex_);
      leaf = slot.load(std::memory_order_acquire);
      if (leaf == nullptr) {
        // Fresh mappings are zeroed, which is a table of null atomics on every platform we build.
        void* memory = os::map(sizeof(Leaf), os::page_size());
        if (memory == nullptr) return false;
        leaf = new (memory) Leaf;
        leaf_count_.fetch_add(1, std::memory_order_relaxed);
        slot.store(leaf, std::memory_order_release);
      }
    }
    leaf->spans[granule & (kLeafEntries - 1)].store(span, std::memory_order_release);
  }
  return true;
}

bool SpanMap::insert(Span* span) noexcept {
  return set(reinterpret_cast<uintptr_t>(span->base), span->bytes, span);
}

void SpanMap::erase(const Span* span) noexcept {
  (void)set(reinterpret_cast<uintptr_t>(span->base), span->bytes, nullptr);
}

}  // namespace bitnet::memory

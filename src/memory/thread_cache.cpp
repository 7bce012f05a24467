#include "memory/thread_cache.h"

namespace bitnet::memory {

uint64_t ThreadCache::cached_bytes() const noexcept {
  uint64_t bytes = 0;
  for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
    bytes += uint64_t{bins[size_class].size()} * block_bytes_of(size_class);
  }
  return bytes;
}

}  // namespace bitnet::memory

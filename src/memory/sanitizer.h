// AddressSanitizer hooks. A pool hides frees from ASan (the block stays mapped), so the pool marks
// free blocks poisoned itself: a use after free of a tensor is still reported in ASan builds. In
// other builds these are empty.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define BITNET_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BITNET_ADDRESS_SANITIZER 1
#endif
#endif

#if defined(BITNET_ADDRESS_SANITIZER)
#include <sanitizer/asan_interface.h>
#endif

namespace bitnet::memory {

inline void poison(const void* address, size_t bytes) noexcept {
#if defined(BITNET_ADDRESS_SANITIZER)
  ASAN_POISON_MEMORY_REGION(address, bytes);
#else
  (void)address;
  (void)bytes;
#endif
}

inline void unpoison(const void* address, size_t bytes) noexcept {
#if defined(BITNET_ADDRESS_SANITIZER)
  ASAN_UNPOISON_MEMORY_REGION(address, bytes);
#else
  (void)address;
  (void)bytes;
#endif
}

}  // namespace bitnet::memory

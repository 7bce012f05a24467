// PoolCore's debug checks: every free is matched against the span it claims to come from. A
// failed check is a bug in the caller, reported with the pointer and sizes before aborting.
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "memory/pool_core.h"
#include "memory/span_map.h"

namespace bitnet::memory {
namespace {

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) noexcept {
  const std::string message = fmt::format(format, std::forward<Args>(args)...);
  std::fprintf(stderr, "bitnet: memory pool (cpu): %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

void PoolCore::check_allocated(const void* block) noexcept {
  Span* span = SpanMap::instance().find(block);
  const uint32_t index = span->index_of(block);
  span->live_bits[index / 64].fetch_or(uint64_t{1} << (index % 64), std::memory_order_relaxed);
}

void PoolCore::check_free(const void* pointer, size_t bytes, int size_class) noexcept {
  const Span* span = SpanMap::instance().find(pointer);
  if (span == nullptr || !span->contains(pointer)) {
    fail("free of {} ({} bytes): not a block of any memory pool (foreign pointer)", pointer, bytes);
  }
  if (span->owner != pool_key_) {
    fail("free of {} ({} bytes): the block belongs to another memory pool (foreign pointer)",
         pointer, bytes);
  }
  const bool large = size_class == kSizeClassCount;
  if (large != (span->size_class == kLargeSpan)) {
    fail("free of {} with {} bytes: the block is a {} block of {} bytes (size mismatch)", pointer,
         bytes, span->size_class == kLargeSpan ? "large" : "small",
         span->size_class == kLargeSpan ? span->bytes : size_t{span->block_bytes});
  }
  if (large) {
    if (pointer != span->base) {
      fail("free of {}: inside the large block at {}, not its start (foreign pointer)", pointer,
           static_cast<const void*>(span->base));
    }
    if (bytes > span->bytes) {
      fail("free of {} with {} bytes: the block has {} bytes (size mismatch)", pointer, bytes,
           span->bytes);
    }
    if (span->live_bits[0].exchange(0, std::memory_order_relaxed) == 0) {
      fail("double free of {} ({} bytes)", pointer, bytes);
    }
    return;
  }
  if (span->size_class != size_class) {
    fail(
        "free of {} with {} bytes ({}-byte class): the block is in the {}-byte class (size "
        "mismatch)",
        pointer, bytes, block_bytes_of(size_class), span->block_bytes);
  }
  const auto offset = static_cast<size_t>(static_cast<const std::byte*>(pointer) - span->base);
  if (offset % span->block_bytes != 0 || offset / span->block_bytes >= span->capacity) {
    fail("free of {} ({} bytes): not the start of a block (foreign pointer)", pointer, bytes);
  }
  const uint32_t index = span->index_of(pointer);
  const uint64_t mask = uint64_t{1} << (index % 64);
  if ((span->live_bits[index / 64].fetch_and(~mask, std::memory_order_relaxed) & mask) == 0) {
    fail("double free of {} ({} bytes), or a free of a block never allocated", pointer, bytes);
  }
}

}  // namespace bitnet::memory

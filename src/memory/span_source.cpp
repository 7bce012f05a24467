#include "memory/span_source.h"

#include <memory>

#include "memory/os_memory.h"
#include "memory/sanitizer.h"
#include "memory/size_classes.h"
#include "memory/span_map.h"

namespace bitnet::memory {
namespace {

size_t round_up(size_t value, size_t multiple) noexcept {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace

SpanSource::~SpanSource() {
  for (Span* span : spans_) {
    SpanMap::instance().erase(span);
    unpoison(span->base, span->bytes);
    os::unmap(span->base, span->bytes);
    delete span;
  }
}

bool SpanSource::reserve(uint64_t bytes, Refusal* refusal) noexcept {
  uint64_t current = reserved_.load(std::memory_order_relaxed);
  uint64_t wanted = 0;
  do {
    const uint64_t limit = limit_.load(std::memory_order_relaxed);
    wanted = current + bytes;
    if (limit != 0 && wanted > limit) {
      *refusal = Refusal::kLimit;
      return false;
    }
  } while (!reserved_.compare_exchange_weak(current, wanted, std::memory_order_relaxed));
  uint64_t peak = peak_reserved_.load(std::memory_order_relaxed);
  while (wanted > peak &&
         !peak_reserved_.compare_exchange_weak(peak, wanted, std::memory_order_relaxed)) {
  }
  return true;
}

void SpanSource::unreserve(uint64_t bytes) noexcept {
  reserved_.fetch_sub(bytes, std::memory_order_relaxed);
}

Span* SpanSource::map_span(size_t bytes, Refusal* refusal) {
  if (!reserve(bytes, refusal)) return nullptr;
  void* memory = os::map(bytes, kGranuleBytes);
  if (memory == nullptr) {
    unreserve(bytes);
    *refusal = Refusal::kSystem;
    return nullptr;
  }
  std::unique_ptr<Span> span;
  try {
    span = std::make_unique<Span>();
    span->base = static_cast<std::byte*>(memory);
    span->bytes = bytes;
    span->owner = owner_;
    const std::lock_guard<std::mutex> lock(mutex_);
    span->registry_index = static_cast<uint32_t>(spans_.size());
    spans_.push_back(span.get());
    metadata_.fetch_add(span->metadata_bytes(), std::memory_order_relaxed);
  } catch (...) {
    os::unmap(memory, bytes);
    unreserve(bytes);
    throw;
  }
  if (!SpanMap::instance().insert(span.get())) {
    release(span.release());
    *refusal = Refusal::kSystem;
    return nullptr;
  }
  return span.release();
}

Span* SpanSource::acquire_small(int size_class, Refusal* refusal) {
  const SizeClassInfo& info = kSizeClasses[static_cast<size_t>(size_class)];
  const size_t bytes =
      round_up(static_cast<size_t>(info.blocks_per_span) * info.block_bytes, os::page_size());
  Span* span = map_span(bytes, refusal);
  if (span == nullptr) return nullptr;
  try {
    span->size_class = size_class;
    span->block_bytes = info.block_bytes;
    span->capacity = info.blocks_per_span;
    span->free_bits = std::make_unique<uint64_t[]>(span->bitmap_words());
    if (checks_) span->live_bits = std::make_unique<std::atomic<uint64_t>[]>(span->bitmap_words());
  } catch (...) {
    // release() subtracts what map_span() counted: the descriptor alone.
    span->free_bits.reset();
    span->live_bits.reset();
    release(span);
    throw;
  }
  metadata_.fetch_add(span->metadata_bytes() - sizeof(Span) - sizeof(Span*),
                      std::memory_order_relaxed);
  poison(span->base, span->bytes);
  return span;
}

Span* SpanSource::acquire_large(size_t bytes, Refusal* refusal) {
  const size_t rounded = round_up(bytes, os::page_size());
  Span* span = map_span(rounded, refusal);
  if (span == nullptr) return nullptr;
  try {
    span->size_class = kLargeSpan;
    span->block_bytes = 0;
    span->capacity = 1;
    if (checks_) span->live_bits = std::make_unique<std::atomic<uint64_t>[]>(1);
  } catch (...) {
    span->live_bits.reset();
    release(span);
    throw;
  }
  // Whole 2 MiB pages of a large tensor are worth one fault each instead of 512.
  if (rounded >= kGranuleBytes) os::advise_huge_pages(span->base, rounded);
  metadata_.fetch_add(span->metadata_bytes() - sizeof(Span) - sizeof(Span*),
                      std::memory_order_relaxed);
  poison(span->base, span->bytes);
  return span;
}

void SpanSource::release(Span* span) noexcept {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    Span* moved = spans_.back();
    moved->registry_index = span->registry_index;
    spans_[span->registry_index] = moved;
    spans_.pop_back();
  }
  SpanMap::instance().erase(span);
  metadata_.fetch_sub(span->metadata_bytes(), std::memory_order_relaxed);
  unpoison(span->base, span->bytes);
  os::unmap(span->base, span->bytes);
  unreserve(span->bytes);
  delete span;
}

}  // namespace bitnet::memory

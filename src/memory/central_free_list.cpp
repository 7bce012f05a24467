#include "memory/central_free_list.h"

#include <algorithm>
#include <cstring>

#include "memory/size_classes.h"
#include "memory/span_map.h"

namespace bitnet::memory {

void CentralFreeList::init(int size_class, SpanSource* source) {
  size_class_ = size_class;
  source_ = source;
  transfer_capacity_ = kSizeClasses[static_cast<size_t>(size_class)].transfer_capacity;
  transfer_ = std::make_unique<void*[]>(transfer_capacity_);
}

void CentralFreeList::unlink_partial(Span* span) noexcept {
  if (span->previous != nullptr) span->previous->next = span->next;
  if (span->next != nullptr) span->next->previous = span->previous;
  if (partial_ == span) partial_ = span->next;
  span->next = span->previous = nullptr;
  span->in_partial_list = false;
  if (span->kept_empty) {
    span->kept_empty = false;
    source_->unkeep_empty(span->bytes);
  }
}

int CentralFreeList::remove(void** out, int wanted, Refusal* refusal) {
  Span* spare = nullptr;  // a fresh span that lost a race to another thread's
  int taken = 0;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // The most recently returned blocks first: they are the likeliest to be in cache.
    const int from_stack = std::min<int>(wanted, static_cast<int>(transfer_count_));
    transfer_count_ -= static_cast<uint32_t>(from_stack);
    std::memcpy(out, transfer_.get() + transfer_count_,
                static_cast<size_t>(from_stack) * sizeof(void*));
    taken = from_stack;

    while (taken < wanted && partial_ != nullptr) {
      Span* span = partial_;
      if (span->kept_empty) {
        span->kept_empty = false;
        source_->unkeep_empty(span->bytes);
      }
      while (taken < wanted && span->free_count != 0) {
        out[taken++] = span->block(span->take_free());
        --free_in_spans_;
      }
      if (span->free_count == 0) unlink_partial(span);
    }
    while (taken < wanted && current_ != nullptr && current_->carved < current_->capacity) {
      out[taken++] = current_->block(current_->carved++);
      ++carved_blocks_;
    }
    if (taken != 0) return taken;

    // Map outside the lock: mapping is slow, and a pool trimming under pressure takes this lock.
    lock.unlock();
    Span* fresh = source_->acquire_small(size_class_, refusal);
    if (fresh == nullptr) return 0;
    lock.lock();
    if (current_ == nullptr || current_->carved == current_->capacity) {
      current_ = fresh;
    } else {
      spare = fresh;
    }
    while (taken < wanted && current_->carved < current_->capacity) {
      out[taken++] = current_->block(current_->carved++);
      ++carved_blocks_;
    }
  }
  if (spare != nullptr) source_->release(spare);
  return taken;
}

void CentralFreeList::return_to_span(void* block, bool keep, Span** released) noexcept {
  // Precondition: `block` came from this list, so the map has its span.
  Span* span = SpanMap::instance().find(block);
  span->mark_free(span->index_of(block));
  ++free_in_spans_;
  if (!span->in_partial_list) {
    span->next = partial_;
    span->previous = nullptr;
    if (partial_ != nullptr) partial_->previous = span;
    partial_ = span;
    span->in_partial_list = true;
  }
  if (span->free_count != span->carved || span == current_ || span->kept_empty) return;
  // Workloads repeat (a forward pass, a decoding step): keeping the spans of the last burst saves
  // a munmap now and an mmap plus page faults at the next one.
  if (keep && source_->try_keep_empty(span->bytes)) {
    span->kept_empty = true;
    return;
  }
  detach_empty(span, released);
}

void CentralFreeList::detach_empty(Span* span, Span** released) noexcept {
  if (span->in_partial_list) unlink_partial(span);
  carved_blocks_ -= span->carved;
  free_in_spans_ -= span->free_count;
  span->next = *released;
  *released = span;
}

uint64_t CentralFreeList::outstanding_blocks() const noexcept {
  const std::lock_guard<std::mutex> lock(mutex_);
  return carved_blocks_ - free_in_spans_ - transfer_count_;
}

void CentralFreeList::release_spans(Span* released) noexcept {
  while (released != nullptr) {
    Span* next = released->next;
    source_->release(released);
    released = next;
  }
}

void CentralFreeList::insert(void* const* blocks, int count) noexcept {
  Span* released = nullptr;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const int to_stack =
        std::min<int>(count, static_cast<int>(transfer_capacity_ - transfer_count_));
    std::memcpy(transfer_.get() + transfer_count_, blocks,
                static_cast<size_t>(to_stack) * sizeof(void*));
    transfer_count_ += static_cast<uint32_t>(to_stack);
    for (int index = to_stack; index < count; ++index) {
      return_to_span(blocks[index], true, &released);
    }
  }
  release_spans(released);
}

uint64_t CentralFreeList::trim() noexcept {
  Span* released = nullptr;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (uint32_t index = 0; index < transfer_count_; ++index) {
      return_to_span(transfer_[index], false, &released);
    }
    transfer_count_ = 0;
    // Kept empty spans, and the carving span once every block it handed out is back.
    for (Span* span = partial_; span != nullptr;) {
      Span* next = span->next;
      if (span->free_count == span->carved && span != current_) detach_empty(span, &released);
      span = next;
    }
    if (current_ != nullptr && current_->free_count == current_->carved) {
      detach_empty(current_, &released);
      current_ = nullptr;
    }
  }
  uint64_t bytes = 0;
  for (Span* span = released; span != nullptr; span = span->next) bytes += span->bytes;
  release_spans(released);
  return bytes;
}

}  // namespace bitnet::memory

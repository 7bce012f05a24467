#include "memory/pool_core.h"

#include <cstring>
#include <memory>

#include "core/raise.h"
#include "memory/fuzzing_cap.h"
#include "memory/os_memory.h"
#include "memory/sanitizer.h"
#include "memory/span_map.h"

namespace bitnet::memory {
namespace {

// Requests past this are refused before any rounding could overflow (2^46 bytes = 64 TiB).
constexpr size_t kLargestBlock = size_t{1} << 46;

size_t round_up(size_t value, size_t multiple) noexcept {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace

PoolCore::PoolCore(const void* pool_key, const PoolOptions& options)
    : pool_key_(pool_key),
      checks_(options.checks),
      report_leaks_(options.report_leaks),
      spans_(pool_key, options.checks),
      large_cache_(options.large_cache_bytes) {
  spans_.set_limit(options.limit_bytes);
  for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
    centrals_[size_class].init(size_class, &spans_);
  }
}

// Members go in reverse order: the central lists and the large cache forget their spans before
// the span source unmaps them all.
PoolCore::~PoolCore() = default;

ThreadCache* PoolCore::create_cache() {
  // A checking pool leaves fast_key null: its calls all take the slow path, which checks.
  auto cache = std::make_unique<ThreadCache>(this, checks_ ? nullptr : pool_key_);
  cache->allowance = usage_.allowance();
  const std::lock_guard<std::mutex> lock(caches_mutex_);
  cache->next = caches_;
  if (caches_ != nullptr) caches_->previous = cache.get();
  caches_ = cache.get();
  ++cache_count_;
  return cache.release();
}

void PoolCore::detach_cache(ThreadCache* cache) noexcept {
  flush_cache(*cache);
  unstash(cache->large_stash.exchange(nullptr, std::memory_order_acq_rel));
  report_usage(*cache);
  {
    // Folding and unlinking under one lock keeps stats() from counting the cache twice or never.
    const std::lock_guard<std::mutex> lock(caches_mutex_);
    for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
      const Bin& bin = cache->bins[size_class];
      usage_.retired_allocations[size_class].fetch_add(static_cast<uint64_t>(bin.allocations.get()),
                                                       std::memory_order_relaxed);
    }
    usage_.retired_large_allocations.fetch_add(
        static_cast<uint64_t>(cache->large_allocations.get()), std::memory_order_relaxed);
    usage_.retired_large_frees.fetch_add(static_cast<uint64_t>(cache->large_frees.get()),
                                         std::memory_order_relaxed);
    usage_.retired_large_block_bytes.fetch_add(cache->large_block_bytes.get(),
                                               std::memory_order_relaxed);
    if (cache->previous != nullptr) cache->previous->next = cache->next;
    if (cache->next != nullptr) cache->next->previous = cache->previous;
    if (caches_ == cache) caches_ = cache->next;
    --cache_count_;
  }
  delete cache;
}

void PoolCore::orphan_caches() noexcept {
  const std::lock_guard<std::mutex> lock(caches_mutex_);
  for (ThreadCache* cache = caches_; cache != nullptr;) {
    ThreadCache* next = cache->next;
    cache->fast_key = nullptr;
    cache->core = nullptr;
    for (Bin& bin : cache->bins) bin.resize(0);
    cache->large_stash.store(nullptr, std::memory_order_relaxed);
    cache->next = cache->previous = nullptr;
    cache = next;
  }
  caches_ = nullptr;
  cache_count_ = 0;
}

void PoolCore::flush_cache(ThreadCache& cache) noexcept {
  for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
    Bin& bin = cache.bins[size_class];
    if (bin.size() == 0) continue;
    centrals_[size_class].insert(cache.stack(size_class), static_cast<int>(bin.size()));
    bin.resize(0);
  }
}

void PoolCore::report_usage(ThreadCache& cache) noexcept {
  const int64_t delta = cache.unreported_bytes.get();
  cache.unreported_bytes.set(0);
  cache.allowance = usage_.report(delta);
}

void* PoolCore::allocate_small(ThreadCache* cache, int size_class, size_t bytes) {
  CentralFreeList& central = centrals_[size_class];
  void* single = nullptr;
  void** out = &single;
  int wanted = 1;
  if (cache != nullptr) {
    out = cache->stack(size_class);
    wanted = static_cast<int>(kSizeClasses[static_cast<size_t>(size_class)].batch);
  }
  Refusal refusal = Refusal::kNone;
  int taken = central.remove(out, wanted, &refusal);
  if (taken == 0) {
    relieve_pressure(cache);
    taken = central.remove(out, wanted, &refusal);
    if (taken == 0) throw_out_of_memory(bytes, refusal);
  }

  void* block = nullptr;
  if (cache != nullptr) {
    Bin& bin = cache->bins[size_class];
    bin.resize(static_cast<uint32_t>(taken - 1));
    block = out[taken - 1];
    bin.allocations.add(1);
    cache->unreported_bytes.add(static_cast<int64_t>(bytes));
    if (cache->unreported_bytes.get() > cache->allowance) report_usage(*cache);
  } else {
    block = single;
    usage_.retired_allocations[size_class].fetch_add(1, std::memory_order_relaxed);
    (void)usage_.report(static_cast<int64_t>(bytes));
  }
  if (checks_) check_allocated(block);
  unpoison(block, bytes);
  return block;
}

void PoolCore::free_small(ThreadCache* cache, void* block, int size_class, size_t bytes) noexcept {
  poison(block, block_bytes_of(size_class));
  if (cache == nullptr) {
    centrals_[size_class].insert(&block, 1);
    (void)usage_.report(-static_cast<int64_t>(bytes));
    return;
  }
  Bin& bin = cache->bins[size_class];
  void** stack = cache->stack(size_class);
  const SizeClassInfo& info = kSizeClasses[static_cast<size_t>(size_class)];
  uint32_t count = bin.size();
  if (count == info.cache_capacity) {
    // The oldest blocks go back; the most recently freed stay, as they are likeliest in cache.
    centrals_[size_class].insert(stack, static_cast<int>(info.batch));
    std::memmove(stack, stack + info.batch, (count - info.batch) * sizeof(void*));
    count -= info.batch;
  }
  stack[count] = block;
  bin.resize(count + 1);
  cache->unreported_bytes.add(-static_cast<int64_t>(bytes));
  if (cache->unreported_bytes.get() < -kMaxUnreportedBytes) report_usage(*cache);
}

void* PoolCore::allocate_large(ThreadCache* cache, size_t bytes) {
  enforce_fuzzing_cap(bytes);
  if (bytes > kLargestBlock) {
    out_of_memory_errors_.fetch_add(1, std::memory_order_relaxed);
    raise(ErrorKind::kOutOfMemory,
          "memory pool (cpu): cannot allocate {} bytes: more than the largest block ({} bytes)",
          bytes, kLargestBlock);
  }
  const size_t rounded = round_up(bytes, os::page_size());
  Span* span = take_stash(cache, rounded);
  if (span == nullptr) span = large_cache_.take(rounded);
  if (span == nullptr) {
    Refusal refusal = Refusal::kNone;
    span = spans_.acquire_large(rounded, &refusal);
    if (span == nullptr) {
      relieve_pressure(cache);
      span = spans_.acquire_large(rounded, &refusal);
      if (span == nullptr) throw_out_of_memory(bytes, refusal);
    }
  }
  const auto mapped = static_cast<int64_t>(span->bytes);
  if (cache != nullptr) {
    cache->large_allocations.add(1);
    cache->large_block_bytes.add(mapped);
    cache->unreported_bytes.add(static_cast<int64_t>(bytes));
    if (cache->unreported_bytes.get() > cache->allowance) report_usage(*cache);
  } else {
    usage_.retired_large_allocations.fetch_add(1, std::memory_order_relaxed);
    usage_.retired_large_block_bytes.fetch_add(mapped, std::memory_order_relaxed);
    (void)usage_.report(static_cast<int64_t>(bytes));
  }
  if (checks_) span->live_bits[0].store(1, std::memory_order_relaxed);
  unpoison(span->base, bytes);
  return span->base;
}

void PoolCore::free_large(ThreadCache* cache, void* block, size_t bytes) noexcept {
  // Precondition: `block` is a live large block of this pool (checked before when checks are on).
  Span* span = SpanMap::instance().find(block);
  const auto mapped = static_cast<int64_t>(span->bytes);
  if (cache != nullptr) {
    cache->large_frees.add(1);
    cache->large_block_bytes.add(-mapped);
    cache->unreported_bytes.add(-static_cast<int64_t>(bytes));
    if (cache->unreported_bytes.get() < -kMaxUnreportedBytes) report_usage(*cache);
  } else {
    usage_.retired_large_frees.fetch_add(1, std::memory_order_relaxed);
    usage_.retired_large_block_bytes.fetch_sub(mapped, std::memory_order_relaxed);
    (void)usage_.report(-static_cast<int64_t>(bytes));
  }
  poison(span->base, span->bytes);
  if (cache != nullptr && span->bytes <= large_cache_.capacity()) {
    // The block waits in this thread's stash; the one it displaces goes to the shared cache.
    stashed_bytes_.fetch_add(span->bytes, std::memory_order_relaxed);
    unstash(cache->large_stash.exchange(span, std::memory_order_acq_rel));
    return;
  }
  release_chain(large_cache_.put(span));
}

Span* PoolCore::take_stash(ThreadCache* cache, size_t bytes) noexcept {
  if (cache == nullptr) return nullptr;
  Span* span = cache->large_stash.load(std::memory_order_relaxed);
  // The same fit as the shared cache's: at least `bytes`, at most 1/8 more.
  if (span == nullptr || span->bytes < bytes || span->bytes > bytes + bytes / 8) return nullptr;
  // Only trim() on another thread competes for the stash; if it won, the block is gone.
  if (!cache->large_stash.compare_exchange_strong(span, nullptr, std::memory_order_acq_rel)) {
    return nullptr;
  }
  stashed_bytes_.fetch_sub(span->bytes, std::memory_order_relaxed);
  return span;
}

void PoolCore::unstash(Span* span) noexcept {
  if (span == nullptr) return;
  stashed_bytes_.fetch_sub(span->bytes, std::memory_order_relaxed);
  release_chain(large_cache_.put(span));
}

void PoolCore::release_chain(Span* chain) noexcept {
  while (chain != nullptr) {
    Span* next = chain->next;
    spans_.release(chain);
    chain = next;
  }
}

void PoolCore::trim(ThreadCache* caller) noexcept {
  trims_.fetch_add(1, std::memory_order_relaxed);
  if (caller != nullptr) flush_cache(*caller);
  {
    // Every thread's stashed large block, whichever thread it belongs to.
    const std::lock_guard<std::mutex> lock(caches_mutex_);
    for (ThreadCache* cache = caches_; cache != nullptr; cache = cache->next) {
      unstash(cache->large_stash.exchange(nullptr, std::memory_order_acq_rel));
    }
  }
  for (CentralFreeList& central : centrals_) (void)central.trim();
  release_chain(large_cache_.take_all());
}

void PoolCore::relieve_pressure(ThreadCache* caller) noexcept {
  trim(caller);
}

void PoolCore::set_limit(uint64_t bytes, ThreadCache* caller) noexcept {
  spans_.set_limit(bytes);
  if (bytes != 0 && spans_.reserved_bytes() > bytes) trim(caller);
}

void PoolCore::set_large_cache_capacity(uint64_t bytes) noexcept {
  large_cache_.set_capacity(bytes);
  release_chain(large_cache_.shrink_to(bytes));
}

uint64_t PoolCore::exact_bytes_in_use() const {
  int64_t unreported = 0;
  {
    const std::lock_guard<std::mutex> lock(caches_mutex_);
    for (const ThreadCache* cache = caches_; cache != nullptr; cache = cache->next) {
      unreported += cache->unreported_bytes.get();
    }
  }
  const int64_t in_use = usage_.reported() + unreported;
  return in_use > 0 ? static_cast<uint64_t>(in_use) : 0;
}

void PoolCore::throw_out_of_memory(size_t bytes, Refusal refusal) {
  out_of_memory_errors_.fetch_add(1, std::memory_order_relaxed);
  const uint64_t in_use = exact_bytes_in_use();
  if (refusal == Refusal::kLimit) {
    raise(ErrorKind::kOutOfMemory,
          "memory pool (cpu): cannot allocate {} bytes: limit {} bytes, {} in use ({} held "
          "after trimming the caches)",
          bytes, spans_.limit(), in_use, spans_.reserved_bytes());
  }
  raise(ErrorKind::kOutOfMemory,
        "memory pool (cpu): cannot allocate {} bytes: the system refused more memory ({} in use, "
        "{} held)",
        bytes, in_use, spans_.reserved_bytes());
}

}  // namespace bitnet::memory

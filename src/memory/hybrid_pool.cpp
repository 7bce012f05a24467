// HybridMemoryPool: the fast paths, the per-thread cache table and the registry of live pools.
// A small allocation is: size class, this thread's cache slot, pop, two counter updates; a free is
// the same with a push. Everything else is in PoolCore.
#include <cstdio>
#include <mutex>

#include "bitnet/config.h"
#include "bitnet/memory.h"
#include "core/raise.h"
#include "memory/pool_core.h"
#include "memory/sanitizer.h"

namespace bitnet {
namespace {

using memory::Bin;
using memory::kSizeClassCount;
using memory::ThreadCache;

// Pools alive at once. A destroyed pool's id is reused; a thread's stale cache for it is told
// apart by ThreadCache::core.
constexpr uint32_t kMaxLivePools = 64;

// This thread's cache for each live pool, by pool id. Initial-exec TLS: one fs-relative load.
__attribute__((tls_model("initial-exec"))) thread_local ThreadCache* thread_caches[kMaxLivePools];
// Set once this thread's caches have been torn down at its exit; later calls (from other
// thread_local destructors) go straight to the central lists.
__attribute__((tls_model("initial-exec"))) thread_local bool thread_exited;

struct PoolRegistry {
  // Held while a pool registers or unregisters and while a thread creates or detaches a cache:
  // a pool cannot vanish under a thread that is returning its blocks.
  std::mutex mutex;
  bool taken[kMaxLivePools] = {};               // ids in use, including pools being built
  HybridMemoryPool* pools[kMaxLivePools] = {};  // pools ready for memory_pools()
};

PoolRegistry& pool_registry() {
  // Leaked: threads may exit (and detach their caches) after static destruction has begun.
  static PoolRegistry* const registry = new PoolRegistry();
  return *registry;
}

struct ThreadExit {
  ~ThreadExit() {
    const std::lock_guard<std::mutex> lock(pool_registry().mutex);
    for (ThreadCache*& cache : thread_caches) {
      if (cache == nullptr) continue;
      if (cache->core != nullptr) {
        cache->core->detach_cache(cache);
      } else {
        delete cache;  // orphaned by a pool destroyed before this thread exited
      }
      cache = nullptr;
    }
    thread_exited = true;
  }
};

void register_thread_exit() {
  // Constructed on the first call in each thread, which registers its destructor for the exit.
  thread_local ThreadExit hook;
  (void)hook;
}

uint32_t reserve_pool_id() {
  PoolRegistry& registry = pool_registry();
  const std::lock_guard<std::mutex> lock(registry.mutex);
  for (uint32_t id = 0; id < kMaxLivePools; ++id) {
    if (!registry.taken[id]) {
      registry.taken[id] = true;
      return id;
    }
  }
  raise(ErrorKind::kUnsupported, "HybridMemoryPool: {} pools are alive, the most at once",
        kMaxLivePools);
}

// The calling thread's cache for the pool, created on first use; null once the thread has exited
// or when the cache cannot be made.
ThreadCache* attach_thread_cache(uint32_t id, memory::PoolCore* core) noexcept {
  if (thread_exited) return nullptr;
  try {
    register_thread_exit();
    const std::lock_guard<std::mutex> lock(pool_registry().mutex);
    ThreadCache*& slot = thread_caches[id];
    if (slot != nullptr) {
      // Left by an earlier pool with this id, which orphaned it when it was destroyed.
      delete slot;
      slot = nullptr;
    }
    slot = core->create_cache();
    return slot;
  } catch (...) {
    return nullptr;
  }
}

PoolOptions default_cpu_options() {
  PoolOptions options;
  options.limit_bytes = config().memory_limit;
  if (config().memory_checks >= 0) options.checks = config().memory_checks != 0;
  return options;
}

}  // namespace

HybridMemoryPool::HybridMemoryPool(PoolOptions options)
    : id_(reserve_pool_id()), checks_(options.checks) {
  PoolRegistry& registry = pool_registry();
  try {
    core_ = std::make_unique<memory::PoolCore>(this, options);
  } catch (...) {
    const std::lock_guard<std::mutex> lock(registry.mutex);
    registry.taken[id_] = false;
    throw;
  }
  const std::lock_guard<std::mutex> lock(registry.mutex);
  registry.pools[id_] = this;
}

HybridMemoryPool::~HybridMemoryPool() {
  if (core_->report_leaks()) {
    const std::string report = core_->leak_report();
    if (!report.empty()) {
      std::fprintf(stderr, "bitnet: a memory pool was destroyed with blocks allocated:\n%s",
                   report.c_str());
    }
  }
  {
    PoolRegistry& registry = pool_registry();
    const std::lock_guard<std::mutex> lock(registry.mutex);
    core_->orphan_caches();
    ThreadCache*& own = thread_caches[id_];
    if (own != nullptr && own->core == nullptr) {
      delete own;
      own = nullptr;
    }
    registry.pools[id_] = nullptr;
    registry.taken[id_] = false;
  }
  core_.reset();
}

// The fast paths touch only this thread's cache: no lock, no atomic read-modify-write. Every exit
// that needs more work is a tail call, so the fast path itself needs no stack frame.
void* HybridMemoryPool::allocate(size_t bytes) {
  if (bytes <= memory::kSmallLimit) [[likely]] {
    const int size_class = memory::size_class_of(bytes);
    ThreadCache* cache = thread_caches[id_];
    if (cache != nullptr && cache->fast_key == this) [[likely]] {
      Bin& bin = cache->bins[size_class];
      const uint32_t count = bin.size();
      if (count != 0) [[likely]] {
        void* block = cache->stack(size_class)[count - 1];
        bin.resize(count - 1);
        bin.allocations.add(1);
        const int64_t unreported = cache->unreported_bytes.get() + static_cast<int64_t>(bytes);
        cache->unreported_bytes.set(unreported);
        if (unreported > cache->allowance) [[unlikely]] {
          return allocated_over_allowance(block, bytes);
        }
        memory::unpoison(block, bytes);
        return block;
      }
    }
    return allocate_slow(bytes, size_class);
  }
  return allocate_slow(bytes, kSizeClassCount);
}

void HybridMemoryPool::deallocate(void* pointer, size_t bytes) noexcept {
  if (bytes <= memory::kSmallLimit) [[likely]] {
    const int size_class = memory::size_class_of(bytes);
    ThreadCache* cache = thread_caches[id_];
    if (cache != nullptr && cache->fast_key == this) [[likely]] {
      Bin& bin = cache->bins[size_class];
      const uint32_t count = bin.size();
      if (count != memory::kSizeClasses[static_cast<size_t>(size_class)].cache_capacity)
          [[likely]] {
        memory::poison(pointer, memory::block_bytes_of(size_class));
        cache->stack(size_class)[count] = pointer;
        bin.resize(count + 1);
        const int64_t unreported = cache->unreported_bytes.get() - static_cast<int64_t>(bytes);
        cache->unreported_bytes.set(unreported);
        if (unreported < -memory::kMaxUnreportedBytes) [[unlikely]] {
          return freed_over_allowance();
        }
        return;
      }
    }
    return deallocate_slow(pointer, bytes, size_class);
  }
  return deallocate_slow(pointer, bytes, kSizeClassCount);
}

void* HybridMemoryPool::allocated_over_allowance(void* block, size_t bytes) {
  core_->report_usage(*thread_caches[id_]);
  memory::unpoison(block, bytes);
  return block;
}

void HybridMemoryPool::freed_over_allowance() noexcept {
  core_->report_usage(*thread_caches[id_]);
}

void* HybridMemoryPool::allocate(const AllocationRequest& request) {
  check_alignment(request.alignment);
  void* block =
      request.alignment <= kStorageAlignment
          ? allocate(request.bytes)
          : allocate_slow(request.bytes, memory::size_class_for(request.bytes, request.alignment));
  if (!request.tag.untagged()) core_->tag_allocated(request.tag, request.bytes);
  return block;
}

void HybridMemoryPool::deallocate(void* pointer, const AllocationRequest& request) noexcept {
  if (!request.tag.untagged()) core_->tag_freed(request.tag, request.bytes);
  if (request.alignment <= kStorageAlignment) {
    deallocate(pointer, request.bytes);
  } else {
    deallocate_slow(pointer, request.bytes,
                    memory::size_class_for(request.bytes, request.alignment));
  }
}

// The calling thread's cache of this pool, created on first use; null after the thread's exit.
ThreadCache* HybridMemoryPool::slow_cache() noexcept {
  ThreadCache* cache = thread_caches[id_];
  if (cache != nullptr && cache->core == core_.get()) return cache;
  return attach_thread_cache(id_, core_.get());
}

void* HybridMemoryPool::allocate_slow(size_t bytes, int size_class) {
  ThreadCache* cache = slow_cache();
  if (size_class == kSizeClassCount) return core_->allocate_large(cache, bytes);
  if (cache != nullptr) {
    Bin& bin = cache->bins[size_class];
    const uint32_t count = bin.size();
    if (count != 0) {
      // A checking pool, or an aligned request: the fast path's work, plus the check.
      void* block = cache->stack(size_class)[count - 1];
      bin.resize(count - 1);
      bin.allocations.add(1);
      cache->unreported_bytes.add(static_cast<int64_t>(bytes));
      if (cache->unreported_bytes.get() > cache->allowance) core_->report_usage(*cache);
      if (checks_) core_->check_allocated(block);
      memory::unpoison(block, bytes);
      return block;
    }
  }
  return core_->allocate_small(cache, size_class, bytes);
}

void HybridMemoryPool::deallocate_slow(void* pointer, size_t bytes, int size_class) noexcept {
  if (checks_) core_->check_free(pointer, bytes, size_class);
  ThreadCache* cache = slow_cache();
  if (size_class == kSizeClassCount) {
    core_->free_large(cache, pointer, bytes);
  } else {
    core_->free_small(cache, pointer, size_class, bytes);
  }
}

// The calling thread's cache of this pool if it has one (without creating it).
ThreadCache* HybridMemoryPool::own_cache() const noexcept {
  ThreadCache* cache = thread_caches[id_];
  return cache != nullptr && cache->core == core_.get() ? cache : nullptr;
}

MemoryStats HybridMemoryPool::stats() const {
  return core_->stats();
}

void HybridMemoryPool::set_limit(uint64_t bytes) {
  core_->set_limit(bytes, own_cache());
}

uint64_t HybridMemoryPool::limit() const noexcept {
  return core_->limit();
}

void HybridMemoryPool::trim() noexcept {
  core_->trim(own_cache());
}

std::string HybridMemoryPool::leak_report() const {
  return core_->leak_report();
}

void HybridMemoryPool::set_large_cache_capacity(uint64_t bytes) noexcept {
  core_->set_large_cache_capacity(bytes);
}

void HybridMemoryPool::flush_thread_cache() noexcept {
  if (ThreadCache* cache = own_cache(); cache != nullptr) {
    core_->flush_cache(*cache);
    core_->report_usage(*cache);
  }
}

HybridMemoryPool& cpu_memory_pool() noexcept {
  // Never destroyed: tensors in static storage may be freed after main() returns. Debug builds
  // report what is still allocated when static destruction runs.
  static HybridMemoryPool* const pool = new HybridMemoryPool(default_cpu_options());
  struct LeakReporter {
    ~LeakReporter() {
      if (!pool->checks()) return;
      const std::string report = pool->leak_report();
      if (!report.empty()) std::fprintf(stderr, "bitnet: leak report at exit:\n%s", report.c_str());
    }
  };
  static LeakReporter reporter;
  return *pool;
}

std::vector<MemoryPool*> memory_pools() {
  HybridMemoryPool& cpu = cpu_memory_pool();
  std::vector<MemoryPool*> pools{&cpu};
  PoolRegistry& registry = pool_registry();
  const std::lock_guard<std::mutex> lock(registry.mutex);
  for (HybridMemoryPool* pool : registry.pools) {
    if (pool != nullptr && pool != &cpu) pools.push_back(pool);
  }
  return pools;
}

double MemoryStats::metadata_overhead() const noexcept {
  if (bytes_in_use == 0) return 0;
  return static_cast<double>(metadata_bytes) / static_cast<double>(bytes_in_use);
}

}  // namespace bitnet

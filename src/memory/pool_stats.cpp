// PoolCore::stats and leak_report: sums of the per-thread counters and the retired totals.
#include <bit>
#include <vector>

#include <fmt/format.h>

#include "memory/memory_tags.h"
#include "memory/pool_core.h"
#include "memory/span_map.h"

namespace bitnet::memory {
namespace {

constexpr size_t kLeakedAddressesShown = 16;

}  // namespace

MemoryStats PoolCore::stats() const {
  MemoryStats stats;
  stats.device = Device::cpu();
  stats.size_classes.resize(kSizeClassCount);
  for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
    SizeClassStats& entry = stats.size_classes[static_cast<size_t>(size_class)];
    entry.block_bytes = block_bytes_of(size_class);
    entry.allocations = usage_.retired_allocations[size_class].load(std::memory_order_relaxed);
    // Frees are derived below: allocations minus the blocks still with users.
  }
  stats.large.allocations = usage_.retired_large_allocations.load(std::memory_order_relaxed);
  stats.large.frees = usage_.retired_large_frees.load(std::memory_order_relaxed);
  int64_t large_block_bytes = usage_.retired_large_block_bytes.load(std::memory_order_relaxed);
  int64_t unreported = 0;
  std::vector<uint64_t> cached_blocks(kSizeClassCount);
  {
    const std::lock_guard<std::mutex> lock(caches_mutex_);
    for (const ThreadCache* cache = caches_; cache != nullptr; cache = cache->next) {
      for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
        SizeClassStats& entry = stats.size_classes[static_cast<size_t>(size_class)];
        entry.allocations += static_cast<uint64_t>(cache->bins[size_class].allocations.get());
        cached_blocks[static_cast<size_t>(size_class)] += cache->bins[size_class].size();
      }
      stats.large.allocations += static_cast<uint64_t>(cache->large_allocations.get());
      stats.large.frees += static_cast<uint64_t>(cache->large_frees.get());
      large_block_bytes += cache->large_block_bytes.get();
      unreported += cache->unreported_bytes.get();
    }
    stats.thread_caches = cache_count_;
    // With users = outstanding from the central list - cached by threads; exact at quiescent
    // points, clamped while other threads move blocks.
    for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
      SizeClassStats& entry = stats.size_classes[static_cast<size_t>(size_class)];
      const uint64_t outstanding = centrals_[size_class].outstanding_blocks();
      const uint64_t cached = cached_blocks[static_cast<size_t>(size_class)];
      const uint64_t live = outstanding > cached ? outstanding - cached : 0;
      entry.frees = entry.allocations > live ? entry.allocations - live : 0;
    }
  }

  const int64_t in_use = usage_.reported() + unreported;
  stats.bytes_in_use = in_use > 0 ? static_cast<uint64_t>(in_use) : 0;
  // The exact count at this moment is a value the peak must cover.
  stats.peak_bytes_in_use = static_cast<uint64_t>(usage_.raise_peak(in_use));
  stats.large.block_bytes = large_block_bytes > 0 ? static_cast<uint64_t>(large_block_bytes) : 0;
  stats.block_bytes_in_use = stats.large.block_bytes;
  for (const SizeClassStats& entry : stats.size_classes) {
    stats.allocations += entry.allocations;
    stats.frees += entry.frees;
    stats.block_bytes_in_use += entry.live_blocks() * entry.block_bytes;
  }
  stats.allocations += stats.large.allocations;
  stats.frees += stats.large.frees;

  stats.reserved_bytes = spans_.reserved_bytes();
  stats.peak_reserved_bytes = spans_.peak_reserved_bytes();
  stats.cached_bytes = stats.reserved_bytes > stats.block_bytes_in_use
                           ? stats.reserved_bytes - stats.block_bytes_in_use
                           : 0;
  stats.large_cached_bytes =
      large_cache_.cached_bytes() + stashed_bytes_.load(std::memory_order_relaxed);
  stats.limit_bytes = spans_.limit();
  stats.large_cache_capacity_bytes = large_cache_.capacity();
  stats.small_block_limit = kSmallLimit;
  stats.trims = trims_.load(std::memory_order_relaxed);
  stats.out_of_memory_errors = out_of_memory_errors_.load(std::memory_order_relaxed);

  stats.metadata_bytes = sizeof(PoolCore) + spans_.metadata_bytes() +
                         stats.thread_caches * ThreadCache::metadata_bytes() +
                         SpanMap::instance().metadata_bytes();
  for (const CentralFreeList& central : centrals_) stats.metadata_bytes += central.metadata_bytes();

  const uint32_t tag_count = memory_tag_count();
  for (uint32_t id = 1; id < tag_count; ++id) {
    const uint64_t allocations = usage_.tag_allocations(id);
    if (allocations == 0) continue;
    const int64_t bytes = usage_.tag_bytes(id);
    stats.tags.push_back(TagStats{MemoryTag::from_id(id).name(),
                                  bytes > 0 ? static_cast<uint64_t>(bytes) : 0, allocations,
                                  usage_.tag_frees(id)});
  }
  return stats;
}

std::string PoolCore::leak_report() const {
  const MemoryStats stats = this->stats();
  if (stats.live_blocks() == 0) return {};
  std::string report = fmt::format(
      "memory pool (cpu): {} block(s) still allocated, {} bytes requested ({} in blocks)\n",
      stats.live_blocks(), stats.bytes_in_use, stats.block_bytes_in_use);
  for (const SizeClassStats& entry : stats.size_classes) {
    if (entry.live_blocks() == 0) continue;
    report +=
        fmt::format("  {:>9}-byte class: {} block(s)\n", entry.block_bytes, entry.live_blocks());
  }
  if (stats.large.live_blocks() != 0) {
    report += fmt::format("  large: {} block(s), {} bytes mapped\n", stats.large.live_blocks(),
                          stats.large.block_bytes);
  }
  for (const TagStats& tag : stats.tags) {
    if (tag.allocations == tag.frees) continue;
    report += fmt::format("  tag {}: {} block(s), {} bytes\n", tag.name,
                          tag.allocations - tag.frees, tag.bytes_in_use);
  }
  if (checks_) {
    // The live bits name the blocks themselves.
    std::string addresses;
    size_t shown = 0;
    spans_.for_each_span([&](const Span& span) {
      const size_t words = span.size_class == kLargeSpan ? 1 : span.bitmap_words();
      for (size_t word = 0; word < words && shown < kLeakedAddressesShown; ++word) {
        uint64_t bits = span.live_bits[word].load(std::memory_order_relaxed);
        while (bits != 0 && shown < kLeakedAddressesShown) {
          const auto index = static_cast<uint32_t>(word * 64 + std::countr_zero(bits));
          bits &= bits - 1;
          const void* block = span.size_class == kLargeSpan ? span.base : span.block(index);
          addresses += fmt::format(" {}", block);
          ++shown;
        }
      }
    });
    if (!addresses.empty()) report += fmt::format("  first blocks:{}\n", addresses);
  }
  return report;
}

}  // namespace bitnet::memory

// Size classes of small blocks: 64-byte steps up to 256 bytes, then four classes per power of two
// up to kSmallLimit (1 MiB), so that rounding wastes at most 25% and usually far less. Every class
// is a multiple of 64 bytes, so every block carved from a granule-aligned span is 64-byte aligned.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace bitnet::memory {

inline constexpr size_t kMinBlockBytes = 64;
inline constexpr size_t kSmallLimit = size_t{1} << 20;  // the largest small block
inline constexpr int kSizeClassCount = 52;
// Every span starts on a granule boundary and fits in one granule; large blocks cover whole ones.
// 2 MiB is also the x86-64 and arm64 (4 KiB pages) transparent huge page size.
inline constexpr size_t kGranuleBytes = size_t{2} << 20;

// The class of a request of `bytes` by arithmetic (at most kSmallLimit; 0 counts as 1).
constexpr int compute_size_class(size_t bytes) noexcept {
  if (bytes <= 256) return bytes <= 64 ? 0 : static_cast<int>((bytes - 1) >> 6);
  // 2^(bits-1) < bytes <= 2^bits: the two bits below the leading one of (bytes - 1) pick the
  // quarter of the doubling.
  const int bits = std::bit_width(bytes - 1);
  const int quarter = static_cast<int>(((bytes - 1) >> (bits - 3)) & 3);
  return bits * 4 - 32 + quarter;
}

// Up to 64 KiB, the class of every 64-byte step, so that the common sizes cost one load.
inline constexpr size_t kClassTableLimit = size_t{64} << 10;
inline constexpr auto kClassTable = [] {
  std::array<uint8_t, kClassTableLimit / 64 + 1> table{};
  for (size_t step = 0; step < table.size(); ++step) {
    table[step] = static_cast<uint8_t>(compute_size_class(step * 64));
  }
  return table;
}();

// The class of a request of `bytes` (at most kSmallLimit; 0 counts as 1).
[[gnu::always_inline]] inline int size_class_of(size_t bytes) noexcept {
  // Every class up to 64 KiB is a multiple of 64, so rounding up to a step keeps the class.
  if (bytes <= kClassTableLimit) return kClassTable[(bytes + 63) / 64];
  return compute_size_class(bytes);
}

struct SizeClassInfo {
  uint32_t block_bytes = 0;
  uint32_t blocks_per_span = 0;
  uint32_t cache_capacity = 0;     // blocks a thread cache keeps of this class
  uint32_t batch = 0;              // blocks moved between a thread cache and the central list
  uint32_t transfer_capacity = 0;  // blocks the central list keeps outside of spans
};

namespace detail {

constexpr uint32_t class_block_bytes(int size_class) {
  if (size_class < 4) return static_cast<uint32_t>(64 * (size_class + 1));
  const int bits = 9 + (size_class - 4) / 4;
  const int quarter = (size_class - 4) % 4;
  return static_cast<uint32_t>((uint64_t{1} << (bits - 1)) +
                               static_cast<uint64_t>(quarter + 1) * (uint64_t{1} << (bits - 3)));
}

constexpr std::array<SizeClassInfo, kSizeClassCount> make_size_classes() {
  std::array<SizeClassInfo, kSizeClassCount> table{};
  for (int size_class = 0; size_class < kSizeClassCount; ++size_class) {
    SizeClassInfo& info = table[static_cast<size_t>(size_class)];
    info.block_bytes = class_block_bytes(size_class);
    info.blocks_per_span = static_cast<uint32_t>(kGranuleBytes / info.block_bytes);
    // About 256 KiB per class and thread: enough for a burst of small tensors, and at least two
    // blocks so that a free followed by an allocation of the same size never leaves the thread.
    uint64_t capacity = (uint64_t{256} << 10) / info.block_bytes;
    capacity = capacity < 2 ? 2 : (capacity > 128 ? 128 : capacity);
    info.cache_capacity = static_cast<uint32_t>(capacity);
    info.batch = static_cast<uint32_t>(capacity / 2 > 32 ? 32 : capacity / 2);
    info.transfer_capacity = 2 * info.cache_capacity;
  }
  return table;
}

}  // namespace detail

inline constexpr std::array<SizeClassInfo, kSizeClassCount> kSizeClasses =
    detail::make_size_classes();

static_assert(kSizeClasses[kSizeClassCount - 1].block_bytes == kSmallLimit);

[[nodiscard]] inline size_t block_bytes_of(int size_class) noexcept {
  return kSizeClasses[static_cast<size_t>(size_class)].block_bytes;
}

// The smallest class holding `bytes` whose blocks all start on a multiple of `alignment` (a power
// of two): a block at offset i * size of a granule-aligned span is aligned to the lowest set bit of
// size. Returns kSizeClassCount when no small class fits (the request goes to the large path).
[[nodiscard]] inline int size_class_for(size_t bytes, size_t alignment) noexcept {
  if (alignment <= kMinBlockBytes)
    return bytes <= kSmallLimit ? size_class_of(bytes) : kSizeClassCount;
  const size_t needed = bytes < alignment ? alignment : bytes;
  if (needed > kSmallLimit) return kSizeClassCount;
  int size_class = size_class_of(needed);
  while (size_class < kSizeClassCount && (block_bytes_of(size_class) & (alignment - 1)) != 0) {
    ++size_class;
  }
  return size_class;
}

}  // namespace bitnet::memory

// The machine's memory read bound, measured rather than assumed: several readers of the same
// bytes on all pool threads, each a different way to keep loads in flight. A kernel's bandwidth is
// judged against the best of them in the same run; one plain loop would be a bound a tuned kernel
// beats, which says nothing.
#pragma once

#include <cstdint>
#include <vector>

namespace bitnet::bench {

struct MemoryReader {
  const char* name;  // row name: "memory_<name>"
  // Reads `count` bytes (a multiple of 256, 64-byte aligned) on all pool threads and returns a
  // value that depends on every byte, so that no load can be dropped.
  uint64_t (*read)(const uint8_t* bytes, int64_t count);
};

// The readers this CPU can run: a plain loop everywhere; on x86-64 with AVX-512 (else AVX2) wide
// loads over four interleaved streams per thread, wide loads with software prefetch, and
// non-temporal (streaming) loads.
[[nodiscard]] std::vector<MemoryReader> memory_readers();

}  // namespace bitnet::bench

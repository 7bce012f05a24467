#include "bench/memory_readers.h"

#include <algorithm>
#include <atomic>

#include "bitnet/config.h"
#include "bitnet/parallel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// GCC 12's AVX-512 intrinsics start from an undefined vector, which it reports as uninitialized
// once they inline; the operand is never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace bitnet::bench {
namespace {

constexpr int64_t kLine = 64;
// Bytes each thread's share is rounded to, so that every vector loop sees whole iterations.
constexpr int64_t kQuantum = 256;

// Splits [0, count) into one contiguous share per pool thread (multiples of kQuantum) and sums
// what `read_share` returns for each.
template <typename ReadShare>
uint64_t on_all_threads(const uint8_t* bytes, int64_t count, ReadShare read_share) {
  std::atomic<uint64_t> total{0};
  const int64_t quanta = count / kQuantum;
  const int64_t shares = std::max<int64_t>(1, std::min<int64_t>(num_threads(), quanta));
  parallel_for(0, shares, 1, [&](int64_t begin, int64_t end) {
    for (int64_t share = begin; share < end; ++share) {
      const int64_t first = quanta * share / shares * kQuantum;
      const int64_t last = quanta * (share + 1) / shares * kQuantum;
      total.fetch_add(read_share(bytes + first, last - first), std::memory_order_relaxed);
    }
  });
  return total.load(std::memory_order_relaxed);
}

uint64_t read_plain(const uint8_t* bytes, int64_t count) {
  return on_all_threads(bytes, count, [](const uint8_t* share, int64_t length) {
    // reinterpret_cast: shares start 256-byte aligned within a 64-byte aligned buffer.
    const auto* words = reinterpret_cast<const uint64_t*>(share);
    uint64_t sum = 0;
    for (int64_t index = 0; index < length / 8; ++index) sum += words[index];
    return sum;
  });
}

#if defined(__x86_64__)

// Each *_share function reads one thread's contiguous share (a multiple of 256 bytes, 64-byte
// aligned) and folds what it loaded into one value. They are plain functions, not lambdas, so
// that their target attribute applies to their bodies.

// Four streams per thread: the share's quarters read side by side, so four DRAM pages are open
// and four hardware prefetch streams run at once.
[[gnu::target("avx2")]] uint64_t avx2_streams_share(const uint8_t* share, int64_t length) {
  const int64_t quarter = length / 4 / kLine * kLine;
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  for (int64_t offset = 0; offset < quarter; offset += kLine) {
    // Precondition: offset + 64 <= quarter, so each pointer reads inside its own quarter.
    const auto* p = reinterpret_cast<const __m256i*>(share + offset);
    const auto* q = reinterpret_cast<const __m256i*>(share + quarter + offset);
    const auto* r = reinterpret_cast<const __m256i*>(share + 2 * quarter + offset);
    const auto* t = reinterpret_cast<const __m256i*>(share + 3 * quarter + offset);
    a = _mm256_xor_si256(a, _mm256_xor_si256(_mm256_load_si256(p), _mm256_load_si256(p + 1)));
    b = _mm256_xor_si256(b, _mm256_xor_si256(_mm256_load_si256(q), _mm256_load_si256(q + 1)));
    c = _mm256_xor_si256(c, _mm256_xor_si256(_mm256_load_si256(r), _mm256_load_si256(r + 1)));
    d = _mm256_xor_si256(d, _mm256_xor_si256(_mm256_load_si256(t), _mm256_load_si256(t + 1)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, d)));
  // reinterpret_cast: the share is 8-byte aligned; these are the bytes no quarter covers.
  const auto* words = reinterpret_cast<const uint64_t*>(share);
  uint64_t folded = lanes[0] ^ lanes[1] ^ lanes[2] ^ lanes[3];
  for (int64_t index = 4 * quarter / 8; index < length / 8; ++index) folded += words[index];
  return folded;
}

[[gnu::target("avx512f")]] uint64_t avx512_streams_share(const uint8_t* share, int64_t length) {
  const int64_t quarter = length / 4 / kLine * kLine;
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  for (int64_t offset = 0; offset < quarter; offset += kLine) {
    // Precondition: offset + 64 <= quarter, so each load stays inside its own quarter.
    a = _mm512_xor_si512(a, _mm512_load_si512(share + offset));
    b = _mm512_xor_si512(b, _mm512_load_si512(share + quarter + offset));
    c = _mm512_xor_si512(c, _mm512_load_si512(share + 2 * quarter + offset));
    d = _mm512_xor_si512(d, _mm512_load_si512(share + 3 * quarter + offset));
  }
  // reinterpret_cast: the share is 8-byte aligned; these are the bytes no quarter covers.
  const auto* words = reinterpret_cast<const uint64_t*>(share);
  auto folded = static_cast<uint64_t>(
      _mm512_reduce_add_epi64(_mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d))));
  for (int64_t index = 4 * quarter / 8; index < length / 8; ++index) folded += words[index];
  return folded;
}

// One stream, four lines per step, with a software prefetch 2 KiB ahead (about the bytes in
// flight one core needs to cover DRAM latency at this bandwidth).
[[gnu::target("avx512f")]] uint64_t avx512_prefetch_share(const uint8_t* share, int64_t length) {
  constexpr int64_t kAhead = 2048;
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  for (int64_t offset = 0; offset < length; offset += 4 * kLine) {
    // Prefetches past the end are harmless hints; the loads stay below length (a multiple of 256).
    _mm_prefetch(reinterpret_cast<const char*>(share + offset + kAhead), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(share + offset + kAhead + 2 * kLine), _MM_HINT_T0);
    a = _mm512_xor_si512(a, _mm512_load_si512(share + offset));
    b = _mm512_xor_si512(b, _mm512_load_si512(share + offset + kLine));
    c = _mm512_xor_si512(c, _mm512_load_si512(share + offset + 2 * kLine));
    d = _mm512_xor_si512(d, _mm512_load_si512(share + offset + 3 * kLine));
  }
  return static_cast<uint64_t>(
      _mm512_reduce_add_epi64(_mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d))));
}

// VMOVNTDQA: on write-back memory it reads as a normal load, but some cores fetch with less
// cache pollution; included so that the bound does not miss a faster path.
[[gnu::target("avx512f")]] uint64_t avx512_nontemporal_share(const uint8_t* share, int64_t length) {
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  for (int64_t offset = 0; offset < length; offset += 4 * kLine) {
    // const_cast: the intrinsic's pointer is not const-qualified; it only reads.
    auto* line = const_cast<uint8_t*>(share + offset);
    a = _mm512_xor_si512(a, _mm512_stream_load_si512(line));
    b = _mm512_xor_si512(b, _mm512_stream_load_si512(line + kLine));
    c = _mm512_xor_si512(c, _mm512_stream_load_si512(line + 2 * kLine));
    d = _mm512_xor_si512(d, _mm512_stream_load_si512(line + 3 * kLine));
  }
  return static_cast<uint64_t>(
      _mm512_reduce_add_epi64(_mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, d))));
}

uint64_t read_avx2_streams(const uint8_t* bytes, int64_t count) {
  return on_all_threads(bytes, count, avx2_streams_share);
}
uint64_t read_avx512_streams(const uint8_t* bytes, int64_t count) {
  return on_all_threads(bytes, count, avx512_streams_share);
}
uint64_t read_avx512_prefetch(const uint8_t* bytes, int64_t count) {
  return on_all_threads(bytes, count, avx512_prefetch_share);
}
uint64_t read_avx512_nontemporal(const uint8_t* bytes, int64_t count) {
  return on_all_threads(bytes, count, avx512_nontemporal_share);
}

#endif  // __x86_64__

}  // namespace

std::vector<MemoryReader> memory_readers() {
  std::vector<MemoryReader> readers = {{"plain", read_plain}};
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) {
    readers.push_back({"avx512_streams", read_avx512_streams});
    readers.push_back({"avx512_prefetch", read_avx512_prefetch});
    readers.push_back({"avx512_nontemporal", read_avx512_nontemporal});
  } else if (__builtin_cpu_supports("avx2")) {
    readers.push_back({"avx2_streams", read_avx2_streams});
  }
#endif
  return readers;
}

}  // namespace bitnet::bench

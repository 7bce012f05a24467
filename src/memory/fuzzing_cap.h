// The allocation cap of libFuzzer builds. libFuzzer's -malloc_limit_mb turns one malloc above the
// limit into a finding, but tensor memory comes from this pool through mmap, which it never sees.
// In builds configured with BITNET_FUZZ the pool applies the same limit to every large request
// (read from the fuzzer's own command line), so an absurd size declared by a file is a finding
// there too, not a slow allocation. In every other build this is a no-op.
#pragma once

#include <cstddef>

namespace bitnet::memory {

#ifdef BITNET_FUZZING
// Aborts with a libFuzzer-style report when `bytes` exceeds the process's -malloc_limit_mb (or,
// as libFuzzer does without one, -rss_limit_mb, 2048 MiB by default).
void enforce_fuzzing_cap(size_t bytes) noexcept;
#else
inline void enforce_fuzzing_cap(size_t /*bytes*/) noexcept {}
#endif

}  // namespace bitnet::memory

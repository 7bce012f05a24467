// Run-time configuration, read once from BITNET_* environment variables and overridable by the CLI.
// Nothing else in the library calls getenv.
#pragma once

#include <cstdint>
#include <string>

namespace bitnet {

struct Config {
  int threads = 0;  // worker threads for CPU ops; BITNET_THREADS, default: hardware threads
  std::string isa;  // forced SIMD level (BITNET_ISA); empty selects the best available
  // Byte limit of the CPU memory pool (BITNET_MEMORY_LIMIT: bytes, or with a K/M/G/T suffix in
  // powers of 1024, e.g. "8G"); 0 means none.
  uint64_t memory_limit = 0;
  // BITNET_MEMORY_CHECKS=1 turns on the CPU pool's double-free and foreign-pointer checks in any
  // build, =0 turns them off; -1 (unset) leaves the build's default (on in debug builds).
  int memory_checks = -1;
};

// The process-wide configuration (filled from the environment on first use).
[[nodiscard]] const Config& config();
// Sets the number of CPU threads (>= 1) for later parallel work; throws Error for values < 1.
void set_num_threads(int threads);
[[nodiscard]] int num_threads();

}  // namespace bitnet

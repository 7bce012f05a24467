// Run-time configuration, read once from BITNET_* environment variables and overridable by the CLI.
// Nothing else in the library calls getenv.
#pragma once

#include <string>

namespace bitnet {

struct Config {
  int threads = 0;        // worker threads for CPU ops; BITNET_THREADS, default: hardware threads
  std::string isa;        // forced SIMD level (BITNET_ISA); empty selects the best available
};

// The process-wide configuration (filled from the environment on first use).
[[nodiscard]] const Config& config();
// Sets the number of CPU threads (>= 1) for later parallel work; throws Error for values < 1.
void set_num_threads(int threads);
[[nodiscard]] int num_threads();

}  // namespace bitnet

// What the library knows about the machine it runs on: CPU model, instruction-set features, caches
// and the compute backends built in. Detected once; `bitnet info` prints it and the SIMD dispatch
// reads the same feature flags, so the two can never disagree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bitnet {

// Instruction-set extensions that kernels may select. A flag is true only when both the CPU and
// the operating system support it (e.g. AVX state saved on context switch).
struct CpuFeatures {
  // x86-64
  bool sse4_1 = false;
  bool avx2 = false;
  bool fma = false;  // FMA3
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  // ARM
  bool neon = false;
  bool dotprod = false;  // SDOT/UDOT
  bool fp16 = false;     // half-precision arithmetic, not only conversion
};

// One level of the data-cache hierarchy. size_bytes is 0 when no source describes the level.
struct CacheLevel {
  uint64_t size_bytes = 0;  // one instance
  int instances = 0;        // how many such caches the machine has (e.g. one L2 per core)
  // Where the size came from: "cpuinfo", "sysfs" or "cpuid" (tried in that order); empty when
  // none of them knew it.
  std::string source;
};

struct CpuInfo {
  bool detected = false;     // false when detection failed; the other fields are then defaults
  std::string architecture;  // "x86_64", "arm64", ...
  std::string model;         // "AMD EPYC 7B13", "unknown" when not reported
  int packages = 0;
  int cores = 0;               // physical cores
  int logical_processors = 0;  // hardware threads
  CpuFeatures features;
  CacheLevel l1d;
  CacheLevel l2;
  CacheLevel l3;
};

// The host CPU, detected on first call (thread-safe) and cached for the life of the process.
[[nodiscard]] const CpuInfo& cpu_info();

struct NamedFeature {
  std::string_view name;  // as users know it: "avx512vnni", "dotprod"
  bool present;
};
// The features relevant to the host architecture, in a fixed order, for printing.
[[nodiscard]] std::vector<NamedFeature> cpu_feature_list(const CpuInfo& info);

// The SIMD levels the CPU kernels can run at on this machine and the one they use (the best, or
// BITNET_ISA's). Throws Error when BITNET_ISA names a level this CPU or build lacks.
struct SimdStatus {
  std::vector<std::string> available;  // "scalar", "sse4.1", "avx2", "avx512" / "neon"
  std::string selected;
};
[[nodiscard]] SimdStatus simd_status();

// A compute backend and whether this build and machine can use it.
struct BackendStatus {
  std::string name;  // "cpu", "cuda"
  bool available;
  std::string detail;  // "not built", a device name, ...
};
[[nodiscard]] std::vector<BackendStatus> backend_statuses();

}  // namespace bitnet

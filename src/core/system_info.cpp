// Host detection through cpuinfo. This is the only file that includes <cpuinfo.h>
// (docs/ARCHITECTURE.md, rule 7): swapping the detection library touches nothing else.
#include "bitnet/system_info.h"

#include <algorithm>

#include <cpuinfo.h>

#include "core/cache_detection.h"

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace bitnet {
namespace {

constexpr std::string_view kArchitecture =
#if CPUINFO_ARCH_X86_64
    "x86_64";
#elif CPUINFO_ARCH_X86
    "x86";
#elif CPUINFO_ARCH_ARM64
    "arm64";
#elif CPUINFO_ARCH_ARM
    "arm";
#else
    "other";
#endif

CacheLevel cache_level(const cpuinfo_cache* first, uint32_t count) {
  CacheLevel level;
  if (first == nullptr || count == 0) return level;
  level.size_bytes = first->size;
  level.instances = static_cast<int>(count);
  level.source = "cpuinfo";
  return level;
}

// cpuinfo finds no cache descriptors on some virtual machines: ask sysfs, then CPUID.
CacheLevel with_fallbacks(CacheLevel level, int number, int logical_processors) {
  if (level.size_bytes != 0) return level;
  level = detail::cache_from_sysfs("/sys/devices/system/cpu", number, logical_processors);
  if (level.size_bytes != 0) {
    level.source = "sysfs";
    return level;
  }
  level = detail::cache_from_cpuid(number, logical_processors);
  if (level.size_bytes != 0) level.source = "cpuid";
  return level;
}

void fill_caches(CpuInfo& info) {
  const int processors = std::max(1, info.logical_processors);
  info.l1d = with_fallbacks(info.l1d, 1, processors);
  info.l2 = with_fallbacks(info.l2, 2, processors);
  info.l3 = with_fallbacks(info.l3, 3, processors);
}

// The instruction-set bits the Linux kernel passes to every arm64 process (getauxval), for when
// cpuinfo cannot read the system; elsewhere this does nothing.
void features_from_hwcap([[maybe_unused]] CpuFeatures& features) {
#if defined(__aarch64__) && defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  features.neon = (hwcap & HWCAP_ASIMD) != 0;
  features.dotprod = (hwcap & HWCAP_ASIMDDP) != 0;
  features.fp16 = (hwcap & HWCAP_ASIMDHP) != 0;
#endif
}

CpuInfo detect() {
  CpuInfo info;
  info.architecture = std::string(kArchitecture);
  info.model = "unknown";
  // cpuinfo_initialize is idempotent and thread-safe; it fails in sandboxes that hide /proc or
  // /sys, in which case we report an unknown CPU with no optional features (the scalar path) --
  // except on arm64 Linux, where the kernel's hardware capability bits still name them.
  if (!cpuinfo_initialize()) {
    features_from_hwcap(info.features);
    fill_caches(info);
    return info;
  }
  info.detected = true;

  const cpuinfo_package* package = cpuinfo_get_package(0);
  if (package != nullptr && package->name[0] != '\0') info.model = package->name;
  info.packages = static_cast<int>(cpuinfo_get_packages_count());
  info.cores = static_cast<int>(cpuinfo_get_cores_count());
  info.logical_processors = static_cast<int>(cpuinfo_get_processors_count());

  CpuFeatures& features = info.features;
  features.sse4_1 = cpuinfo_has_x86_sse4_1();
  features.avx2 = cpuinfo_has_x86_avx2();
  features.fma = cpuinfo_has_x86_fma3();
  features.f16c = cpuinfo_has_x86_f16c();
  features.avx512f = cpuinfo_has_x86_avx512f();
  features.avx512bw = cpuinfo_has_x86_avx512bw();
  features.avx512vl = cpuinfo_has_x86_avx512vl();
  features.avx512vnni = cpuinfo_has_x86_avx512vnni();
  features.avx512bf16 = cpuinfo_has_x86_avx512bf16();
  features.neon = cpuinfo_has_arm_neon();
  features.dotprod = cpuinfo_has_arm_neon_dot();
  // The arithmetic flag, not cpuinfo_has_arm_neon_fp16 (conversion only): kernels need FP16 math.
  features.fp16 = cpuinfo_has_arm_neon_fp16_arith();

  info.l1d = cache_level(cpuinfo_get_l1d_cache(0), cpuinfo_get_l1d_caches_count());
  info.l2 = cache_level(cpuinfo_get_l2_cache(0), cpuinfo_get_l2_caches_count());
  info.l3 = cache_level(cpuinfo_get_l3_cache(0), cpuinfo_get_l3_caches_count());
  fill_caches(info);
  return info;
}

}  // namespace

const CpuInfo& cpu_info() {
  static const CpuInfo info = detect();
  return info;
}

std::vector<NamedFeature> cpu_feature_list(const CpuInfo& info) {
  const CpuFeatures& features = info.features;
  if (info.architecture == "arm64" || info.architecture == "arm") {
    return {{"neon", features.neon}, {"dotprod", features.dotprod}, {"fp16", features.fp16}};
  }
  if (info.architecture == "x86_64" || info.architecture == "x86") {
    return {{"sse4.1", features.sse4_1},
            {"avx2", features.avx2},
            {"fma", features.fma},
            {"f16c", features.f16c},
            {"avx512f", features.avx512f},
            {"avx512bw", features.avx512bw},
            {"avx512vl", features.avx512vl},
            {"avx512vnni", features.avx512vnni},
            {"avx512bf16", features.avx512bf16}};
  }
  return {};
}

std::vector<BackendStatus> backend_statuses() {
  std::vector<BackendStatus> statuses;
  statuses.push_back({"cpu", true, cpu_info().model});
  // The CUDA backend does not exist yet; when it does, its adapter will report the devices here.
  statuses.push_back({"cuda", false, "not built"});
  return statuses;
}

}  // namespace bitnet

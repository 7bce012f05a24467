// Cache sizes for when cpuinfo finds no cache descriptors (seen on virtual machines, where
// `bitnet info` printed "L1d none, L2 none, L3 none"): Linux's sysfs first, then the CPU's own
// CPUID cache leaves on x86. Each returns a level of size 0 when its source says nothing.
#pragma once

#include <string>

#include "bitnet/system_info.h"

namespace bitnet::detail {

// The data or unified cache of `level` (1, 2, 3) described under `cpu_root` (normally
// /sys/devices/system/cpu): cpu0's cache/index*/{level,type,size,shared_cpu_list}. Instances are
// `logical_processors` divided by the processors sharing cpu0's cache.
[[nodiscard]] CacheLevel cache_from_sysfs(const std::string& cpu_root, int level,
                                          int logical_processors);

// The same from CPUID leaf 4 (Intel) or 0x8000001D (AMD); size 0 on other architectures.
[[nodiscard]] CacheLevel cache_from_cpuid(int level, int logical_processors);

}  // namespace bitnet::detail

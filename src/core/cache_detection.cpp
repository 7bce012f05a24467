#include "core/cache_detection.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace bitnet::detail {
namespace {

std::string read_line(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

// "32K", "1024K", "32M" or a plain byte count; 0 when unreadable.
uint64_t parse_size(const std::string& text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) return 0;
  switch (*end) {
    case 'K':
      return value << 10;
    case 'M':
      return value << 20;
    case 'G':
      return value << 30;
    default:
      return value;
  }
}

// Processors in a list such as "0-3,8,10-11"; 0 when unreadable.
int count_processors(const std::string& list) {
  int count = 0;
  std::stringstream stream(list);
  for (std::string range; std::getline(stream, range, ',');) {
    if (range.empty()) continue;
    const size_t dash = range.find('-');
    const int first = std::atoi(range.substr(0, dash).c_str());
    const int last = dash == std::string::npos ? first : std::atoi(range.substr(dash + 1).c_str());
    if (last < first) return 0;
    count += last - first + 1;
  }
  return count;
}

CacheLevel with_instances(uint64_t size_bytes, int sharing, int logical_processors) {
  CacheLevel cache;
  cache.size_bytes = size_bytes;
  cache.instances = std::max(1, sharing > 0 ? logical_processors / sharing : 1);
  return cache;
}

}  // namespace

CacheLevel cache_from_sysfs(const std::string& cpu_root, int level, int logical_processors) {
  // index0, index1, ...: the kernel numbers them densely; stop at the first missing one.
  for (int index = 0; index < 16; ++index) {
    const std::string directory = cpu_root + "/cpu0/cache/index" + std::to_string(index);
    const std::string level_text = read_line(directory + "/level");
    if (level_text.empty()) break;
    if (std::atoi(level_text.c_str()) != level) continue;
    const std::string type = read_line(directory + "/type");
    if (type != "Data" && type != "Unified") continue;
    const uint64_t size = parse_size(read_line(directory + "/size"));
    if (size == 0) continue;
    return with_instances(size, count_processors(read_line(directory + "/shared_cpu_list")),
                          logical_processors);
  }
  return {};
}

CacheLevel cache_from_cpuid([[maybe_unused]] int level, [[maybe_unused]] int logical_processors) {
#if defined(__x86_64__) || defined(__i386__)
  // Both leaves share one layout: EAX type (1 data, 2 instruction, 3 unified) in bits 4:0, level in
  // 7:5, processors sharing minus one in 25:14; EBX ways, partitions and line size minus one; ECX
  // sets minus one. Subleaves run until a null type.
  unsigned max_basic = __get_cpuid_max(0, nullptr);
  unsigned max_extended = __get_cpuid_max(0x80000000u, nullptr);
  for (const unsigned leaf : {4u, 0x8000001Du}) {
    const unsigned available = leaf >= 0x80000000u ? max_extended : max_basic;
    if (available < leaf) continue;
    for (unsigned subleaf = 0; subleaf < 16; ++subleaf) {
      unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
      if (__get_cpuid_count(leaf, subleaf, &eax, &ebx, &ecx, &edx) == 0) break;
      const unsigned type = eax & 0x1f;
      if (type == 0) break;
      if (((eax >> 5) & 0x7) != static_cast<unsigned>(level) || type == 2) continue;
      const uint64_t ways = ((ebx >> 22) & 0x3ff) + 1;
      const uint64_t partitions = ((ebx >> 12) & 0x3ff) + 1;
      const uint64_t line = (ebx & 0xfff) + 1;
      const uint64_t sets = uint64_t{ecx} + 1;
      const int sharing = static_cast<int>(((eax >> 14) & 0xfff) + 1);
      return with_instances(ways * partitions * line * sets,
                            std::min(sharing, std::max(1, logical_processors)), logical_processors);
    }
  }
#endif
  return {};
}

}  // namespace bitnet::detail

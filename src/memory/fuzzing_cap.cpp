#include "memory/fuzzing_cap.h"

#ifdef BITNET_FUZZING

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace bitnet::memory {
namespace {

// The value of "-<flag>=N" among the process's arguments, or -1.
long long flag_value(const std::string& arguments, const char* flag) {
  const std::string prefix = std::string("-") + flag + "=";
  size_t start = 0;
  long long value = -1;
  while (start < arguments.size()) {
    const size_t end = arguments.find('\0', start);
    const std::string argument =
        arguments.substr(start, end == std::string::npos ? std::string::npos : end - start);
    // The last occurrence wins, as in libFuzzer's own flag parsing.
    if (argument.rfind(prefix, 0) == 0) value = std::atoll(argument.c_str() + prefix.size());
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return value;
}

size_t cap_bytes() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  const std::string arguments{std::istreambuf_iterator<char>(file),
                              std::istreambuf_iterator<char>()};
  long long megabytes = flag_value(arguments, "malloc_limit_mb");
  if (megabytes <= 0) megabytes = flag_value(arguments, "rss_limit_mb");
  if (megabytes <= 0) megabytes = 2048;  // libFuzzer's default rss_limit_mb
  return static_cast<size_t>(megabytes) << 20;
}

}  // namespace

void enforce_fuzzing_cap(size_t bytes) noexcept {
  static const size_t cap = cap_bytes();
  if (bytes <= cap) return;
  std::fprintf(stderr,
               "==%d== ERROR: bitnet memory pool: out-of-memory (allocation of %zu bytes exceeds "
               "the fuzzing cap of %zu MiB)\n",
               static_cast<int>(getpid()), bytes, cap >> 20);
  std::fflush(stderr);
  // libFuzzer reports a deadly signal and writes the input as a reproducer.
  std::abort();
}

}  // namespace bitnet::memory

#endif  // BITNET_FUZZING

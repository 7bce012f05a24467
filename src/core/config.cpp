#include "bitnet/config.h"

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "core/raise.h"

namespace bitnet {
namespace {

int parse_thread_count(const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 1 || value > 4096) {
    raise(ErrorKind::kInvalidArgument, "BITNET_THREADS='{}': expected an integer from 1 to 4096",
          text);
  }
  return static_cast<int>(value);
}

// "4096", "512K", "8G", "1.5G" (suffixes K, M, G, T: powers of 1024, optionally followed by "iB"
// or "B").
uint64_t parse_byte_count(std::string_view name, const char* text) {
  char* end = nullptr;
  const double number = std::strtod(text, &end);
  std::string_view suffix(end);
  double scale = 1;
  if (!suffix.empty()) {
    constexpr std::string_view kPrefixes = "KMGT";
    const size_t prefix = kPrefixes.find(static_cast<char>(std::toupper(suffix.front())));
    if (prefix != std::string_view::npos) {
      scale = std::ldexp(1.0, 10 * static_cast<int>(prefix + 1));
      suffix.remove_prefix(1);
    }
    if (suffix == "iB" || suffix == "B" || suffix == "b") suffix = {};
  }
  const double bytes = number * scale;
  if (end == text || !suffix.empty() || !(bytes >= 0) || bytes >= 0x1p63) {
    raise(ErrorKind::kInvalidArgument,
          "{}='{}': expected a byte count such as 1073741824, 512M or 8G", name, text);
  }
  return static_cast<uint64_t>(bytes);
}

Config load_config() {
  Config loaded;
  const unsigned hardware = std::thread::hardware_concurrency();
  loaded.threads = hardware == 0 ? 1 : static_cast<int>(hardware);
  if (const char* threads = std::getenv("BITNET_THREADS"))
    loaded.threads = parse_thread_count(threads);
  if (const char* isa = std::getenv("BITNET_ISA")) loaded.isa = isa;
  if (const char* limit = std::getenv("BITNET_MEMORY_LIMIT")) {
    loaded.memory_limit = parse_byte_count("BITNET_MEMORY_LIMIT", limit);
  }
  if (const char* checks = std::getenv("BITNET_MEMORY_CHECKS")) {
    const std::string_view value = checks;
    if (value != "0" && value != "1") {
      raise(ErrorKind::kInvalidArgument, "BITNET_MEMORY_CHECKS='{}': expected 0 or 1", value);
    }
    loaded.memory_checks = value == "1" ? 1 : 0;
  }
  return loaded;
}

std::atomic<int> thread_override{0};

}  // namespace

const Config& config() {
  static const Config loaded = load_config();
  return loaded;
}

void set_num_threads(int threads) {
  if (threads < 1) {
    raise(ErrorKind::kInvalidArgument, "set_num_threads: {} threads requested, need at least 1",
          threads);
  }
  thread_override.store(threads, std::memory_order_relaxed);
}

int num_threads() {
  const int override_value = thread_override.load(std::memory_order_relaxed);
  return override_value > 0 ? override_value : config().threads;
}

}  // namespace bitnet

#include "bitnet/config.h"

#include <atomic>
#include <cstdlib>
#include <string>
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

Config load_config() {
  Config loaded;
  const unsigned hardware = std::thread::hardware_concurrency();
  loaded.threads = hardware == 0 ? 1 : static_cast<int>(hardware);
  if (const char* threads = std::getenv("BITNET_THREADS")) loaded.threads = parse_thread_count(threads);
  if (const char* isa = std::getenv("BITNET_ISA")) loaded.isa = isa;
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

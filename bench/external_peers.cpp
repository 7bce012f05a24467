#include "bench/external_peers.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "bench/child_process.h"
#include "bitnet/error.h"

namespace bitnet::bench {

namespace fs = std::filesystem;

fs::path bench_cache_dir(std::string_view name) {
  if (const char* dir = std::getenv("BITNET_CACHE_DIR"); dir && *dir) return fs::path(dir) / name;
  if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) {
    return fs::path(dir) / "bitnet-core" / name;
  }
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache" / "bitnet-core" / name;
}

bool peers_required() {
  const char* value = std::getenv("BITNET_REQUIRE_PEERS");
  return value != nullptr && std::string_view(value) == "1";
}

void peer_missing(std::string_view suite, const std::string& what) {
  if (peers_required()) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("bench {}: {} (BITNET_REQUIRE_PEERS=1)", suite, what));
  }
  // On a line of its own: the progress line may be showing.
  fmt::print(stderr, "\nbench {}: skipped: {}\n", suite, what);
}

bool run_shell_in(const fs::path& dir, const std::string& command, std::string& failure) {
  ChildResult result;
  try {
    result = run_program("sh", {"-c", "cd \"$0\" && " + command + " 2>&1", dir.string()});
  } catch (const Error& error) {
    failure = error.what();
    return false;
  }
  if (result.exit_code == 0) return true;
  failure = fmt::format("`{}` failed (exit {}): {}", command, result.exit_code,
                        result.output.substr(0, 2000));
  return false;
}

std::string read_text_file(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

}  // namespace bitnet::bench

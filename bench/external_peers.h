// What the suites that time implementations we did not write (through node and npm packages)
// share: the cache folder their installs and generated inputs live in, and the rule for a peer
// that cannot run: skipped with the reason printed, or an error under BITNET_REQUIRE_PEERS=1
// (scripts/bench-smoke.sh sets it, so CI never passes with a peer silently missing).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace bitnet::bench {

// $BITNET_CACHE_DIR/<name>, else $XDG_CACHE_HOME/bitnet-core/<name>, else
// ~/.cache/bitnet-core/<name> (/tmp when there is no home). Not created here.
[[nodiscard]] std::filesystem::path bench_cache_dir(std::string_view name);

// BITNET_REQUIRE_PEERS=1.
[[nodiscard]] bool peers_required();

// A peer that cannot run: throws Error(kUnsupported) naming `suite` and `what` when peers are
// required, else prints "bench <suite>: skipped: <what>" on stderr.
void peer_missing(std::string_view suite, const std::string& what);

// Runs `command` through sh in `dir`, its stderr folded into its output; false, with the command,
// its exit status and the start of its output in `failure`, when it cannot start or fails.
bool run_shell_in(const std::filesystem::path& dir, const std::string& command,
                  std::string& failure);

// The whole file as bytes; empty when it cannot be read.
[[nodiscard]] std::string read_text_file(const std::filesystem::path& path);

}  // namespace bitnet::bench

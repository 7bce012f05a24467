#include "bench/malloc_peers.h"

#include <dlfcn.h>

#include <cstring>

#include <fmt/format.h>

#include "bitnet/error.h"

namespace bitnet::bench {
namespace {

// The file name part of a path.
std::string_view file_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash == nullptr ? path : slash + 1;
}

}  // namespace

const MallocPeer* find_malloc_peer(std::string_view name) noexcept {
  for (const MallocPeer& peer : kMallocPeers) {
    if (name == peer.name) return &peer;
  }
  return nullptr;
}

std::string detect_malloc() {
  // Each library exports a symbol of its own; glibc exports none of these.
  if (dlsym(RTLD_DEFAULT, "mi_version") != nullptr) return "mimalloc";
  if (dlsym(RTLD_DEFAULT, "mallctl") != nullptr) return "jemalloc";
  if (dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr) return "tcmalloc";
  return "glibc";
}

void* find_peer_symbol(const MallocPeer& peer, const char* symbol) {
  void* address = dlsym(RTLD_DEFAULT, symbol);
  if (address == nullptr) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("bench pool: {} has no {} in this process (is {} preloaded?)",
                            peer.name, symbol, peer.library[0] != '\0' ? peer.library : "libc"));
  }
  // A plain name such as malloc resolves to whichever library comes first; it must be the peer's.
  Dl_info origin{};
  const std::string_view expected = peer.library[0] != '\0' ? peer.library : "libc.so.6";
  if (dladdr(address, &origin) == 0 || origin.dli_fname == nullptr ||
      file_name(origin.dli_fname) != expected) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("bench pool: {} resolves to {}, not to {}'s {}", symbol,
                            origin.dli_fname != nullptr ? origin.dli_fname : "an unknown object",
                            peer.name, expected));
  }
  return address;
}

}  // namespace bitnet::bench

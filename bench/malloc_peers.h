// The general-purpose allocators the `pool` suite compares with our pool, and the calls each of
// their rows makes. Every row has the same contract: allocate n bytes, free the block with n passed
// back, no alignment asked for beyond what the allocator gives on its own. Each peer is called
// through its own entry points for that contract, its sized free where it has one, so that none
// pays for a lookup our pool is spared (our pool is told the size at free time, as tensors do).
#pragma once

#include <string>
#include <string_view>

namespace bitnet::bench {

// The shape of a peer's free function.
enum class FreeCall {
  kPlain,       // void f(void* block): the peer has no sized free
  kSized,       // void f(void* block, size_t bytes)
  kSizedFlags,  // void f(void* block, size_t bytes, int flags), called with flags 0
};

struct MallocPeer {
  const char* name;     // the row's name, and what detect_malloc() reports for the peer
  const char* library;  // the file LD_PRELOAD names; empty for glibc, which needs no preload
  const char* allocate_symbol;  // void* f(size_t bytes)
  const char* free_symbol;
  FreeCall free_call;
};

// glibc 2.36 has no sized free (free_sized came later), so its row frees with free. mimalloc's
// mi_free_size and tcmalloc's tc_free_sized take the size (tcmalloc finds the size class from it
// instead of its page map; mimalloc 2.0 checks it in debug builds only), and jemalloc's sdallocx
// skips the lookup of the block's size class. Allocation is each library's plain malloc, at the
// library's own alignment (16 bytes, less for the smallest blocks): asking for 64 bytes
// (posix_memalign) takes 7-9 times malloc's time in glibc and 1.4-1.8 times in jemalloc and
// tcmalloc, on blocks of 64 B to 4 KiB.
inline constexpr MallocPeer kMallocPeers[] = {
    {"glibc", "", "malloc", "free", FreeCall::kPlain},
    {"mimalloc", "libmimalloc.so.2", "mi_malloc", "mi_free_size", FreeCall::kSized},
    {"jemalloc", "libjemalloc.so.2", "malloc", "sdallocx", FreeCall::kSizedFlags},
    {"tcmalloc", "libtcmalloc_minimal.so.4", "tc_malloc", "tc_free_sized", FreeCall::kSized},
};

// The peer named `name`, or null.
[[nodiscard]] const MallocPeer* find_malloc_peer(std::string_view name) noexcept;

// "glibc", "mimalloc", "jemalloc" or "tcmalloc": which malloc this process's calls reach.
[[nodiscard]] std::string detect_malloc();

// The address of `symbol` as this process resolves it (a preloaded library's first), checked to
// come from the peer's library (libc for glibc). Throws Error(kUnsupported) naming the peer and the
// symbol when it is missing or comes from elsewhere, rather than time another function.
[[nodiscard]] void* find_peer_symbol(const MallocPeer& peer, const char* symbol);

}  // namespace bitnet::bench

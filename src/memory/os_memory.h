// The pool's only contact with the operating system: mapping, unmapping and advising pages. Every
// other file of src/memory/ is portable C++.
#pragma once

#include <cstddef>

namespace bitnet::memory::os {

// The system page size (4 KiB on x86-64; 4, 16 or 64 KiB on arm64).
[[nodiscard]] size_t page_size() noexcept;

// Maps `bytes` (a multiple of page_size()) of zeroed, readable and writable memory starting at a
// multiple of `alignment` (a power of two >= page_size()); null when the system refuses.
[[nodiscard]] void* map(size_t bytes, size_t alignment) noexcept;

// Returns a range from map() (or a page-aligned part of it) to the system.
void unmap(void* address, size_t bytes) noexcept;

// Asks for transparent huge pages on a range whose start is 2 MiB-aligned. Advice only: a kernel
// without THP ignores it.
void advise_huge_pages(void* address, size_t bytes) noexcept;

}  // namespace bitnet::memory::os

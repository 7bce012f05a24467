#include "memory/os_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace bitnet::memory::os {

size_t page_size() noexcept {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

void* map(size_t bytes, size_t alignment) noexcept {
  // mmap only promises page alignment: over-map by the alignment, then return the unaligned head
  // and the unused tail. The holes this leaves between mappings cost address space, not memory.
  const size_t padded = bytes + alignment - page_size();
  void* raw = mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + alignment - 1) & ~(uintptr_t{alignment} - 1);
  const size_t head = aligned - start;
  const size_t tail = padded - head - bytes;
  if (head != 0) munmap(raw, head);
  // Precondition: aligned + bytes lies inside the padded mapping, so the tail range is ours.
  if (tail != 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  return reinterpret_cast<void*>(aligned);
}

void unmap(void* address, size_t bytes) noexcept {
  munmap(address, bytes);
}

void advise_huge_pages(void* address, size_t bytes) noexcept {
#ifdef MADV_HUGEPAGE
  madvise(address, bytes, MADV_HUGEPAGE);
#else
  (void)address;
  (void)bytes;
#endif
}

}  // namespace bitnet::memory::os

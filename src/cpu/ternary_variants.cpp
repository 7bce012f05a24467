// The list of ternary GEMM variants and the choice of the best one per level. Feature checks sit
// here, in baseline code, so that no SIMD-flagged translation unit runs before its CPU is known.
#include <cstdlib>
#include <memory>
#include <new>

#include "bitnet/memory.h"
#include "bitnet/system_info.h"
#include "cpu/ternary_kernels.h"

namespace bitnet::cpu {
namespace {

TernaryVariant make_variant(std::string_view name, Isa level, void (*fill)(CpuKernels&)) {
  CpuKernels table;
  fill(table);
  return {name, level, table.gemm_t2, table.gemm_t1};
}

struct FreeDeleter {
  void operator()(void* pointer) const noexcept { std::free(pointer); }
};

struct ScratchBuffer {
  std::unique_ptr<void, FreeDeleter> memory;
  size_t capacity = 0;
};

}  // namespace

const std::vector<TernaryVariant>& ternary_variants() {
  static const std::vector<TernaryVariant> variants = [] {
    std::vector<TernaryVariant> list;
    list.push_back(make_variant("scalar", Isa::kScalar, fill_scalar_ternary_kernels));
    [[maybe_unused]] const CpuFeatures& features = cpu_info().features;
#if defined(__x86_64__)
    if (isa_available(Isa::kSse41)) {
      list.push_back(make_variant("sse4.1", Isa::kSse41, fill_sse41_ternary_kernels));
    }
    if (isa_available(Isa::kAvx2)) {
      list.push_back(make_variant("avx2", Isa::kAvx2, fill_avx2_ternary_kernels));
    }
    if (isa_available(Isa::kAvx512)) {
      list.push_back(make_variant("avx512", Isa::kAvx512, fill_avx512_ternary_kernels));
      if (features.avx512vnni) {
        list.push_back(make_variant("avx512vnni", Isa::kAvx512, fill_avx512vnni_ternary_kernels));
      }
    }
#elif defined(__aarch64__)
    list.push_back(make_variant("neon", Isa::kNeon, fill_neon_ternary_kernels));
    if (features.dotprod) {
      list.push_back(make_variant("neon-dotprod", Isa::kNeon, fill_neon_dotprod_ternary_kernels));
    }
#endif
    return list;
  }();
  return variants;
}

void fill_ternary_kernels(Isa level, CpuKernels& table) {
  for (const TernaryVariant& variant : ternary_variants()) {
    if (variant.level != level) continue;
    table.gemm_t2 = variant.gemm_t2;
    table.gemm_t1 = variant.gemm_t1;
  }
}

void* thread_scratch(int slot, size_t bytes) {
  thread_local ScratchBuffer buffers[kScratchSlots];
  ScratchBuffer& buffer = buffers[slot];
  if (buffer.capacity < bytes) {
    // Grow by half again so that a sequence of slightly larger calls does not reallocate each time.
    const size_t capacity = (bytes + bytes / 2 + 63) / 64 * 64;
    buffer.memory.reset(std::aligned_alloc(64, capacity));
    buffer.capacity = buffer.memory ? capacity : 0;
    if (!buffer.memory) throw std::bad_alloc();
  }
  return buffer.memory.get();
}

void* kernel_buffer_allocate(size_t bytes) {
  return cpu_memory_pool().allocate(bytes);
}

void kernel_buffer_free(void* block, size_t bytes) noexcept {
  cpu_memory_pool().deallocate(block, bytes);
}

}  // namespace bitnet::cpu

// The ternary GEMM variants (CpuKernels::gemm_t2 / gemm_t1): one pair per SIMD level plus
// sub-variants that need one more CPU feature than their level (AVX-512 VNNI, NEON dot product).
// dispatch.cpp installs the best variant of each level; tests and benchmarks reach every one here.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "cpu/kernels.h"

namespace bitnet::cpu {

struct TernaryVariant {
  std::string_view
      name;   // "scalar", "sse4.1", "avx2", "avx512", "avx512vnni", "neon", "neon-dotprod"
  Isa level;  // the level whose table receives it
  CpuKernels::TernaryGemm gemm_t2;
  CpuKernels::TernaryGemm gemm_t1;
};

// Every variant this build and CPU can run, scalar first; within a level, the best one last.
[[nodiscard]] const std::vector<TernaryVariant>& ternary_variants();

// Overwrites table.gemm_t2 / gemm_t1 with the best available variant of `level`.
void fill_ternary_kernels(Isa level, CpuKernels& table);

// Per-variant fillers, each defined in its own translation unit compiled with that variant's flags.
void fill_sse41_ternary_kernels(CpuKernels& table);
void fill_avx2_ternary_kernels(CpuKernels& table);
void fill_avx512_ternary_kernels(CpuKernels& table);
void fill_avx512vnni_ternary_kernels(CpuKernels& table);
void fill_neon_ternary_kernels(CpuKernels& table);
void fill_neon_dotprod_ternary_kernels(CpuKernels& table);

// A 64-byte aligned buffer of at least `bytes` owned by the calling thread, one per `slot`
// (0 .. kScratchSlots-1); it stays valid until the same thread asks for that slot again. Lives in
// a baseline translation unit so that SIMD-flagged code never instantiates library templates.
inline constexpr int kScratchSlots = 2;
[[nodiscard]] void* thread_scratch(int slot, size_t bytes);

// A 64-byte aligned block of `bytes` from the CPU memory pool, for per-call buffers too large to
// keep per thread; kernel_buffer_free(block, bytes) returns it. In the same baseline translation
// unit as thread_scratch, for the same reason.
[[nodiscard]] void* kernel_buffer_allocate(size_t bytes);
void kernel_buffer_free(void* block, size_t bytes) noexcept;

}  // namespace bitnet::cpu

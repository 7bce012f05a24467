// Ternary GEMM on AArch64 NEON with the dot-product extension (compiled with
// -march=armv8.2-a+dotprod alone; selected only when the CPU reports dotprod): SDOT adds four
// byte products per i32 lane in one instruction.
#include <arm_neon.h>

#include <cstdint>

#include "cpu/ternary_kernels.h"

namespace bitnet::cpu::ternary_neon_dotprod {

#define BITNET_TERNARY_DOTPROD 1
#include "cpu/arm/ternary_ops_neon.inc"
#undef BITNET_TERNARY_DOTPROD

#include "cpu/simd/ternary_body.inc"

}  // namespace bitnet::cpu::ternary_neon_dotprod

namespace bitnet::cpu {

void fill_neon_dotprod_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = ternary_neon_dotprod::gemm_t2_kernel;
  table.gemm_t1 = ternary_neon_dotprod::gemm_t1_kernel;
}

}  // namespace bitnet::cpu

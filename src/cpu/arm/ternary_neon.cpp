// Ternary GEMM on base AArch64 NEON: widening byte multiplies and pairwise accumulation. The
// SDOT variant lives in ternary_neon_dotprod.cpp.
#include <arm_neon.h>

#include <cstdint>

#include "cpu/ternary_kernels.h"

namespace bitnet::cpu::ternary_neon {

#define BITNET_TERNARY_DOTPROD 0
#include "cpu/arm/ternary_ops_neon.inc"
#undef BITNET_TERNARY_DOTPROD

#include "cpu/simd/ternary_body.inc"

}  // namespace bitnet::cpu::ternary_neon

namespace bitnet::cpu {

void fill_neon_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = ternary_neon::gemm_t2_kernel;
  table.gemm_t1 = ternary_neon::gemm_t1_kernel;
}

}  // namespace bitnet::cpu

// Ternary GEMM on AVX-512 with VNNI (F+BW+VL+VNNI, compiled with those flags alone; selected only
// when the CPU reports avx512vnni): VPDPBUSD multiplies u8 codes by s8 activations and adds four
// products per dword in one instruction, and kT1 uses its unsigned operand for the digit-free
// decoding described in ternary_body.inc.
#include <immintrin.h>

#include <cstdint>

#include "cpu/ternary_kernels.h"

// GCC 12 reports the deliberately undefined pass-through operand of AVX-512 intrinsics as
// (maybe-)uninitialized once they inline into loops; the operand is never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace bitnet::cpu::ternary_avx512vnni {

#define BITNET_TERNARY_VNNI 1
#include "cpu/x86/ternary_ops_avx512.inc"
#undef BITNET_TERNARY_VNNI

#include "cpu/simd/ternary_body.inc"

}  // namespace bitnet::cpu::ternary_avx512vnni

namespace bitnet::cpu {

void fill_avx512vnni_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = ternary_avx512vnni::gemm_t2_kernel;
  table.gemm_t1 = ternary_avx512vnni::gemm_t1_kernel;
}

}  // namespace bitnet::cpu

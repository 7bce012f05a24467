// Ternary GEMM on AVX-512 F+BW+VL (compiled with those flags alone): u8 codes x s8 activations
// through VPMADDUBSW and VPMADDWD. The VNNI variant lives in ternary_avx512vnni.cpp.
#include <immintrin.h>

#include <cstdint>

#include "cpu/ternary_kernels.h"

// GCC 12 reports the deliberately undefined pass-through operand of AVX-512 intrinsics as
// (maybe-)uninitialized once they inline into loops; the operand is never read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace bitnet::cpu::ternary_avx512 {

#define BITNET_TERNARY_VNNI 0
#include "cpu/x86/ternary_ops_avx512.inc"
#undef BITNET_TERNARY_VNNI

#include "cpu/simd/ternary_body.inc"

}  // namespace bitnet::cpu::ternary_avx512

namespace bitnet::cpu {

void fill_avx512_ternary_kernels(CpuKernels& table) {
  table.gemm_t2 = ternary_avx512::gemm_t2_kernel;
  table.gemm_t1 = ternary_avx512::gemm_t1_kernel;
}

}  // namespace bitnet::cpu

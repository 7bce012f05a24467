// The CPU kernel table: one function pointer per kernel, filled once per SIMD level. Kernels take
// raw pointers and lengths and assume validated input (non-overlapping unless stated, n >= 0).
#pragma once

#include <cstdint>

#include "cpu/isa.h"

namespace bitnet::cpu {

enum class ArithmeticKind { kAdd, kSub, kMul, kDiv, kMax, kMin, kCount };
enum class ActivationKind {
  kExp,
  kTanh,
  kSigmoid,
  kSilu,
  kGeluErf,
  kGeluTanh,
  kRelu,
  kRelu2,
  kCount
};

inline constexpr int kArithmeticCount = static_cast<int>(ArithmeticKind::kCount);
inline constexpr int kActivationCount = static_cast<int>(ActivationKind::kCount);

// out[i] = a[i] op b[i]; out may equal a or b (the same pointer), no other overlap.
using BinaryKernel = void (*)(const float* a, const float* b, float* out, int64_t n);
// out[i] = a[i] op s (tensor_scalar) or s op a[i] (scalar_tensor).
using BinaryScalarKernel = void (*)(const float* a, float s, float* out, int64_t n);
// out[i] = f(in[i]); out may equal in.
using UnaryKernel = void (*)(const float* in, float* out, int64_t n);

struct CpuKernels {
  Isa isa = Isa::kScalar;
  // max and min propagate NaN and keep the first operand on ties (+0 vs -0), like the reference.
  BinaryKernel binary[kArithmeticCount] = {};
  BinaryScalarKernel binary_tensor_scalar[kArithmeticCount] = {};
  BinaryScalarKernel binary_scalar_tensor[kArithmeticCount] = {};
  UnaryKernel activation[kActivationCount] = {};

  // Sum accumulated in double (exact for 1e8 + 1e7 ones); max propagates NaN (-inf for n == 0).
  double (*sum)(const float* in, int64_t n) = nullptr;
  float (*max)(const float* in, int64_t n) = nullptr;
  float (*dot)(const float* a, const float* b, int64_t n) = nullptr;
  // The same with `a` in half precision (f16 or bf16 bits), widened as it is read: a weight row
  // streamed from memory at 2 bytes an element, never written out in f32.
  float (*dot_f16)(const uint16_t* a, const float* b, int64_t n) = nullptr;
  float (*dot_bf16)(const uint16_t* a, const float* b, int64_t n) = nullptr;

  // One row: softmax and log_softmax (max-subtracted), rms_norm with optional weight (nullable;
  // squares summed in f64, so no overflow below FLT_MAX). out may equal in.
  void (*softmax)(const float* in, float* out, int64_t n) = nullptr;
  void (*log_softmax)(const float* in, float* out, int64_t n) = nullptr;
  void (*rms_norm)(const float* in, const float* weight, float* out, int64_t n,
                   float eps) = nullptr;

  // Round-to-nearest-even conversions, bit-identical with half.h at every level.
  void (*f32_to_f16)(const float* in, uint16_t* out, int64_t n) = nullptr;
  void (*f16_to_f32)(const uint16_t* in, float* out, int64_t n) = nullptr;
  void (*f32_to_bf16)(const float* in, uint16_t* out, int64_t n) = nullptr;
  void (*bf16_to_f32)(const uint16_t* in, float* out, int64_t n) = nullptr;

  // Per-token absmax int8 quantisation (BitNet b1.58): scale = 127 / max(max|x|, 1e-5),
  // out = clamp(round_half_even(x * scale), -128, 127). Returns the scale; when the row holds NaN
  // or Inf the returned scale is not finite and `out` is unspecified (the caller reports it).
  float (*quantize_absmax_i8)(const float* in, int8_t* out, int64_t n) = nullptr;

  // Ternary x int8 products, int32 results bit-identical on every level:
  //   out[c * out_stride + r] = sum_k W_t[r][k] * x[c * x_stride + k],  r < m, c < n.
  // `weights` holds m rows of `row_bytes` bytes in the kT2 (gemm_t2: k_padded a multiple of 256)
  // or kT1 (gemm_t1: a multiple of 320) layout; x is int8 and zero in [k, k_padded); x_sums[c] is
  // the sum of x's row c (kernels that multiply codes 0..2 subtract it); k_padded < 2^22.
  // Single-threaded: callers split rows and columns across the pool.
  using TernaryGemm = void (*)(const uint8_t* weights, int64_t row_bytes, int64_t m,
                               const int8_t* x, int64_t x_stride, const int32_t* x_sums, int64_t n,
                               int64_t k_padded, int32_t* out, int64_t out_stride);
  TernaryGemm gemm_t2 = nullptr;
  TernaryGemm gemm_t1 = nullptr;
};

// The table of the selected level, built on first use.
[[nodiscard]] const CpuKernels& kernels();
// The table of a given level (for tests and benchmarks); throws Error when it is not available.
// Entries a level does not implement hold the best lower level's kernel.
[[nodiscard]] const CpuKernels& kernels_for(Isa isa);

// Fillers, one per level; each overwrites only the entries it implements.
void fill_scalar_kernels(CpuKernels& table);
void fill_sse41_kernels(CpuKernels& table);
void fill_avx2_kernels(CpuKernels& table);
void fill_avx512_kernels(CpuKernels& table);
void fill_neon_kernels(CpuKernels& table);
void fill_scalar_ternary_kernels(CpuKernels& table);

}  // namespace bitnet::cpu

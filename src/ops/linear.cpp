// linear(): x * weight^T with the weight kept in its own dtype. A language model's output head is
// its largest float tensor (2B4T: 128256 x 2560, 0.66 GB in f16), read whole for every decoded
// token; widening it to f32 once at load would double that traffic, and matmul's promotion would
// widen it on every call. Here each weight row is widened in registers as the SIMD dot reads it
// (few tokens), or blocks of rows are widened for BLAS (many tokens: the product is compute-bound
// and the widening is a small part of it).
#include <algorithm>
#include <vector>

#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "blas/blas.h"
#include "core/raise.h"
#include "cpu/kernels.h"

namespace bitnet {
namespace {

// Tokens up to which each row is dotted with every token (the weights streamed once); above,
// widened blocks go through BLAS.
constexpr int64_t kMaxDotTokens = 16;
// Weight rows widened per BLAS call: 256 rows of 2560 f32 are 2.6 MB.
constexpr int64_t kBlockRows = 256;
// Rows per parallel task in the dot path: enough work to cover the hand-off.
constexpr int64_t kRowGrain = 16;

void widen(const void* row, DType dtype, int64_t count, float* out) {
  const cpu::CpuKernels& kernels = cpu::kernels();
  if (dtype == DType::kF16) {
    kernels.f16_to_f32(static_cast<const uint16_t*>(row), out, count);
  } else {
    kernels.bf16_to_f32(static_cast<const uint16_t*>(row), out, count);
  }
}

// out [tokens, rows] = x [tokens, k] * weight [rows, k]^T by the half-precision dot kernel, which
// widens the row as it reads it; the row stays in L1 across the tokens.
void dot_rows(const float* x, int64_t tokens, const char* weight, int64_t row_bytes, DType dtype,
              int64_t rows, int64_t k, float* out) {
  const cpu::CpuKernels& kernels = cpu::kernels();
  const auto dot = dtype == DType::kF16 ? kernels.dot_f16 : kernels.dot_bf16;
  parallel_for(0, rows, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const auto* bits = reinterpret_cast<const uint16_t*>(weight + row * row_bytes);
      for (int64_t token = 0; token < tokens; ++token) {
        out[token * rows + row] = dot(bits, x + token * k, k);
      }
    }
  });
}

// The same through BLAS, a block of widened rows at a time: one task per block, each widening
// into its own buffer and running a single-threaded product, so the result has the same bits for
// any number of threads (OpenBLAS's own threading picks other kernels for other thread counts).
void blocked_gemm(const float* x, int64_t tokens, const char* weight, int64_t row_bytes,
                  DType dtype, int64_t rows, int64_t k, float* out) {
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  const SingleThreadedBlas single_threaded;
  parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> wide;
    for (int64_t block = begin; block < end; ++block) {
      const int64_t start = block * kBlockRows;
      const int64_t count = std::min(kBlockRows, rows - start);
      wide.resize(static_cast<size_t>(count * k));
      for (int64_t row = 0; row < count; ++row) {
        widen(weight + (start + row) * row_bytes, dtype, k, wide.data() + row * k);
      }
      // out[:, start:start + count] = x [tokens, k] * wide [count, k]^T
      blas_gemm_f32(false, true, tokens, count, k, x, k, wide.data(), k, out + start, rows);
    }
  });
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight) {
  if (!x.defined() || !weight.defined()) {
    raise(ErrorKind::kInvalidArgument, "linear: the {} is undefined",
          x.defined() ? "weight" : "input");
  }
  if (weight.rank() != 2) {
    raise(ErrorKind::kShapeMismatch,
          "linear: the weight must be [out_features, in_features], got {}",
          to_string(weight.shape()));
  }
  if (x.dtype() != DType::kF32 || x.rank() < 1 || x.shape().back() != weight.shape()[1]) {
    raise(ErrorKind::kShapeMismatch,
          "linear: the input must be f32 [..., {}] for a weight {}, got {} {}", weight.shape()[1],
          to_string(weight.shape()), dtype_name(x.dtype()), to_string(x.shape()));
  }
  const DType dtype = weight.dtype();
  if (dtype == DType::kF32) return matmul(x, weight.transpose(0, 1));
  if (dtype != DType::kF16 && dtype != DType::kBF16) {
    raise(ErrorKind::kDTypeMismatch, "linear: the weight must be f32, f16 or bf16, got {}",
          dtype_name(dtype));
  }
  const int64_t rows = weight.shape()[0];
  const int64_t k = weight.shape()[1];
  Shape out_shape = x.shape();
  out_shape[out_shape.rank() - 1] = rows;
  const int64_t tokens = k == 0 ? 0 : x.numel() / k;
  const Tensor flat = x.contiguous().reshape({tokens, k});
  const Tensor rows_view = weight.contiguous();
  if (tokens == 0 || rows == 0 || k == 0) return Tensor::zeros(out_shape, DType::kF32);
  Tensor out = Tensor::empty({tokens, rows}, DType::kF32);
  const auto* data = static_cast<const char*>(rows_view.data());
  const auto row_bytes = static_cast<int64_t>(k * rows_view.element_size());
  if (tokens <= kMaxDotTokens) {
    dot_rows(flat.data_as<float>(), tokens, data, row_bytes, dtype, rows, k, out.data_as<float>());
  } else {
    blocked_gemm(flat.data_as<float>(), tokens, data, row_bytes, dtype, rows, k,
                 out.data_as<float>());
  }
  return out.reshape(out_shape);
}

}  // namespace bitnet

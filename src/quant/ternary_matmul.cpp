// Ternary matmul front end: shapes, activation quantization, the split of rows and columns across
// the thread pool, and the final rescale y = acc * w_scale / x_scale.
#include <algorithm>

#include "bitnet/config.h"
#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "bitnet/quant.h"
#include "core/raise.h"
#include "cpu/kernels.h"
#include "quant/ternary_matmul_int.h"

namespace bitnet {
namespace {

// How ternary_matmul_int splits the output across the pool: rows in units of kRowUnit (the
// widest GEMM row panel, so that no panel straddles two tasks), and columns too when there are
// fewer row units than threads. A task carries at least kMinTaskMultiplyAdds, below which waking
// a thread costs more than it saves.
constexpr int64_t kRowUnit = 32;
constexpr int64_t kMinTaskMultiplyAdds = int64_t{1} << 21;
constexpr int64_t kMinColumnsPerPart = 8;  // the kernels' GEMM path starts around here

struct Split {
  int64_t units;         // row units
  int64_t column_parts;  // column ranges per row unit
  int64_t grain;         // tasks (units x column_parts) per chunk, at least
};

Split plan_split(int64_t rows, int64_t columns, int64_t padded_cols) {
  const int64_t threads = num_threads();
  Split split;
  split.units = (rows + kRowUnit - 1) / kRowUnit;
  split.column_parts = 1;
  if (split.units < threads) {
    split.column_parts = std::clamp<int64_t>(threads / split.units, 1,
                                             std::max<int64_t>(1, columns / kMinColumnsPerPart));
  }
  const int64_t task_work =
      kRowUnit * padded_cols * std::max<int64_t>(1, columns / split.column_parts);
  split.grain = std::max<int64_t>(1, (kMinTaskMultiplyAdds + task_work - 1) / task_work);
  return split;
}

}  // namespace

namespace detail {

Tensor ternary_matmul_int(const QuantizedActivations& x, const TernaryTensor& weights,
                          const cpu::CpuKernels& kernels) {
  if (!weights.defined() || !x.codes.defined()) {
    raise(ErrorKind::kInvalidArgument, "ternary_matmul: undefined {}",
          weights.defined() ? "activations" : "weights");
  }
  if (x.cols != weights.cols()) {
    raise(ErrorKind::kShapeMismatch,
          "ternary_matmul: inner dimensions differ: activations have {}, weights are [{},{}]",
          x.cols, weights.rows(), weights.cols());
  }
  if (x.codes.size(1) != weights.padded_cols()) {
    raise(ErrorKind::kShapeMismatch,
          "ternary_matmul: activations are padded to {} columns, the {} weights need {}",
          x.codes.size(1), ternary_format_traits(weights.format()).name, weights.padded_cols());
  }
  const int64_t tokens = x.codes.size(0);
  const int64_t rows = weights.rows();
  Tensor out = Tensor::empty({tokens, rows}, DType::kI32);
  if (tokens == 0 || rows == 0) return out;
  const auto gemm = weights.format() == TernaryFormat::kT2 ? kernels.gemm_t2 : kernels.gemm_t1;
  const auto* packed = static_cast<const uint8_t*>(weights.packed().data());
  const int64_t row_bytes = weights.packed().strides()[0];
  const auto* codes = static_cast<const int8_t*>(x.codes.data());
  const auto* sums = static_cast<const int32_t*>(x.sums.data());
  auto* result = static_cast<int32_t*>(out.data());
  const int64_t padded = weights.padded_cols();
  const Split split = plan_split(rows, tokens, padded);
  parallel_for(0, split.units * split.column_parts, split.grain, [&](int64_t begin, int64_t end) {
    if (split.column_parts == 1) {
      // One call for the whole range: the GEMM path packs activations once per call.
      const int64_t first_row = begin * kRowUnit;
      const int64_t last_row = std::min(rows, end * kRowUnit);
      gemm(packed + first_row * row_bytes, row_bytes, last_row - first_row, codes, padded, sums,
           tokens, padded, result + first_row, rows);
      return;
    }
    for (int64_t task = begin; task < end; ++task) {
      const int64_t unit = task / split.column_parts;
      const int64_t part = task % split.column_parts;
      const int64_t first_row = unit * kRowUnit;
      const int64_t last_row = std::min(rows, first_row + kRowUnit);
      const int64_t first_column = tokens * part / split.column_parts;
      const int64_t last_column = tokens * (part + 1) / split.column_parts;
      gemm(packed + first_row * row_bytes, row_bytes, last_row - first_row,
           codes + first_column * padded, padded, sums + first_column, last_column - first_column,
           padded, result + first_column * rows + first_row, rows);
    }
  });
  return out;
}

}  // namespace detail

Tensor ternary_matmul_int(const QuantizedActivations& x, const TernaryTensor& weights) {
  return detail::ternary_matmul_int(x, weights, cpu::kernels());
}

Tensor ternary_matmul(const Tensor& x, const TernaryTensor& weights) {
  if (!x.defined() || !weights.defined()) {
    raise(ErrorKind::kInvalidArgument, "ternary_matmul: undefined {}",
          x.defined() ? "weights" : "input");
  }
  if (x.dtype() != DType::kF32 && x.dtype() != DType::kBF16 && x.dtype() != DType::kF16) {
    raise(ErrorKind::kDTypeMismatch, "ternary_matmul: input must be f32, bf16 or f16, got {}",
          dtype_name(x.dtype()));
  }
  if (x.rank() == 0 || x.size(-1) != weights.cols()) {
    raise(ErrorKind::kShapeMismatch,
          "ternary_matmul: inner dimensions differ: x is {}, weights are [{},{}]",
          to_string(x.shape()), weights.rows(), weights.cols());
  }
  const QuantizedActivations quantized = quantize_activations(x, weights.padded_cols());
  const Tensor accumulators = ternary_matmul_int(quantized, weights);
  const int64_t tokens = accumulators.size(0);
  const int64_t rows = weights.rows();
  Tensor y = Tensor::empty({tokens, rows}, DType::kF32);
  const auto* acc = static_cast<const int32_t*>(accumulators.data());
  const auto* x_scales = static_cast<const float*>(quantized.scales.data());
  auto* out = static_cast<float*>(y.data());
  // Row r's weight scale is w_scales[r * scale_stride]: stride 0 for one scale per tensor.
  const auto* w_scales = static_cast<const float*>(weights.scales().data());
  const int64_t scale_stride =
      weights.granularity() == ScaleGranularity::kPerTensor ? 0 : weights.scales().strides()[0];
  parallel_for(0, tokens, std::max<int64_t>(1, 8192 / std::max<int64_t>(rows, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t t = begin; t < end; ++t) {
                   const float inverse_x = 1.0f / x_scales[t];
                   const int32_t* token_acc = acc + t * rows;
                   float* token_out = out + t * rows;
                   if (scale_stride == 0) {
                     const float factor = w_scales[0] * inverse_x;
                     for (int64_t r = 0; r < rows; ++r) {
                       token_out[r] = static_cast<float>(token_acc[r]) * factor;
                     }
                   } else {
                     for (int64_t r = 0; r < rows; ++r) {
                       token_out[r] = static_cast<float>(token_acc[r]) *
                                      (w_scales[r * scale_stride] * inverse_x);
                     }
                   }
                 }
               });
  Shape shape = x.shape();
  shape[shape.rank() - 1] = rows;
  Tensor result = y.view(shape);
  return x.dtype() == DType::kF32 ? result : cast(result, x.dtype());
}

BitLinear::BitLinear(TernaryTensor weights, Tensor bias, Tensor norm_weight, bool use_rms_norm,
                     double rms_norm_eps)
    : weights_(std::move(weights)),
      bias_(std::move(bias)),
      norm_weight_(std::move(norm_weight)),
      use_rms_norm_(use_rms_norm),
      rms_norm_eps_(rms_norm_eps) {
  if (!weights_.defined()) raise(ErrorKind::kInvalidArgument, "BitLinear: undefined weights");
  if (bias_.defined() && (bias_.rank() != 1 || bias_.size(0) != weights_.rows())) {
    raise(ErrorKind::kShapeMismatch, "BitLinear: bias must be [{}], got {}", weights_.rows(),
          to_string(bias_.shape()));
  }
  if (norm_weight_.defined() &&
      (norm_weight_.rank() != 1 || norm_weight_.size(0) != weights_.cols())) {
    raise(ErrorKind::kShapeMismatch, "BitLinear: norm weight must be [{}], got {}", weights_.cols(),
          to_string(norm_weight_.shape()));
  }
}

Tensor BitLinear::forward(const Tensor& x) const {
  const Tensor normalized = use_rms_norm_ ? rms_norm(x, norm_weight_, rms_norm_eps_) : x;
  Tensor y = ternary_matmul(normalized, weights_);
  if (bias_.defined()) y = add(y, bias_.to(y.dtype()));
  return y;
}

}  // namespace bitnet

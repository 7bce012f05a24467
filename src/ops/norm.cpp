// rms_norm and layer_norm over the last axis. Rows run in parallel; each is computed in float
// (double for f64 input) with the row statistics accumulated in double, and written in x's dtype.
#include <algorithm>
#include <cmath>
#include <vector>

#include "bitnet/ops.h"
#include "core/raise.h"
#include "cpu/kernels.h"
#include "ops/reduce_kernels.h"
#include "ops/reduce_plan.h"
#include "tensor/convert.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"
#include "tensor/element_loop.h"

namespace bitnet {
namespace {

enum class NormKind { kRms, kLayer };

// Checks x and eps; a 0-d x is one row of one element.
void check_input(const char* op, const Tensor& x, double eps) {
  if (!x.defined()) raise(ErrorKind::kInvalidArgument, "{}: the input is undefined", op);
  if (!is_floating(x.dtype())) {
    raise(ErrorKind::kDTypeMismatch, "{}: needs a floating dtype, got {} (cast first)", op,
          dtype_name(x.dtype()));
  }
  if (!(eps >= 0.0) || !std::isfinite(eps)) {
    raise(ErrorKind::kInvalidArgument, "{}: eps must be finite and non-negative, got {}", op, eps);
  }
}

// An optional per-column parameter as compute values; empty when absent. Its shape must be x's
// last dimension ([] for a 0-d x, whose "row" has no dimension).
template <typename C>
std::vector<C> column_parameter(const char* op, const char* name, const Tensor& parameter,
                                const Tensor& x) {
  if (!parameter.defined()) return {};
  const Shape expected = x.rank() == 0 ? Shape{} : Shape{x.shape().back()};
  if (parameter.shape() != expected) {
    raise(ErrorKind::kShapeMismatch,
          "{}: {} has shape {}, expected {} (the last dimension of x {})", op, name,
          to_string(parameter.shape()), to_string(expected), to_string(x.shape()));
  }
  return parameter.to_vector<C>();
}

// One row: reads input[i * input_stride], writes output[i] for i < length; weight and bias are
// null when absent. `buffer` holds `length` compute values.
template <NormKind kKind, typename T, typename C>
void normalize_row(const T* input, int64_t input_stride, T* output, int64_t length, const C* weight,
                   const C* bias, double eps, C* buffer) noexcept {
  const C* values = buffer;
  if constexpr (std::is_same_v<T, C>) {
    if (input_stride == 1) values = input;
  }
  if (values == buffer) {
    for (int64_t i = 0; i < length; ++i) buffer[i] = static_cast<C>(input[i * input_stride]);
  }
  if constexpr (kKind == NormKind::kRms && std::is_same_v<C, float>) {
    // f32 rows run on the dispatched SIMD kernel (f64 sum of squares, as below).
    const auto row_kernel = cpu::kernels().rms_norm;
    if constexpr (std::is_same_v<T, float>) {
      row_kernel(values, weight, output, length, static_cast<float>(eps));
    } else {
      row_kernel(values, weight, buffer, length, static_cast<float>(eps));
      for (int64_t i = 0; i < length; ++i) output[i] = convert_element<T, C>(buffer[i]);
    }
    return;
  }
  const double count = static_cast<double>(length);
  double center = 0.0;
  if constexpr (kKind == NormKind::kLayer) {
    center = sum_as_double(values, length, 1) / count;
  }
  // Mean of squares (rms) or of squared deviations from the mean (layer: two passes, no
  // cancellation); four accumulators so the loop is not bound by add latency.
  double lanes[4] = {};
  int64_t i = 0;
  for (; i + 4 <= length; i += 4) {
    for (int lane = 0; lane < 4; ++lane) {
      const double deviation = static_cast<double>(values[i + lane]) - center;
      lanes[lane] += deviation * deviation;
    }
  }
  for (; i < length; ++i) {
    const double deviation = static_cast<double>(values[i]) - center;
    lanes[0] += deviation * deviation;
  }
  const double spread = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) / count;
  const C scale = static_cast<C>(1.0 / std::sqrt(spread + eps));
  const C shift = static_cast<C>(center);
  for (i = 0; i < length; ++i) {
    C result = (values[i] - shift) * scale;
    if (weight != nullptr) result *= weight[i];
    if (bias != nullptr) result += bias[i];
    output[i] = convert_element<T, C>(result);
  }
}

template <NormKind kKind>
Tensor normalize(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                 double eps) {
  check_input(op, x, eps);
  Tensor out = allocate_tensor(x.shape(), x.dtype());
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (is_float_storage_v<T>) {
      using C = compute_t<T>;
      const std::vector<C> weights = column_parameter<C>(op, "weight", weight, x);
      const std::vector<C> biases = column_parameter<C>(op, "bias", bias, x);
      if (out.numel() == 0) return;
      const int last_axis = x.rank() - 1;
      const int64_t length = x.rank() == 0 ? 1 : x.shape().back();
      const int64_t input_stride = x.rank() == 0 ? 1 : x.strides().back();
      ReduceDimension rows[kMaxRank];
      const int row_rank = line_dimensions(x, last_axis, rows);
      const T* input = static_cast<const T*>(x.data());
      T* output = static_cast<T*>(out.data());
      const C* weight_data = weights.empty() ? nullptr : weights.data();
      const C* bias_data = biases.empty() ? nullptr : biases.data();
      const int64_t grain = std::max<int64_t>(1, kParallelGrain / length);
      parallel_for(0, x.numel() / length, grain, [&](int64_t first, int64_t last) {
        std::vector<C> buffer(static_cast<size_t>(length));
        DimensionWalker walker(rows, row_rank, first);
        for (int64_t row = first; row < last; ++row, walker.advance(1)) {
          normalize_row<kKind, T, C>(input + walker.input_offset(), input_stride,
                                     output + walker.output_offset(), length, weight_data,
                                     bias_data, eps, buffer.data());
        }
      });
    }
  });
  return out;
}

}  // namespace

Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps) {
  return normalize<NormKind::kRms>("rms_norm", x, weight, Tensor{}, eps);
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  return normalize<NormKind::kLayer>("layer_norm", x, weight, bias, eps);
}

}  // namespace bitnet

// softmax and log_softmax along any axis. Each line along the axis is read into a compute buffer
// (float for f16/bf16/f32, double for f64), shifted by its maximum so exp never overflows
// (softmax(x) = softmax(x - max x)), and written to a contiguous result. Lines run in parallel;
// lines that sit side by side in memory (axis not innermost) are processed in groups.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "bitnet/ops.h"
#include "core/raise.h"
#include "cpu/kernels.h"
#include "ops/reduce_kernels.h"
#include "ops/reduce_plan.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"
#include "tensor/element_loop.h"

namespace bitnet {
namespace {

// Largest value of a line, NaN when any is NaN (so a NaN spreads over its line, as in PyTorch).
template <typename C>
C line_maximum(const C* values, int64_t length) noexcept {
  if constexpr (std::is_same_v<C, float>) {
    return max_f32_contiguous(values, length);
  } else {
    C peak = -std::numeric_limits<C>::infinity();
    for (int64_t i = 0; i < length; ++i) {
      if (replaces<true>(values[i], peak)) peak = values[i];
    }
    return peak;
  }
}

// One line: reads `length` elements at input[i * input_stride], writes output[i * output_stride].
// `buffer` holds `length` compute values. A line of -inf gives NaN (its maximum is -inf and
// -inf - -inf is NaN), as PyTorch does; -inf among finite values gives 0 (log: -inf).
template <typename T, typename C>
void softmax_line(const T* input, int64_t input_stride, T* output, int64_t output_stride,
                  int64_t length, bool log, C* buffer) noexcept {
  const C* values = buffer;
  if constexpr (std::is_same_v<T, C>) {
    if (input_stride == 1) values = input;
  }
  if (values == buffer) {
    for (int64_t i = 0; i < length; ++i) buffer[i] = static_cast<C>(input[i * input_stride]);
  }
  if constexpr (std::is_same_v<C, float>) {
    // f32 lines run on the dispatched SIMD row kernels; other strides and dtypes go through
    // `buffer` (the kernels accept out == in).
    const cpu::CpuKernels& kernels = cpu::kernels();
    const auto row_kernel = log ? kernels.log_softmax : kernels.softmax;
    if constexpr (std::is_same_v<T, float>) {
      if (output_stride == 1) {
        row_kernel(values, output, length);
        return;
      }
    }
    row_kernel(values, buffer, length);
    for (int64_t i = 0; i < length; ++i)
      output[i * output_stride] = convert_element<T, C>(buffer[i]);
    return;
  }
  const C peak = line_maximum(values, length);
  C total = 0;
  if (log) {
    for (int64_t i = 0; i < length; ++i) total += std::exp(values[i] - peak);
    const C log_total = std::log(total);
    for (int64_t i = 0; i < length; ++i) {
      output[i * output_stride] = convert_element<T, C>(values[i] - peak - log_total);
    }
    return;
  }
  for (int64_t i = 0; i < length; ++i) {
    const C exponential = std::exp(values[i] - peak);
    buffer[i] = exponential;  // values[i] is not read again (values may be buffer)
    total += exponential;
  }
  const C scale = C(1) / total;
  for (int64_t i = 0; i < length; ++i) {
    output[i * output_stride] = convert_element<T, C>(buffer[i] * scale);
  }
}

// Lines side by side in memory: when the axis is not the innermost dimension but the last one is
// contiguous, kLineGroup neighbouring lines are processed together, so each read takes a run of
// kLineGroup elements instead of one element per cache line (a [4096,4096] f32 softmax over axis
// 0 was gather-bound at over 5x the time of the last axis).
constexpr int64_t kLineGroup = 16;

// `width` (<= kLineGroup) lines starting at input / output, neighbours one element apart, each
// `length` long at input_stride / output_stride. `tile` holds length * kLineGroup values; lanes
// past `width` hold 0 and are computed but never written.
template <typename T, typename C>
void softmax_line_group(const T* input, int64_t input_stride, T* output, int64_t output_stride,
                        int64_t length, int64_t width, bool log, C* tile) noexcept {
  for (int64_t i = 0; i < length; ++i) {
    C* row = tile + i * kLineGroup;
    for (int64_t b = 0; b < width; ++b) row[b] = static_cast<C>(input[i * input_stride + b]);
    for (int64_t b = width; b < kLineGroup; ++b) row[b] = 0;
  }
  C peak[kLineGroup];
  C total[kLineGroup];
  for (int64_t b = 0; b < kLineGroup; ++b) {
    peak[b] = -std::numeric_limits<C>::infinity();
    total[b] = 0;
  }
  for (int64_t i = 0; i < length; ++i) {
    const C* row = tile + i * kLineGroup;
    for (int64_t b = 0; b < kLineGroup; ++b) {
      peak[b] = replaces<true>(row[b], peak[b]) ? row[b] : peak[b];
    }
  }
  for (int64_t i = 0; i < length; ++i) {
    C* row = tile + i * kLineGroup;
    for (int64_t b = 0; b < kLineGroup; ++b) {
      const C exponential = std::exp(row[b] - peak[b]);
      total[b] += exponential;
      if (!log) row[b] = exponential;
    }
  }
  for (int64_t b = 0; b < kLineGroup; ++b) total[b] = log ? std::log(total[b]) : C(1) / total[b];
  for (int64_t i = 0; i < length; ++i) {
    const C* row = tile + i * kLineGroup;
    T* target = output + i * output_stride;
    for (int64_t b = 0; b < width; ++b) {
      target[b] = convert_element<T, C>(log ? row[b] - peak[b] - total[b] : row[b] * total[b]);
    }
  }
}

Tensor softmax_impl(const char* op, const Tensor& x, int64_t axis, bool log) {
  if (!x.defined()) raise(ErrorKind::kInvalidArgument, "{}: the tensor is undefined", op);
  if (!is_floating(x.dtype())) {
    raise(ErrorKind::kDTypeMismatch, "{}: needs a floating dtype, got {} (cast first)", op,
          dtype_name(x.dtype()));
  }
  // A 0-d tensor is one line of one element (axis 0 or -1).
  int line_axis = -1;
  if (x.rank() > 0) {
    line_axis = normalize_axis(axis, x.rank(), op);
  } else if (axis < -1 || axis > 0) {
    raise(ErrorKind::kIndexOutOfRange, "{}: axis {} is out of range for a tensor of rank 0", op,
          axis);
  }
  Tensor out = allocate_tensor(x.shape(), x.dtype());
  if (out.numel() == 0) return out;
  const int64_t length = line_axis < 0 ? 1 : x.shape()[line_axis];
  const int64_t input_stride = line_axis < 0 ? 1 : x.strides()[line_axis];
  const int64_t output_stride = line_axis < 0 ? 1 : out.strides()[line_axis];
  ReduceDimension lines[kMaxRank];
  const int line_rank = line_dimensions(x, line_axis, lines);
  const int64_t line_count = x.numel() / length;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (is_float_storage_v<T>) {
      using C = compute_t<T>;
      const T* input = static_cast<const T*>(x.data());
      T* output = static_cast<T*>(out.data());
      const ReduceDimension& neighbours = lines[std::max(line_rank - 1, 0)];
      if (input_stride != 1 && line_rank > 0 && neighbours.input_stride == 1 &&
          neighbours.output_stride == 1) {
        const int64_t groups_per_row = (neighbours.size + kLineGroup - 1) / kLineGroup;
        const int64_t task_count = line_count / neighbours.size * groups_per_row;
        const int64_t grain = std::max<int64_t>(1, kParallelGrain / (length * kLineGroup));
        parallel_for(0, task_count, grain, [&](int64_t first, int64_t last) {
          std::vector<C> tile(static_cast<size_t>(length * kLineGroup));
          for (int64_t task = first; task < last; ++task) {
            const DimensionWalker walker(lines, line_rank - 1, task / groups_per_row);
            const int64_t first_line = task % groups_per_row * kLineGroup;
            softmax_line_group<T, C>(input + walker.input_offset() + first_line, input_stride,
                                     output + walker.output_offset() + first_line, output_stride,
                                     length, std::min(kLineGroup, neighbours.size - first_line),
                                     log, tile.data());
          }
        });
        return;
      }
      const int64_t grain = std::max<int64_t>(1, kParallelGrain / length);
      parallel_for(0, line_count, grain, [&](int64_t first, int64_t last) {
        std::vector<C> buffer(static_cast<size_t>(length));
        DimensionWalker walker(lines, line_rank, first);
        for (int64_t line = first; line < last; ++line, walker.advance(1)) {
          softmax_line<T, C>(input + walker.input_offset(), input_stride,
                             output + walker.output_offset(), output_stride, length, log,
                             buffer.data());
        }
      });
    }
  });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t axis) {
  return softmax_impl("softmax", x, axis, false);
}

Tensor log_softmax(const Tensor& x, int64_t axis) {
  return softmax_impl("log_softmax", x, axis, true);
}

}  // namespace bitnet

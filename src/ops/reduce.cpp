// Reductions: sum, prod, mean, var, std, max, min, argmax, argmin. The front ends check axes and
// pick the result dtype; ReduceDriver (reduce_driver.h) walks the input, reducers
// (reduce_kernels.h) do the arithmetic.
#include <optional>
#include <type_traits>
#include <vector>

#include "bitnet/ops.h"
#include "core/raise.h"
#include "ops/reduce_driver.h"
#include "ops/reduce_kernels.h"
#include "ops/reduce_plan.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"

namespace bitnet {
namespace {

void require_defined(const Tensor& x, const char* op) {
  if (!x.defined()) raise(ErrorKind::kInvalidArgument, "{}: the tensor is undefined", op);
}

// max, min, argmax and argmin have no value for zero elements.
void require_nonempty_reduction(const char* op, const Tensor& x, uint32_t mask) {
  for (int d = 0; d < x.rank(); ++d) {
    if ((mask >> d & 1u) != 0 && x.shape()[d] == 0) {
      raise(ErrorKind::kInvalidArgument,
            "{}: cannot reduce over an empty dimension of shape {} (axis {} has size 0)", op,
            to_string(x.shape()), d);
    }
  }
}

template <typename T>
const T* input_data(const Tensor& x) {
  // Precondition: x holds T (the caller dispatched on x.dtype()).
  return static_cast<const T*>(x.data());
}

// The floating type mean/var/std of T give: floats keep theirs, others f32.
template <typename T>
using FloatingResult = std::conditional_t<is_float_storage_v<T>, T, float>;

Tensor sum_or_mean(const char* op, const Tensor& x, const std::vector<int64_t>& axes, bool keepdim,
                   bool mean) {
  require_defined(x, op);
  const ReduceAxes resolved = resolve_reduce_axes(op, x, axes, keepdim);
  const DType out_dtype =
      mean ? to_floating(x.dtype()) : (is_floating(x.dtype()) ? x.dtype() : DType::kI64);
  Tensor out = allocate_tensor(resolved.output_shape, out_dtype);
  if (out.numel() == 0) return out;
  const ReducePlan plan = make_reduce_plan(x, resolved.mask, false);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (mean) {
      using Out = FloatingResult<T>;
      run_reduction(plan, input_data<T>(x), static_cast<Out*>(out.data()),
                    DoubleSumReducer<T, Out>{plan.reduce_count, true});
    } else if constexpr (is_float_storage_v<T>) {
      run_reduction(plan, input_data<T>(x), static_cast<T*>(out.data()),
                    DoubleSumReducer<T, T>{plan.reduce_count, false});
    } else {
      run_reduction(plan, input_data<T>(x), static_cast<int64_t*>(out.data()),
                    IntegerSumReducer<T>{});
    }
  });
  return out;
}

Tensor variance(const char* op, const Tensor& x, const std::vector<int64_t>& axes,
                int64_t correction, bool keepdim, bool square_root) {
  require_defined(x, op);
  const ReduceAxes resolved = resolve_reduce_axes(op, x, axes, keepdim);
  Tensor out = allocate_tensor(resolved.output_shape, to_floating(x.dtype()));
  if (out.numel() == 0) return out;
  const ReducePlan plan = make_reduce_plan(x, resolved.mask, false);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Out = FloatingResult<T>;
    // Two passes (the mean, then squared deviations from it) avoid the cancellation of
    // E[x^2] - E[x]^2 (Chan, Golub and LeVeque, 1983).
    std::vector<double> means(static_cast<size_t>(plan.output_count));
    run_reduction(plan, input_data<T>(x), means.data(),
                  DoubleSumReducer<T, double>{plan.reduce_count, true});
    run_reduction(
        plan, input_data<T>(x), static_cast<Out*>(out.data()),
        SquaredDeviationReducer<T, Out>{means.data(), plan.reduce_count, correction, square_root});
  });
  return out;
}

template <bool kMax>
Tensor extremum(const char* op, const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  require_defined(x, op);
  const ReduceAxes resolved = resolve_reduce_axes(op, x, axes, keepdim);
  require_nonempty_reduction(op, x, resolved.mask);
  Tensor out = allocate_tensor(resolved.output_shape, x.dtype());
  if (out.numel() == 0) return out;
  const ReducePlan plan = make_reduce_plan(x, resolved.mask, false);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_reduction(plan, input_data<T>(x), static_cast<T*>(out.data()), ExtremumReducer<T, kMax>{});
  });
  return out;
}

template <bool kMax>
Tensor arg_extremum(const char* op, const Tensor& x, std::optional<int64_t> axis, bool keepdim) {
  require_defined(x, op);
  const std::vector<int64_t> axes = axis ? std::vector<int64_t>{*axis} : std::vector<int64_t>{};
  const ReduceAxes resolved = resolve_reduce_axes(op, x, axes, keepdim);
  require_nonempty_reduction(op, x, resolved.mask);
  Tensor out = allocate_tensor(resolved.output_shape, DType::kI64);
  if (out.numel() == 0) return out;
  // Without an axis the index is into the row-major flattening, so keep the reduced order.
  const ReducePlan plan = make_reduce_plan(x, resolved.mask, !axis.has_value());
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_reduction(plan, input_data<T>(x), static_cast<int64_t*>(out.data()),
                  ArgExtremumReducer<T, kMax>{});
  });
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return sum_or_mean("sum", x, axes, keepdim, false);
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return sum_or_mean("mean", x, axes, keepdim, true);
}

Tensor prod(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  require_defined(x, "prod");
  const ReduceAxes resolved = resolve_reduce_axes("prod", x, axes, keepdim);
  Tensor out =
      allocate_tensor(resolved.output_shape, is_floating(x.dtype()) ? x.dtype() : DType::kI64);
  if (out.numel() == 0) return out;
  const ReducePlan plan = make_reduce_plan(x, resolved.mask, false);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Reducer = ProductReducer<T>;
    run_reduction(plan, input_data<T>(x), static_cast<typename Reducer::Output*>(out.data()),
                  Reducer{});
  });
  return out;
}

Tensor var(const Tensor& x, const std::vector<int64_t>& axes, int64_t correction, bool keepdim) {
  return variance("var", x, axes, correction, keepdim, false);
}

Tensor std(const Tensor& x, const std::vector<int64_t>& axes, int64_t correction, bool keepdim) {
  return variance("std", x, axes, correction, keepdim, true);
}

Tensor max(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return extremum<true>("max", x, axes, keepdim);
}

Tensor min(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return extremum<false>("min", x, axes, keepdim);
}

Tensor argmax(const Tensor& x, std::optional<int64_t> axis, bool keepdim) {
  return arg_extremum<true>("argmax", x, axis, keepdim);
}

Tensor argmin(const Tensor& x, std::optional<int64_t> axis, bool keepdim) {
  return arg_extremum<false>("argmin", x, axis, keepdim);
}

}  // namespace bitnet

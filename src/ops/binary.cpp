// Element-wise binary ops: argument checks, broadcasting and dtype promotion (front end) and the
// strided reference kernels (contiguous and scalar-broadcast runs get their own loops so the
// compiler vectorises them).
#include <cmath>
#include <limits>

#include "bitnet/ops.h"
#include "core/raise.h"
#include "cpu/kernels.h"
#include "ops/binary_functors.h"
#include "tensor/convert.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"
#include "tensor/element_loop.h"

namespace bitnet {
namespace {

bool is_comparison(BinaryOp op) {
  return op >= BinaryOp::kEq;
}

// Runs out[i] = f(a[i], b[i]) over one run, with In the input storage type and Out the output's.
template <typename In, typename Out, typename Function>
void binary_run(char* const* pointers, const int64_t* strides, int64_t count, Function function) {
  using C = compute_t<In>;
  // Precondition: each pointer addresses `count` elements at its stride (validated views).
  Out* out = reinterpret_cast<Out*>(pointers[0]);
  const In* a = reinterpret_cast<const In*>(pointers[1]);
  const In* b = reinterpret_cast<const In*>(pointers[2]);
  constexpr int64_t in_size = sizeof(In);
  if (strides[0] == sizeof(Out) && strides[1] == in_size && strides[2] == in_size) {
    for (int64_t i = 0; i < count; ++i) out[i] = Out(function(C(a[i]), C(b[i])));
  } else if (strides[0] == sizeof(Out) && strides[1] == in_size && strides[2] == 0) {
    const C scalar = C(*b);
    for (int64_t i = 0; i < count; ++i) out[i] = Out(function(C(a[i]), scalar));
  } else if (strides[0] == sizeof(Out) && strides[1] == 0 && strides[2] == in_size) {
    const C scalar = C(*a);
    for (int64_t i = 0; i < count; ++i) out[i] = Out(function(scalar, C(b[i])));
  } else {
    for (int64_t i = 0; i < count; ++i) {
      const C x = C(*reinterpret_cast<const In*>(pointers[1] + i * strides[1]));
      const C y = C(*reinterpret_cast<const In*>(pointers[2] + i * strides[2]));
      *reinterpret_cast<Out*>(pointers[0] + i * strides[0]) = Out(function(x, y));
    }
  }
}

// The SIMD arithmetic kernel for Op, or kCount when there is none (pow, comparisons).
template <BinaryOp Op>
constexpr cpu::ArithmeticKind simd_arithmetic() {
  if constexpr (Op == BinaryOp::kAdd) return cpu::ArithmeticKind::kAdd;
  if constexpr (Op == BinaryOp::kSub) return cpu::ArithmeticKind::kSub;
  if constexpr (Op == BinaryOp::kMul) return cpu::ArithmeticKind::kMul;
  if constexpr (Op == BinaryOp::kDiv) return cpu::ArithmeticKind::kDiv;
  if constexpr (Op == BinaryOp::kMaximum) return cpu::ArithmeticKind::kMax;
  if constexpr (Op == BinaryOp::kMinimum) return cpu::ArithmeticKind::kMin;
  return cpu::ArithmeticKind::kCount;
}

// simd_arithmetic for an op known only at run time.
cpu::ArithmeticKind simd_arithmetic(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return simd_arithmetic<BinaryOp::kAdd>();
    case BinaryOp::kSub:
      return simd_arithmetic<BinaryOp::kSub>();
    case BinaryOp::kMul:
      return simd_arithmetic<BinaryOp::kMul>();
    case BinaryOp::kDiv:
      return simd_arithmetic<BinaryOp::kDiv>();
    case BinaryOp::kMaximum:
      return simd_arithmetic<BinaryOp::kMaximum>();
    case BinaryOp::kMinimum:
      return simd_arithmetic<BinaryOp::kMinimum>();
    default:
      return cpu::ArithmeticKind::kCount;
  }
}

// f32 arithmetic: contiguous runs and scalar-broadcast runs go to the dispatched SIMD kernels
// (bit-identical to the scalar definitions); other strides take the strided loop.
template <BinaryOp Op>
void run_f32_arithmetic(const ElementLoop<3>& loop) {
  constexpr int kind = static_cast<int>(simd_arithmetic<Op>());
  const cpu::CpuKernels& kernels = cpu::kernels();
  const cpu::BinaryKernel contiguous = kernels.binary[kind];
  const cpu::BinaryScalarKernel tensor_scalar = kernels.binary_tensor_scalar[kind];
  const cpu::BinaryScalarKernel scalar_tensor = kernels.binary_scalar_tensor[kind];
  run_element_loop(loop, [=](char* const* pointers, const int64_t* strides, int64_t count) {
    // Precondition: each pointer addresses `count` floats at its stride.
    float* out = reinterpret_cast<float*>(pointers[0]);
    const float* a = reinterpret_cast<const float*>(pointers[1]);
    const float* b = reinterpret_cast<const float*>(pointers[2]);
    if (strides[0] == 4 && strides[1] == 4 && strides[2] == 4) return contiguous(a, b, out, count);
    if (strides[0] == 4 && strides[1] == 4 && strides[2] == 0)
      return tensor_scalar(a, *b, out, count);
    if (strides[0] == 4 && strides[1] == 0 && strides[2] == 4)
      return scalar_tensor(b, *a, out, count);
    binary_run<float, float>(pointers, strides, count, apply_binary<Op, float>);
  });
}

template <BinaryOp Op>
void run_binary_kernel(const ElementLoop<3>& loop, DType compute_dtype) {
  visit_dtype(compute_dtype, [&](auto tag) {
    using In = typename decltype(tag)::type;
    using C = compute_t<In>;
    if constexpr (Op == BinaryOp::kDiv && !std::is_floating_point_v<C>) {
      raise(ErrorKind::kInternal, "div: reached the kernel with non-floating dtype");
    } else {
      using Result = decltype(apply_binary<Op, C>(C{}, C{}));
      using Out = std::conditional_t<std::is_same_v<Result, bool>, bool, In>;
      if constexpr (std::is_same_v<In, float> &&
                    simd_arithmetic<Op>() != cpu::ArithmeticKind::kCount) {
        run_f32_arithmetic<Op>(loop);
        return;
      }
      run_element_loop(loop, [](char* const* pointers, const int64_t* strides, int64_t count) {
        binary_run<In, Out>(pointers, strides, count, apply_binary<Op, C>);
      });
    }
  });
}

void run_binary(BinaryOp op, const ElementLoop<3>& loop, DType compute_dtype) {
  switch (op) {
    case BinaryOp::kAdd:
      return run_binary_kernel<BinaryOp::kAdd>(loop, compute_dtype);
    case BinaryOp::kSub:
      return run_binary_kernel<BinaryOp::kSub>(loop, compute_dtype);
    case BinaryOp::kMul:
      return run_binary_kernel<BinaryOp::kMul>(loop, compute_dtype);
    case BinaryOp::kDiv:
      return run_binary_kernel<BinaryOp::kDiv>(loop, compute_dtype);
    case BinaryOp::kMaximum:
      return run_binary_kernel<BinaryOp::kMaximum>(loop, compute_dtype);
    case BinaryOp::kMinimum:
      return run_binary_kernel<BinaryOp::kMinimum>(loop, compute_dtype);
    case BinaryOp::kPow:
      return run_binary_kernel<BinaryOp::kPow>(loop, compute_dtype);
    case BinaryOp::kEq:
      return run_binary_kernel<BinaryOp::kEq>(loop, compute_dtype);
    case BinaryOp::kNe:
      return run_binary_kernel<BinaryOp::kNe>(loop, compute_dtype);
    case BinaryOp::kLt:
      return run_binary_kernel<BinaryOp::kLt>(loop, compute_dtype);
    case BinaryOp::kLe:
      return run_binary_kernel<BinaryOp::kLe>(loop, compute_dtype);
    case BinaryOp::kGt:
      return run_binary_kernel<BinaryOp::kGt>(loop, compute_dtype);
    case BinaryOp::kGe:
      return run_binary_kernel<BinaryOp::kGe>(loop, compute_dtype);
  }
}

// The dtype the kernel reads its inputs in.
DType compute_dtype_for(BinaryOp op, DType a, DType b) {
  return is_comparison(op) ? promote_types(a, b) : binary_result_dtype(op, a, b);
}

void check_operands(BinaryOp op, const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) {
    raise(ErrorKind::kInvalidArgument, "{}: the {} operand is undefined", binary_op_name(op),
          a.defined() ? "second" : "first");
  }
  if ((op == BinaryOp::kSub || op == BinaryOp::kPow) && a.dtype() == DType::kBool &&
      b.dtype() == DType::kBool) {
    raise(ErrorKind::kDTypeMismatch,
          "{}: not defined for two bool tensors (use ne or logical combinations)",
          binary_op_name(op));
  }
}

// True when `view` reads exactly the elements `out` writes, in the same positions.
bool same_view(const Tensor& view, const Tensor& out) {
  return view.data() == out.data() && view.strides() == out.strides();
}

// Bit width category: 0 bool, 1 integer, 2 floating.
int kind_rank(DType dtype) {
  return dtype == DType::kBool ? 0 : is_integral(dtype) ? 1 : 2;
}

}  // namespace

const char* binary_op_name(BinaryOp op) noexcept {
  switch (op) {
    case BinaryOp::kAdd:
      return "add";
    case BinaryOp::kSub:
      return "sub";
    case BinaryOp::kMul:
      return "mul";
    case BinaryOp::kDiv:
      return "div";
    case BinaryOp::kMaximum:
      return "maximum";
    case BinaryOp::kMinimum:
      return "minimum";
    case BinaryOp::kPow:
      return "pow";
    case BinaryOp::kEq:
      return "eq";
    case BinaryOp::kNe:
      return "ne";
    case BinaryOp::kLt:
      return "lt";
    case BinaryOp::kLe:
      return "le";
    case BinaryOp::kGt:
      return "gt";
    case BinaryOp::kGe:
      return "ge";
  }
  return "binary";
}

DType binary_result_dtype(BinaryOp op, DType a, DType b) noexcept {
  if (is_comparison(op)) return DType::kBool;
  const DType promoted = promote_types(a, b);
  if (op == BinaryOp::kDiv) return to_floating(promoted);
  return promoted;
}

void binary_out(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  check_operands(op, a, b);
  const char* name = binary_op_name(op);
  if (!out.defined()) raise(ErrorKind::kInvalidArgument, "{}: the output is undefined", name);
  const Shape shape =
      a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), name);
  if (shape != out.shape()) {
    raise(ErrorKind::kShapeMismatch, "{}: output shape {} differs from the broadcast shape {}",
          name, to_string(out.shape()), to_string(shape));
  }
  for (int d = 0; d < out.rank() && out.numel() > 1; ++d) {
    // A broadcast output repeats memory locations: one element would be written (and, in place,
    // read back) more than once, racing across threads.
    if (out.strides()[d] == 0 && out.shape()[d] > 1) {
      raise(ErrorKind::kInvalidArgument,
            "{}: the output (shape {}, strides {}) is a broadcast view whose elements share memory",
            name, to_string(out.shape()), to_string(out.strides()));
    }
  }
  const DType result_dtype = binary_result_dtype(op, a.dtype(), b.dtype());
  if (kind_rank(result_dtype) > kind_rank(out.dtype())) {
    raise(ErrorKind::kDTypeMismatch, "{}: result type {} cannot be stored in an output of {}", name,
          dtype_name(result_dtype), dtype_name(out.dtype()));
  }
  const DType compute_dtype = compute_dtype_for(op, a.dtype(), b.dtype());
  Tensor lhs = a.dtype() == compute_dtype ? a : cast(a, compute_dtype);
  Tensor rhs = b.dtype() == compute_dtype ? b : cast(b, compute_dtype);
  const bool lhs_single = lhs.numel() == 1;
  const bool rhs_single = rhs.numel() == 1;
  if (lhs.shape() != shape) lhs = lhs.expand(shape);
  if (rhs.shape() != shape) rhs = rhs.expand(shape);
  // Writing into storage an input still reads is only safe element-for-element.
  if (lhs.shares_storage(out) && !same_view(lhs, out)) lhs = lhs.clone();
  if (rhs.shares_storage(out) && !same_view(rhs, out)) rhs = rhs.clone();
  const bool direct = out.dtype() == result_dtype;
  // Contiguous f32 output and operands (each of the output's shape or a single element), below the
  // size that would use threads: one kernel call. The iteration engine's set-up (coalescing dims,
  // per-run dispatch) was most of the time of a 1000-element add.
  const cpu::ArithmeticKind kind = simd_arithmetic(op);
  if (direct && compute_dtype == DType::kF32 && result_dtype == DType::kF32 &&
      kind != cpu::ArithmeticKind::kCount && out.numel() < 2 * kParallelGrain &&
      out.is_contiguous()) {
    const cpu::CpuKernels& kernels = cpu::kernels();
    const int index = static_cast<int>(kind);
    const auto* a_data = static_cast<const float*>(lhs.data());
    const auto* b_data = static_cast<const float*>(rhs.data());
    auto* out_data = static_cast<float*>(out.data());
    if (lhs.is_contiguous() && rhs.is_contiguous()) {
      kernels.binary[index](a_data, b_data, out_data, out.numel());
      return;
    }
    if (lhs.is_contiguous() && rhs_single) {
      kernels.binary_tensor_scalar[index](a_data, *b_data, out_data, out.numel());
      return;
    }
    if (lhs_single && rhs.is_contiguous()) {
      kernels.binary_scalar_tensor[index](b_data, *a_data, out_data, out.numel());
      return;
    }
  }
  const Tensor target = direct ? out : allocate_tensor(shape, result_dtype);
  run_binary(op, make_element_loop<3>(shape, {&target, &lhs, &rhs}), compute_dtype);
  if (!direct) copy_elements(target, out);
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_operands(op, a, b);
  const Shape shape = a.shape() == b.shape()
                          ? a.shape()
                          : broadcast_shapes(a.shape(), b.shape(), binary_op_name(op));
  Tensor out = allocate_tensor(shape, binary_result_dtype(op, a.dtype(), b.dtype()));
  binary_out(op, a, b, out);
  return out;
}

Tensor scalar_like(double value, DType dtype) {
  const bool integral_value = std::isfinite(value) && std::trunc(value) == value;
  DType scalar_dtype = dtype;
  if (!integral_value && !is_floating(dtype)) {
    scalar_dtype = DType::kF32;
  } else if (dtype == DType::kBool) {
    scalar_dtype = DType::kI64;
  } else if (is_integral(dtype)) {
    const double low = visit_dtype(dtype, [](auto tag) {
      return static_cast<double>(std::numeric_limits<typename decltype(tag)::type>::lowest());
    });
    const double high = visit_dtype(dtype, [](auto tag) {
      return static_cast<double>(std::numeric_limits<typename decltype(tag)::type>::max());
    });
    // high + 1 is the exclusive bound; as a double it is exact, also for i64 where high itself
    // rounds up to 2^63, a value that does not fit.
    if (value < low || value >= high + 1.0) {
      raise(ErrorKind::kOverflow, "scalar {} does not fit in {} (range {} to {})", value,
            dtype_name(dtype), low, high);
    }
  }
  return Tensor::full({}, value, scalar_dtype);
}

Tensor binary(BinaryOp op, const Tensor& a, double b) {
  if (!a.defined())
    raise(ErrorKind::kInvalidArgument, "{}: the first operand is undefined", binary_op_name(op));
  return binary(op, a, scalar_like(b, a.dtype()));
}

Tensor binary(BinaryOp op, double a, const Tensor& b) {
  if (!b.defined())
    raise(ErrorKind::kInvalidArgument, "{}: the second operand is undefined", binary_op_name(op));
  return binary(op, scalar_like(a, b.dtype()), b);
}

}  // namespace bitnet

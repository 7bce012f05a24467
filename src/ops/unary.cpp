// Element-wise unary ops: argument checks and result dtypes (front end) and the strided reference
// kernels. Integer and bool inputs of a floating op are cast to f32 up front, so every kernel reads
// and writes one storage type.
#include <cstdint>

#include "bitnet/ops.h"
#include "core/raise.h"
#include "cpu/kernels.h"
#include "ops/unary_functors.h"
#include "tensor/convert.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"
#include "tensor/element_loop.h"

namespace bitnet {
namespace {

// One element of storage type T in, one out. f16 and bf16 widen to float (or double), compute and
// round once.
template <UnaryOp Op, typename T>
inline T evaluate_unary(T value) {
  if constexpr (!is_float_storage_v<T>) {
    return apply_unary<Op, T>(value);
  } else if constexpr (unary_evaluates_in_double(Op)) {
    const double wide = static_cast<double>(static_cast<compute_t<T>>(value));
    return convert_element<T, double>(apply_unary<Op, double>(wide));
  } else {
    return T(apply_unary<Op, compute_t<T>>(static_cast<compute_t<T>>(value)));
  }
}

using ContiguousF32Kernel = void (*)(const float* input, float* output, int64_t count);

// The contiguous f32 loop (input may equal output: the op is element for element).
template <UnaryOp Op>
void unary_contiguous_f32(const float* input, float* output, int64_t count) {
  for (int64_t i = 0; i < count; ++i) output[i] = evaluate_unary<Op, float>(input[i]);
}

// The one place that picks the contiguous f32 loop of an op, so that run-time dispatched SIMD
// kernels can take over here without touching the front end or the strided machinery.
ContiguousF32Kernel contiguous_f32_kernel(UnaryOp op) noexcept {
  // Activations run on the dispatched SIMD kernels (ULP bounds in docs/SIMD.md).
  const cpu::CpuKernels& kernels = cpu::kernels();
  auto activation = [&kernels](cpu::ActivationKind kind) {
    return kernels.activation[static_cast<int>(kind)];
  };
  switch (op) {
    case UnaryOp::kExp:
      return activation(cpu::ActivationKind::kExp);
    case UnaryOp::kTanh:
      return activation(cpu::ActivationKind::kTanh);
    case UnaryOp::kSigmoid:
      return activation(cpu::ActivationKind::kSigmoid);
    case UnaryOp::kSilu:
      return activation(cpu::ActivationKind::kSilu);
    case UnaryOp::kGeluErf:
      return activation(cpu::ActivationKind::kGeluErf);
    case UnaryOp::kGeluTanh:
      return activation(cpu::ActivationKind::kGeluTanh);
    case UnaryOp::kRelu:
      return activation(cpu::ActivationKind::kRelu);
    case UnaryOp::kRelu2:
      return activation(cpu::ActivationKind::kRelu2);
    default:
      break;
  }
  switch (op) {
    case UnaryOp::kNeg:
      return &unary_contiguous_f32<UnaryOp::kNeg>;
    case UnaryOp::kAbs:
      return &unary_contiguous_f32<UnaryOp::kAbs>;
    case UnaryOp::kExp:
      return &unary_contiguous_f32<UnaryOp::kExp>;
    case UnaryOp::kLog:
      return &unary_contiguous_f32<UnaryOp::kLog>;
    case UnaryOp::kSqrt:
      return &unary_contiguous_f32<UnaryOp::kSqrt>;
    case UnaryOp::kRsqrt:
      return &unary_contiguous_f32<UnaryOp::kRsqrt>;
    case UnaryOp::kSin:
      return &unary_contiguous_f32<UnaryOp::kSin>;
    case UnaryOp::kCos:
      return &unary_contiguous_f32<UnaryOp::kCos>;
    case UnaryOp::kTanh:
      return &unary_contiguous_f32<UnaryOp::kTanh>;
    case UnaryOp::kSigmoid:
      return &unary_contiguous_f32<UnaryOp::kSigmoid>;
    case UnaryOp::kRelu:
      return &unary_contiguous_f32<UnaryOp::kRelu>;
    case UnaryOp::kRelu2:
      return &unary_contiguous_f32<UnaryOp::kRelu2>;
    case UnaryOp::kSilu:
      return &unary_contiguous_f32<UnaryOp::kSilu>;
    case UnaryOp::kGeluErf:
      return &unary_contiguous_f32<UnaryOp::kGeluErf>;
    case UnaryOp::kGeluTanh:
      return &unary_contiguous_f32<UnaryOp::kGeluTanh>;
  }
  return nullptr;
}

template <UnaryOp Op, typename T>
void unary_run(char* const* pointers, const int64_t* strides, int64_t count,
               ContiguousF32Kernel f32_kernel) {
  constexpr int64_t size = sizeof(T);
  // Precondition: each pointer addresses `count` elements of T at its byte stride (validated
  // views).
  T* out = reinterpret_cast<T*>(pointers[0]);
  const T* in = reinterpret_cast<const T*>(pointers[1]);
  if (strides[0] == size && strides[1] == size) {
    if constexpr (std::is_same_v<T, float>) {
      f32_kernel(in, out, count);
    } else {
      for (int64_t i = 0; i < count; ++i) out[i] = evaluate_unary<Op, T>(in[i]);
    }
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    const T value = *reinterpret_cast<const T*>(pointers[1] + i * strides[1]);
    *reinterpret_cast<T*>(pointers[0] + i * strides[0]) = evaluate_unary<Op, T>(value);
  }
}

template <UnaryOp Op>
void run_unary_kernel(const ElementLoop<2>& loop, DType dtype) {
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (unary_result_is_floating(Op) && !is_float_storage_v<T>) {
      raise(ErrorKind::kInternal, "{}: reached the kernel with non-floating dtype {}",
            unary_op_name(Op), dtype_name(dtype));
    } else if constexpr ((Op == UnaryOp::kNeg || Op == UnaryOp::kAbs) && std::is_same_v<T, bool>) {
      raise(ErrorKind::kInternal, "{}: reached the kernel with bool", unary_op_name(Op));
    } else {
      const ContiguousF32Kernel f32_kernel = contiguous_f32_kernel(Op);
      run_element_loop(loop,
                       [f32_kernel](char* const* pointers, const int64_t* strides, int64_t count) {
                         unary_run<Op, T>(pointers, strides, count, f32_kernel);
                       });
    }
  });
}

void run_unary(UnaryOp op, const ElementLoop<2>& loop, DType dtype) {
  switch (op) {
    case UnaryOp::kNeg:
      return run_unary_kernel<UnaryOp::kNeg>(loop, dtype);
    case UnaryOp::kAbs:
      return run_unary_kernel<UnaryOp::kAbs>(loop, dtype);
    case UnaryOp::kExp:
      return run_unary_kernel<UnaryOp::kExp>(loop, dtype);
    case UnaryOp::kLog:
      return run_unary_kernel<UnaryOp::kLog>(loop, dtype);
    case UnaryOp::kSqrt:
      return run_unary_kernel<UnaryOp::kSqrt>(loop, dtype);
    case UnaryOp::kRsqrt:
      return run_unary_kernel<UnaryOp::kRsqrt>(loop, dtype);
    case UnaryOp::kSin:
      return run_unary_kernel<UnaryOp::kSin>(loop, dtype);
    case UnaryOp::kCos:
      return run_unary_kernel<UnaryOp::kCos>(loop, dtype);
    case UnaryOp::kTanh:
      return run_unary_kernel<UnaryOp::kTanh>(loop, dtype);
    case UnaryOp::kSigmoid:
      return run_unary_kernel<UnaryOp::kSigmoid>(loop, dtype);
    case UnaryOp::kRelu:
      return run_unary_kernel<UnaryOp::kRelu>(loop, dtype);
    case UnaryOp::kRelu2:
      return run_unary_kernel<UnaryOp::kRelu2>(loop, dtype);
    case UnaryOp::kSilu:
      return run_unary_kernel<UnaryOp::kSilu>(loop, dtype);
    case UnaryOp::kGeluErf:
      return run_unary_kernel<UnaryOp::kGeluErf>(loop, dtype);
    case UnaryOp::kGeluTanh:
      return run_unary_kernel<UnaryOp::kGeluTanh>(loop, dtype);
  }
  raise(ErrorKind::kInternal, "unary: invalid op value {}", static_cast<int>(op));
}

DType unary_result_dtype(UnaryOp op, DType dtype) {
  return unary_result_is_floating(op) ? to_floating(dtype) : dtype;
}

// `suffix` is "_" for the in-place form, so that messages name the function the caller used.
void check_operand(UnaryOp op, const Tensor& x, const char* suffix) {
  if (!x.defined()) {
    raise(ErrorKind::kInvalidArgument, "{}{}: the tensor is undefined", unary_op_name(op), suffix);
  }
  if ((op == UnaryOp::kNeg || op == UnaryOp::kAbs) && x.dtype() == DType::kBool) {
    raise(ErrorKind::kDTypeMismatch, "{}{}: not defined for bool tensors (cast to a number first)",
          unary_op_name(op), suffix);
  }
}

}  // namespace

const char* unary_op_name(UnaryOp op) noexcept {
  switch (op) {
    case UnaryOp::kNeg:
      return "neg";
    case UnaryOp::kAbs:
      return "abs";
    case UnaryOp::kExp:
      return "exp";
    case UnaryOp::kLog:
      return "log";
    case UnaryOp::kSqrt:
      return "sqrt";
    case UnaryOp::kRsqrt:
      return "rsqrt";
    case UnaryOp::kSin:
      return "sin";
    case UnaryOp::kCos:
      return "cos";
    case UnaryOp::kTanh:
      return "tanh";
    case UnaryOp::kSigmoid:
      return "sigmoid";
    case UnaryOp::kRelu:
      return "relu";
    case UnaryOp::kRelu2:
      return "relu2";
    case UnaryOp::kSilu:
      return "silu";
    case UnaryOp::kGeluErf:
      return "gelu";
    case UnaryOp::kGeluTanh:
      return "gelu_tanh";
  }
  return "unary";
}

namespace {

// Contiguous f32 input and output below the size that would use threads: one call of the SIMD
// kernel, without the iteration engine's set-up (most of the time of a 1000-element op). Returns
// whether it ran.
bool run_small_contiguous_f32(UnaryOp op, const Tensor& input, const Tensor& out) {
  const ContiguousF32Kernel kernel = contiguous_f32_kernel(op);
  if (kernel == nullptr || input.dtype() != DType::kF32 || out.dtype() != DType::kF32 ||
      out.numel() >= 2 * kParallelGrain || !input.is_contiguous() || !out.is_contiguous()) {
    return false;
  }
  kernel(static_cast<const float*>(input.data()), static_cast<float*>(out.data()), out.numel());
  return true;
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  check_operand(op, x, "");
  const DType dtype = unary_result_dtype(op, x.dtype());
  const Tensor input = x.dtype() == dtype ? x : cast(x, dtype);
  Tensor out = allocate_tensor(x.shape(), dtype);
  if (run_small_contiguous_f32(op, input, out)) return out;
  run_unary(op, make_element_loop<2>(x.shape(), {&out, &input}), dtype);
  return out;
}

const Tensor& unary_(UnaryOp op, const Tensor& x) {
  check_operand(op, x, "_");
  const char* name = unary_op_name(op);
  const DType dtype = unary_result_dtype(op, x.dtype());
  if (dtype != x.dtype()) {
    raise(ErrorKind::kDTypeMismatch,
          "{}_: the result is {} and cannot be written into a tensor of {} (use {} out of place)",
          name, dtype_name(dtype), dtype_name(x.dtype()), name);
  }
  if (x.numel() > 1) {
    for (int d = 0; d < x.rank(); ++d) {
      // A broadcast view repeats memory locations: each would be transformed more than once.
      if (x.strides()[d] == 0 && x.shape()[d] > 1) {
        raise(ErrorKind::kInvalidArgument,
              "{}_: the tensor (shape {}, strides {}) is a broadcast view whose elements share "
              "memory; apply {} to a contiguous copy",
              name, to_string(x.shape()), to_string(x.strides()), name);
      }
    }
  }
  // Input and output are the same view, so each element is read before it is written.
  if (run_small_contiguous_f32(op, x, x)) return x;
  run_unary(op, make_element_loop<2>(x.shape(), {&x, &x}), dtype);
  return x;
}

}  // namespace bitnet

// Tensor operations. Every op checks its arguments and throws bitnet::Error naming itself and the
// offending shapes, axes or dtypes; every op accepts non-contiguous views, empty tensors and 0-d
// tensors. Binary ops broadcast as NumPy does and promote dtypes with promote_types().
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bitnet/tensor.h"

namespace bitnet {

// ---- element-wise binary ----------------------------------------------------------------------
enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMaximum,
  kMinimum,
  kPow,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe
};

[[nodiscard]] const char* binary_op_name(BinaryOp op) noexcept;
// The dtype `op` produces for inputs of these dtypes (comparisons give bool; div of integers f32).
[[nodiscard]] DType binary_result_dtype(BinaryOp op, DType a, DType b) noexcept;

[[nodiscard]] Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
// Writes op(a, b) into `out`, whose shape must equal the broadcast shape and whose dtype must hold
// the result (a float result is refused for an integer `out`). `out` may alias a or b.
void binary_out(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
// A scalar operand is "weak": it takes the tensor's dtype when both are of one kind (an f16 tensor
// plus 0.5 stays f16), and f32 when an integer or bool tensor meets a fractional scalar.
[[nodiscard]] Tensor binary(BinaryOp op, const Tensor& a, double b);
[[nodiscard]] Tensor binary(BinaryOp op, double a, const Tensor& b);
// A 0-d tensor of `value` in the dtype a weak scalar takes next to a tensor of `dtype`.
[[nodiscard]] Tensor scalar_like(double value, DType dtype);

#define BITNET_DECLARE_BINARY(name, op)                                \
  [[nodiscard]] inline Tensor name(const Tensor& a, const Tensor& b) { \
    return binary(op, a, b);                                           \
  }                                                                    \
  [[nodiscard]] inline Tensor name(const Tensor& a, double b) {        \
    return binary(op, a, b);                                           \
  }                                                                    \
  [[nodiscard]] inline Tensor name(double a, const Tensor& b) {        \
    return binary(op, a, b);                                           \
  }                                                                    \
  inline const Tensor& name##_(const Tensor& a, const Tensor& b) {     \
    binary_out(op, a, b, a);                                           \
    return a;                                                          \
  }                                                                    \
  inline const Tensor& name##_(const Tensor& a, double b) {            \
    binary_out(op, a, scalar_like(b, a.dtype()), a);                   \
    return a;                                                          \
  }
BITNET_DECLARE_BINARY(add, BinaryOp::kAdd)
BITNET_DECLARE_BINARY(sub, BinaryOp::kSub)
BITNET_DECLARE_BINARY(mul, BinaryOp::kMul)
BITNET_DECLARE_BINARY(div, BinaryOp::kDiv)
BITNET_DECLARE_BINARY(maximum, BinaryOp::kMaximum)
BITNET_DECLARE_BINARY(minimum, BinaryOp::kMinimum)
BITNET_DECLARE_BINARY(pow, BinaryOp::kPow)
BITNET_DECLARE_BINARY(eq, BinaryOp::kEq)
BITNET_DECLARE_BINARY(ne, BinaryOp::kNe)
BITNET_DECLARE_BINARY(lt, BinaryOp::kLt)
BITNET_DECLARE_BINARY(le, BinaryOp::kLe)
BITNET_DECLARE_BINARY(gt, BinaryOp::kGt)
BITNET_DECLARE_BINARY(ge, BinaryOp::kGe)
#undef BITNET_DECLARE_BINARY

inline Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
inline Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
inline Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
inline Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}

// Picks a where cond is true, b elsewhere; the three broadcast together. cond may be any dtype
// (non-zero is true); the result has promote_types(a, b).
[[nodiscard]] Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// ---- element-wise unary -----------------------------------------------------------------------
enum class UnaryOp {
  kNeg,
  kAbs,
  kExp,
  kLog,
  kSqrt,
  kRsqrt,
  kSin,
  kCos,
  kTanh,
  kSigmoid,
  kRelu,
  kRelu2,
  kSilu,
  kGeluErf,
  kGeluTanh
};

[[nodiscard]] const char* unary_op_name(UnaryOp op) noexcept;
// neg, abs, relu and relu2 keep integer dtypes; the transcendental ones turn integers and bool into
// f32; neg and abs refuse bool.
[[nodiscard]] Tensor unary(UnaryOp op, const Tensor& x);
// In place; refuses an integer tensor for an op whose result is floating.
const Tensor& unary_(UnaryOp op, const Tensor& x);

#define BITNET_DECLARE_UNARY(name, op)                \
  [[nodiscard]] inline Tensor name(const Tensor& x) { \
    return unary(op, x);                              \
  }                                                   \
  inline const Tensor& name##_(const Tensor& x) {     \
    return unary_(op, x);                             \
  }
BITNET_DECLARE_UNARY(neg, UnaryOp::kNeg)
BITNET_DECLARE_UNARY(abs, UnaryOp::kAbs)
BITNET_DECLARE_UNARY(exp, UnaryOp::kExp)
BITNET_DECLARE_UNARY(log, UnaryOp::kLog)
BITNET_DECLARE_UNARY(sqrt, UnaryOp::kSqrt)
BITNET_DECLARE_UNARY(rsqrt, UnaryOp::kRsqrt)
BITNET_DECLARE_UNARY(sin, UnaryOp::kSin)
BITNET_DECLARE_UNARY(cos, UnaryOp::kCos)
BITNET_DECLARE_UNARY(tanh, UnaryOp::kTanh)
BITNET_DECLARE_UNARY(sigmoid, UnaryOp::kSigmoid)
BITNET_DECLARE_UNARY(relu, UnaryOp::kRelu)
BITNET_DECLARE_UNARY(relu2, UnaryOp::kRelu2)
BITNET_DECLARE_UNARY(silu, UnaryOp::kSilu)
#undef BITNET_DECLARE_UNARY

// GELU: exact x * Phi(x) with erf, or the tanh approximation when `approximate_tanh`.
[[nodiscard]] inline Tensor gelu(const Tensor& x, bool approximate_tanh = false) {
  return unary(approximate_tanh ? UnaryOp::kGeluTanh : UnaryOp::kGeluErf, x);
}
inline Tensor operator-(const Tensor& x) {
  return neg(x);
}

// Limits each element to [low, high]; either bound may be absent. NaN stays NaN. Keeps the dtype.
[[nodiscard]] Tensor clamp(const Tensor& x, std::optional<double> low, std::optional<double> high);

// ---- casts ------------------------------------------------------------------------------------
// Conversion rules: float to integer truncates toward zero and saturates at the target's range;
// NaN becomes 0. Anything to bool is "non-zero" (NaN is true). bool to numbers is 0 or 1. Integer
// to integer wraps modulo 2^bits (two's complement), as C++ and NumPy do. To f16/bf16 rounds to
// nearest even (overflow gives Inf).
[[nodiscard]] Tensor cast(const Tensor& x, DType dtype);

// ---- reductions -------------------------------------------------------------------------------
// `axes` lists axes to reduce (negative counts from the end, no repeats); an empty list reduces
// all. sum and prod give i64 for integer and bool inputs and keep float dtypes; f32, f16 and bf16
// are accumulated in f64, f64 pairwise, so sums are accurate (1e8 plus 1e7 ones is exact).
[[nodiscard]] Tensor sum(const Tensor& x, const std::vector<int64_t>& axes = {},
                         bool keepdim = false);
[[nodiscard]] Tensor prod(const Tensor& x, const std::vector<int64_t>& axes = {},
                          bool keepdim = false);
// mean, var and std give a floating dtype (f32 for integer inputs). var divides by N - correction
// (0 is the population variance, as NumPy's default; 1 is PyTorch's default).
[[nodiscard]] Tensor mean(const Tensor& x, const std::vector<int64_t>& axes = {},
                          bool keepdim = false);
[[nodiscard]] Tensor var(const Tensor& x, const std::vector<int64_t>& axes = {},
                         int64_t correction = 0, bool keepdim = false);
[[nodiscard]] Tensor std(const Tensor& x, const std::vector<int64_t>& axes = {},
                         int64_t correction = 0, bool keepdim = false);
// max and min propagate NaN and refuse to reduce an empty dimension.
[[nodiscard]] Tensor max(const Tensor& x, const std::vector<int64_t>& axes = {},
                         bool keepdim = false);
[[nodiscard]] Tensor min(const Tensor& x, const std::vector<int64_t>& axes = {},
                         bool keepdim = false);
// Index (i64) of the first maximum / minimum along `axis`, or into the flattened tensor when no
// axis is given. NaN counts as the maximum and the minimum (first NaN wins).
[[nodiscard]] Tensor argmax(const Tensor& x, std::optional<int64_t> axis = {},
                            bool keepdim = false);
[[nodiscard]] Tensor argmin(const Tensor& x, std::optional<int64_t> axis = {},
                            bool keepdim = false);

// ---- normalisation ----------------------------------------------------------------------------
// Numerically stable (the maximum is subtracted first); floating dtypes only.
[[nodiscard]] Tensor softmax(const Tensor& x, int64_t axis = -1);
[[nodiscard]] Tensor log_softmax(const Tensor& x, int64_t axis = -1);
// Normalise over the last axis. weight and bias are optional (pass Tensor{}), shaped [last].
// rms_norm: x / sqrt(mean(x^2) + eps) * weight. layer_norm: (x - mean) / sqrt(var + eps) * w + b.
[[nodiscard]] Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps = 1e-6);
[[nodiscard]] Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                double eps = 1e-5);

// ---- matmul -----------------------------------------------------------------------------------
// NumPy rules: 1-D operands are promoted to matrices and the added dimension removed afterwards;
// batch dimensions broadcast. f32/f64 run on BLAS; f16/bf16 accumulate in f32; integers in i64.
[[nodiscard]] Tensor matmul(const Tensor& a, const Tensor& b);
// x [..., in] f32 times weight [out, in]^T (PyTorch's linear) -> f32 [..., out]. The weight may be
// f32, f16 or bf16 and is read in its own dtype, widened a row (or a block of rows) at a time,
// never as a whole: the way to apply a half-precision output head.
[[nodiscard]] Tensor linear(const Tensor& x, const Tensor& weight);

// ---- transformer building blocks ----------------------------------------------------------------
// Rows of an embedding table: table [rows, dim] (f32, f16 or bf16), ids i32/i64 of any shape ->
// f32 [*ids.shape, dim]. An id outside [0, rows) is an Error naming it and its position.
[[nodiscard]] Tensor embedding(const Tensor& table, const Tensor& ids);

// Rotary position embedding (RoFormer; the "rotate half" pairing of Hugging Face's Llama and
// BitNet): x f32 [tokens, heads, head_dim] (head_dim even), positions i32/i64 [tokens]. Dimension i
// < head_dim/2 pairs with i + head_dim/2 and turns by angle position * theta^(-2i/head_dim):
// (a, b) -> (a cos - b sin, b cos + a sin). Returns a new f32 tensor of x's shape.
[[nodiscard]] Tensor rope(const Tensor& x, const Tensor& positions, double theta);

// Causal scaled dot-product attention with grouped query heads. q f32 [queries, heads, dim];
// keys and values f32 or f16 [keys, kv_heads, dim] with heads a multiple of kv_heads (query head h
// reads kv head h / (heads / kv_heads)). Query i sits at position first_position + i and attends to
// keys 0 .. first_position + i (keys beyond that are masked; first_position + queries <= keys).
// softmax(q k^T * scale) v in f32 -> f32 [queries, heads, dim].
[[nodiscard]] Tensor attention(const Tensor& q, const Tensor& keys, const Tensor& values,
                               int64_t first_position, double scale);

}  // namespace bitnet

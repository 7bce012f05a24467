// matmul front end: NumPy's shape rules (1-D promotion, broadcast batch dimensions), dtype
// promotion, and the choice of backend: BLAS for f32/f64 (f16/bf16 through f32), the integer
// reference kernel otherwise. Operands are copied only when BLAS cannot read their layout.
#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

#include "bitnet/config.h"
#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "blas/blas.h"
#include "core/raise.h"
#include "cpu/reference/matmul_integer.h"
#include "tensor/copy.h"

namespace bitnet {
namespace {

// Multiply-adds per parallel chunk below which spreading work over threads costs more than it
// saves.
constexpr double kParallelGrainWork = 32768.0;

// The sizes of one product: out[batch..., m, n] = a[batch..., m, k] * b[batch..., k, n].
struct MatmulShapes {
  Shape batch;  // broadcast batch dimensions
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  Shape out;  // batch + [m] + [n], without the dimensions 1-D operands did not have
};

MatmulShapes infer_shapes(const Shape& a, const Shape& b) {
  const bool a_vector = a.rank() == 1;
  const bool b_vector = b.rank() == 1;
  MatmulShapes shapes;
  shapes.m = a_vector ? 1 : a[a.rank() - 2];
  shapes.k = a.back();
  const int64_t b_rows = b_vector ? b[0] : b[b.rank() - 2];
  shapes.n = b_vector ? 1 : b.back();
  if (shapes.k != b_rows) {
    raise(ErrorKind::kShapeMismatch, "matmul: inner dimensions differ: a is {}, b is {}",
          to_string(a), to_string(b));
  }
  const Shape a_batch(std::span<const int64_t>(a.begin(), std::max(a.rank() - 2, 0)));
  const Shape b_batch(std::span<const int64_t>(b.begin(), std::max(b.rank() - 2, 0)));
  const int rank = std::max(a_batch.rank(), b_batch.rank());
  shapes.batch = Shape::filled(rank, 1);
  for (int d = 0; d < rank; ++d) {
    const int a_axis = d - (rank - a_batch.rank());
    const int b_axis = d - (rank - b_batch.rank());
    const int64_t a_size = a_axis >= 0 ? a_batch[a_axis] : 1;
    const int64_t b_size = b_axis >= 0 ? b_batch[b_axis] : 1;
    if (a_size != b_size && a_size != 1 && b_size != 1) {
      raise(ErrorKind::kShapeMismatch,
            "matmul: batch dimensions cannot be broadcast together: a is {}, b is {}", to_string(a),
            to_string(b));
    }
    shapes.batch[d] = a_size == 1 ? b_size : a_size;
  }
  shapes.out = shapes.batch;
  if (!a_vector) shapes.out.push_back(shapes.m);
  if (!b_vector) shapes.out.push_back(shapes.n);
  return shapes;
}

void check_operands(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) {
    raise(ErrorKind::kInvalidArgument, "matmul: the {} operand is undefined",
          a.defined() ? "second" : "first");
  }
  if (a.rank() == 0 || b.rank() == 0) {
    raise(ErrorKind::kInvalidArgument,
          "matmul: 0-d operand: a is {}, b is {} (matmul needs at least one dimension; use mul to "
          "scale by a scalar)",
          to_string(a.shape()), to_string(b.shape()));
  }
  if (a.dtype() == DType::kBool && b.dtype() == DType::kBool) {
    raise(ErrorKind::kDTypeMismatch,
          "matmul: not defined for two bool tensors (a is {}, b is {}); cast an operand to an "
          "integer or floating dtype",
          to_string(a.shape()), to_string(b.shape()));
  }
}

// Turns broadcast (stride 0) batch dimensions back into size 1, so that a later copy or cast
// touches each distinct matrix once; the batch loop re-broadcasts them with stride 0.
Tensor collapse_broadcast_batch(const Tensor& operand) {
  Tensor collapsed = operand;
  for (int d = 0; d < operand.rank() - 2; ++d) {
    if (operand.strides()[d] == 0 && operand.shape()[d] > 1) collapsed = collapsed.slice(d, 0, 1);
  }
  return collapsed;
}

// An operand made into matrices ([batch..., rows, columns]) in the dtype the backend reads.
Tensor prepare_operand(const Tensor& operand, DType dtype, bool is_left) {
  Tensor prepared = collapse_broadcast_batch(operand);
  if (prepared.dtype() != dtype) prepared = cast(prepared, dtype);
  if (prepared.rank() == 1) prepared = prepared.unsqueeze(is_left ? 0 : 1);
  return prepared;
}

// Element offsets of each operand's matrix for one batch index.
class BatchOffsets {
 public:
  BatchOffsets(const Shape& batch, const Tensor& operand) : batch_(batch) {
    strides_ = Shape::filled(batch.rank(), 0);
    const int operand_batch_rank = operand.rank() - 2;
    for (int d = 0; d < batch.rank(); ++d) {
      const int axis = d - (batch.rank() - operand_batch_rank);
      if (axis >= 0 && operand.shape()[axis] != 1) strides_[d] = operand.strides()[axis];
    }
  }

  [[nodiscard]] int64_t operator()(int64_t batch_index) const {
    int64_t offset = 0;
    for (int d = batch_.rank() - 1; d >= 0; --d) {
      offset += (batch_index % batch_[d]) * strides_[d];
      batch_index /= batch_[d];
    }
    return offset;
  }

 private:
  Shape batch_;
  Shape strides_;
};

// How BLAS reads one matrix view: row-major with leading dimension `leading`, or transposed.
struct BlasLayout {
  bool transposed = false;
  int64_t leading = 0;
};

// BLAS takes a matrix whose columns or rows are unit-stride, with the other stride at least the
// row length. Size-1 dimensions impose nothing, since their stride is never followed.
std::optional<BlasLayout> blas_layout(int64_t rows, int64_t columns, int64_t row_stride,
                                      int64_t column_stride) {
  if (columns <= 1 || column_stride == 1) {
    const int64_t leading = rows <= 1 ? std::max<int64_t>(columns, 1) : row_stride;
    if (leading >= std::max<int64_t>(columns, 1) && leading <= kBlasMaxIndex) {
      return BlasLayout{false, leading};
    }
  }
  if (rows <= 1 || row_stride == 1) {
    const int64_t leading = columns <= 1 ? std::max<int64_t>(rows, 1) : column_stride;
    if (leading >= std::max<int64_t>(rows, 1) && leading <= kBlasMaxIndex) {
      return BlasLayout{true, leading};
    }
  }
  return std::nullopt;
}

// Ready for BLAS: the operand as is when its layout allows, otherwise one contiguous copy.
struct BlasOperand {
  Tensor tensor;
  BlasLayout layout;
};

BlasOperand blas_operand(const Tensor& matrices) {
  const int rank = matrices.rank();
  const auto layout = blas_layout(matrices.shape()[rank - 2], matrices.shape()[rank - 1],
                                  matrices.strides()[rank - 2], matrices.strides()[rank - 1]);
  if (layout) return {matrices, *layout};
  return {matrices.contiguous(),
          BlasLayout{false, std::max<int64_t>(matrices.shape()[rank - 1], 1)}};
}

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
          const T* b, int64_t ldb, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    blas_gemm_f32(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
  } else {
    blas_gemm_f64(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
  }
}

// out (contiguous [batch..., m, n] of T) = lhs * rhs for T = float or double.
template <typename T>
void blas_matmul(const MatmulShapes& shapes, const Tensor& lhs, const Tensor& rhs,
                 const Tensor& out) {
  for (const int64_t size : {shapes.m, shapes.n, shapes.k}) {
    if (size > kBlasMaxIndex) {
      raise(ErrorKind::kUnsupported,
            "matmul: dimension {} exceeds the BLAS limit {} (m={}, n={}, k={})", size,
            kBlasMaxIndex, shapes.m, shapes.n, shapes.k);
    }
  }
  const BlasOperand a = blas_operand(lhs);
  const BlasOperand b = blas_operand(rhs);
  const BatchOffsets a_offsets(shapes.batch, a.tensor);
  const BatchOffsets b_offsets(shapes.batch, b.tensor);
  const T* a_data = a.tensor.data_as<T>();
  const T* b_data = b.tensor.data_as<T>();
  T* out_data = out.data_as<T>();
  const int64_t out_matrix = shapes.m * shapes.n;
  const auto multiply = [&](int64_t batch_index) {
    // Precondition: the offsets stay inside each operand's views (shapes validated above).
    gemm<T>(a.layout.transposed, b.layout.transposed, shapes.m, shapes.n, shapes.k,
            a_data + a_offsets(batch_index), a.layout.leading, b_data + b_offsets(batch_index),
            b.layout.leading, out_data + batch_index * out_matrix, shapes.n);
  };
  const int64_t batch_count = checked_numel(shapes.batch);
  const double work =
      static_cast<double>(shapes.m) * static_cast<double>(shapes.n) * static_cast<double>(shapes.k);
  if (batch_count > 1 && work <= kBlasSingleThreadWork) {
    // Many small products: each BLAS call stays on one thread at this size, so our workers run
    // them side by side without BLAS threads stacked on top.
    const auto grain = static_cast<int64_t>(std::max(1.0, kParallelGrainWork / work));
    parallel_for(0, batch_count, grain, [&](int64_t begin, int64_t end) {
      for (int64_t index = begin; index < end; ++index) multiply(index);
    });
    return;
  }
  // Large products: BLAS parallelises inside each call, with as many threads as bitnet uses.
  blas_set_num_threads(num_threads());
  for (int64_t index = 0; index < batch_count; ++index) multiply(index);
}

// out (contiguous [batch..., m, n] of the integer dtype) = lhs * rhs, in parallel over rows.
void integer_matmul(const MatmulShapes& shapes, const Tensor& lhs, const Tensor& rhs,
                    const Tensor& out) {
  // The kernel's inner loop walks rows of b; make them unit-stride once rather than per row of a.
  const int64_t b_column_stride = rhs.strides()[rhs.rank() - 1];
  const Tensor b = shapes.n > 1 && b_column_stride != 1 ? rhs.contiguous() : rhs;
  const BatchOffsets a_offsets(shapes.batch, lhs);
  const BatchOffsets b_offsets(shapes.batch, b);
  const auto* a_data = static_cast<const char*>(lhs.data());
  const auto* b_data = static_cast<const char*>(b.data());
  auto* out_data = static_cast<char*>(out.data());
  const auto element = static_cast<int64_t>(out.element_size());
  const int64_t m = shapes.m;
  const int64_t total_rows = checked_numel(shapes.batch) * m;
  const double row_work = static_cast<double>(shapes.n) * static_cast<double>(shapes.k);
  const auto grain =
      static_cast<int64_t>(std::max(1.0, kParallelGrainWork / std::max(row_work, 1.0)));
  parallel_for(0, total_rows, grain, [&](int64_t begin, int64_t end) {
    // A chunk may span several matrices of the batch; split it at matrix boundaries.
    for (int64_t row = begin; row < end;) {
      const int64_t batch_index = row / m;
      const int64_t matrix_end = std::min(end, (batch_index + 1) * m);
      // Precondition: offsets address elements inside the validated operand views.
      const StridedMatrix a{a_data + a_offsets(batch_index) * element,
                            lhs.strides()[lhs.rank() - 2], lhs.strides()[lhs.rank() - 1]};
      const StridedMatrix b_matrix{b_data + b_offsets(batch_index) * element,
                                   b.strides()[b.rank() - 2], b.strides()[b.rank() - 1]};
      matmul_integer_rows(out.dtype(), a, b_matrix, out_data + batch_index * m * shapes.n * element,
                          row - batch_index * m, matrix_end - batch_index * m, shapes.n, shapes.k);
      row = matrix_end;
    }
  });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands(a, b);
  const MatmulShapes shapes = infer_shapes(a.shape(), b.shape());
  const DType result_dtype = promote_types(a.dtype(), b.dtype());
  // A fresh tensor, never a view of an input.
  Tensor out = allocate_tensor(shapes.out, result_dtype);
  if (out.numel() == 0) return out;
  if (shapes.k == 0) {
    // An empty sum is zero; all-zero bytes are zero in every dtype.
    std::memset(out.data(), 0, static_cast<size_t>(out.nbytes()));
    return out;
  }
  switch (result_dtype) {
    case DType::kF32:
      blas_matmul<float>(shapes, prepare_operand(a, DType::kF32, true),
                         prepare_operand(b, DType::kF32, false), out);
      break;
    case DType::kF64:
      blas_matmul<double>(shapes, prepare_operand(a, DType::kF64, true),
                          prepare_operand(b, DType::kF64, false), out);
      break;
    case DType::kF16:
    case DType::kBF16: {
      // Accumulate in f32 and round once at the end. Operands are cast to the result dtype first,
      // so that a mixed input (i32 with f16) rounds as NumPy's promotion does.
      const Tensor wide_a = cast(prepare_operand(a, result_dtype, true), DType::kF32);
      const Tensor wide_b = cast(prepare_operand(b, result_dtype, false), DType::kF32);
      const Tensor wide_out = allocate_tensor(shapes.out, DType::kF32);
      blas_matmul<float>(shapes, wide_a, wide_b, wide_out);
      copy_elements(wide_out, out);
      break;
    }
    case DType::kU8:
    case DType::kI8:
    case DType::kI32:
    case DType::kI64:
      integer_matmul(shapes, prepare_operand(a, result_dtype, true),
                     prepare_operand(b, result_dtype, false), out);
      break;
    case DType::kBool:
      raise(ErrorKind::kInternal, "matmul: reached a kernel with bool operands");
  }
  return out;
}

}  // namespace bitnet

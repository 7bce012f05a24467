// What every linalg front end shares: argument checks, walking a batch of matrices [..., m, n] of
// any strides, copying a matrix between layouts (with the NaN/Inf check folded into the copy), and
// running a LAPACK call per matrix with the threading that suits its size.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "bitnet/memory.h"
#include "bitnet/tensor.h"

namespace bitnet::linalg::detail {

// ---- argument checks --------------------------------------------------------------------------
// "[2,3,3] f64", for messages.
[[nodiscard]] std::string describe(const Tensor& tensor);
// Checks that `a` (named `name` in messages) is a defined f32 or f64 tensor of matrices [..., m, n]
// whose matrices LAPACK can index.
void check_matrices(const char* op, const Tensor& a, const char* name = "a");
// check_matrices() plus m == n.
void check_square(const char* op, const Tensor& a, const char* name = "a");
// The batch dimensions of matrices [..., m, n].
[[nodiscard]] Shape batch_shape(const Tensor& matrices);
// `batch` followed by `dims`.
[[nodiscard]] Shape append(const Shape& batch, std::initializer_list<int64_t> dims);

// A right-hand side b for solve-like ops: a vector [n] or matrices [..., n, k], broadcast against
// the batch of the square or rectangular a [..., m, n] (m rows must match b's). `matrices` is b
// expanded to [batch..., m, k] (k = 1 for a vector), without copying.
struct RightHandSide {
  bool vector = false;
  Shape batch;
  int64_t columns = 0;
  Tensor matrices;
};
[[nodiscard]] RightHandSide right_hand_side(const char* op, const Tensor& a, const Tensor& b);

// ---- matrix layouts ---------------------------------------------------------------------------
// A rows x columns matrix: element (i, j) at data[i * row_stride + j * column_stride].
template <typename T>
struct MatrixView {
  T* data = nullptr;
  int64_t rows = 0;
  int64_t columns = 0;
  int64_t row_stride = 0;
  int64_t column_stride = 0;
};

template <typename T>
[[nodiscard]] MatrixView<T> column_major(T* data, int64_t rows, int64_t columns, int64_t leading) {
  return {data, rows, columns, 1, leading};
}
template <typename T>
[[nodiscard]] MatrixView<T> row_major(T* data, int64_t rows, int64_t columns, int64_t leading) {
  return {data, rows, columns, leading, 1};
}

// Which elements a copy touches: all, or the triangle (diagonal included) of (i, j) with j <= i
// (kLower) or j >= i (kUpper).
enum class Part { kAll, kLower, kUpper };

// Copies `part` of source into destination (same size, no overlap) and returns whether every
// element copied is finite, so that input copies double as the NaN/Inf check. Cache-blocked when
// the two layouts disagree (a transposing copy).
template <typename T>
bool copy_matrix(const MatrixView<const T>& source, const MatrixView<T>& destination,
                 Part part = Part::kAll);
// Sets destination to the identity (ones on the main diagonal, zeros elsewhere).
template <typename T>
void fill_identity(const MatrixView<T>& destination);
// Zeros the strict upper (else lower) triangle of a row-major square matrix.
template <typename T>
void zero_triangle(T* data, int64_t n, bool upper);
// Transposes a square matrix (row stride `leading`) in place.
template <typename T>
void transpose_square(T* data, int64_t n, int64_t leading);

// Returns a scratch buffer to the CPU pool.
template <typename T>
struct ScratchDeleter {
  size_t bytes = 0;
  void operator()(T* pointer) const noexcept { cpu_memory_pool().deallocate(pointer, bytes); }
};
template <typename T>
using Scratch = std::unique_ptr<T[], ScratchDeleter<T>>;

// A buffer of `count` elements left uninitialised (LAPACK writes it before reading), at least one.
// From the CPU pool rather than operator new: glibc maps and unmaps blocks above 128 KiB on every
// call, and the page faults and TLB shootdowns of a 256 x 256 matrix's buffer took longer than
// its ?potrf.
template <typename T>
[[nodiscard]] Scratch<T> scratch(int64_t count) {
  const size_t bytes = array_bytes(static_cast<size_t>(count > 0 ? count : 1), sizeof(T));
  return Scratch<T>(static_cast<T*>(cpu_memory_pool().allocate(bytes)), ScratchDeleter<T>{bytes});
}

// ---- batches ----------------------------------------------------------------------------------
// The matrices of a tensor [..., rows, columns] of any strides (broadcast ones included).
class MatrixBatch {
 public:
  explicit MatrixBatch(const Tensor& matrices);

  [[nodiscard]] int64_t count() const noexcept { return count_; }
  [[nodiscard]] int64_t rows() const noexcept { return rows_; }
  [[nodiscard]] int64_t columns() const noexcept { return columns_; }

  // Matrix `index` (row-major order over the batch dimensions), read-only; T is the dtype's type.
  template <typename T>
  [[nodiscard]] MatrixView<const T> matrix(int64_t index) const {
    // Precondition: index < count(); the offset addresses an element of the validated view.
    return {static_cast<const T*>(data_) + offset(index), rows_, columns_, row_stride_,
            column_stride_};
  }

 private:
  [[nodiscard]] int64_t offset(int64_t index) const noexcept;

  Shape batch_;
  Shape batch_strides_;
  const void* data_ = nullptr;
  int64_t count_ = 0;
  int64_t rows_ = 0;
  int64_t columns_ = 0;
  int64_t row_stride_ = 0;
  int64_t column_stride_ = 0;
};

// How the LAPACK routines of an op behave when called from several threads at once.
enum class Concurrency {
  // Reference LAPACK on level-1/2 BLAS (?geqrf, ?gesdd, ?syevd, ?gelsd): independent calls scale.
  kScales,
  // OpenBLAS's own ?potrf, ?getrf, ?getrs, ?getri take a buffer from its global allocator per call;
  // on small matrices that lock dominates and concurrent calls run slower than a plain loop
  // (measured: 1000 8x8 ?potrf on two threads take 2.3x as long as on one).
  kContended,
  // Our own kernels for small matrices (small_cholesky.h, small_lu.h): no LAPACK or BLAS call and
  // no lock, so they scale like kScales, and OpenBLAS's thread count is left as it is.
  kLockFree,
};

// Runs body(begin, end) over the matrices [0, count). Many small matrices run in parallel over the
// batch with BLAS single-threaded inside each call (kContended routines only once a matrix is big
// enough to amortise OpenBLAS's lock); a single or a few large ones run one after the other with
// BLAS threads inside each call. `work` is the rough flop count of one matrix (m n k).
void for_each_matrix(int64_t count, double work, Concurrency concurrency,
                     const std::function<void(int64_t begin, int64_t end)>& body);

// ---- errors -----------------------------------------------------------------------------------
// "" for a single matrix, " (matrix 3 of the batch)" otherwise: appended to messages.
[[nodiscard]] std::string matrix_label(int64_t index, int64_t count);
[[noreturn]] void raise_non_finite(const char* op, const Tensor& input, const char* name,
                                   int64_t index, int64_t count);
// ?getrf (or our small LU) found U[info-1, info-1] exactly zero in matrix `index` of `count`.
[[noreturn]] void raise_singular(const char* op, const Tensor& a, int info, int64_t index,
                                 int64_t count);
// LAPACK refused an argument (info < 0): our bug, reported as kInternal.
[[noreturn]] void raise_lapack_argument(const char* op, const char* routine, int info);

// ---- dtype dispatch ---------------------------------------------------------------------------
// Calls function(float{}) or function(double{}) for an f32 or f64 dtype (checked before).
template <typename Function>
decltype(auto) dispatch_float(DType dtype, Function&& function) {
  if (dtype == DType::kF32) return function(float{});
  return function(double{});
}

}  // namespace bitnet::linalg::detail

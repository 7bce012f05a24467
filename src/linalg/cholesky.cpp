// cholesky through LAPACK ?potrf. A row-major matrix read column-major is its transpose, and for
// a symmetric matrix the transpose's lower triangle is the original's upper one: so ?potrf runs in
// place in the result, on the row-major copy of the named triangle with the other triangle named,
// and its factor read back row-major is the one asked for. That makes a lower factor an upper
// ?potrf, which OpenBLAS 0.3.21 runs about 15-25% slower than a lower one on AMD Zen (no
// difference measured on Intel Xeon); from order 128 up, where that outweighs two transposing
// copies of a triangle, a lower factor is computed column-major in a scratch buffer instead.
// Up to order kSmallCholeskyOrder our own kernel (small_cholesky.h) replaces ?potrf: OpenBLAS
// serialises ?potrf calls on a lock, the kernel does not, so a batch then spreads over the threads.
#include <algorithm>

#include "bitnet/linalg.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "linalg/small_cholesky.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::column_major;
using detail::MatrixBatch;
using detail::row_major;

// The order from which a lower factor goes through the column-major lower ?potrf.
constexpr int64_t kTransposedLowerOrder = 128;

template <typename T>
void cholesky_matrices(const Tensor& a, bool upper, const Tensor& out) {
  const MatrixBatch batch(a);
  const int64_t n = batch.rows();
  const int64_t leading = std::max<int64_t>(1, n);
  const detail::Part part = upper ? detail::Part::kUpper : detail::Part::kLower;
  const bool small = n <= detail::kSmallCholeskyOrder;
  const bool transposed = !small && !upper && n >= kTransposedLowerOrder;
  T* out_data = out.data_as<T>();
  detail::for_each_matrix(
      batch.count(), static_cast<double>(n) * n * n,
      small ? detail::Concurrency::kLockFree : detail::Concurrency::kContended,
      [&](int64_t begin, int64_t end) {
        const auto buffer = detail::scratch<T>(transposed ? n * n : 0);
        for (int64_t index = begin; index < end; ++index) {
          T* matrix = out_data + index * n * n;
          T* work = transposed ? buffer.get() : matrix;
          const detail::MatrixView<T> destination =
              transposed ? column_major(work, n, n, leading) : row_major(work, n, n, leading);
          // Only the named triangle is read (and checked for NaN and Inf).
          if (!detail::copy_matrix(batch.matrix<T>(index), destination, part)) {
            detail::raise_non_finite("cholesky", a, "a", index, batch.count());
          }
          int info = 0;
          if (small) {
            // The upper factor of a row-major matrix is the lower factor of its transpose.
            info = upper ? detail::small_cholesky<T>(work, n, 1, leading)
                         : detail::small_cholesky<T>(work, n, leading, 1);
          } else {
            // In place, the row-major triangle is the other one of the column-major view.
            const bool lapack_upper = !transposed && !upper;
            info = lapack::potrf<T>(lapack_upper, n, work, leading);
            if (info < 0) detail::raise_lapack_argument("cholesky", "?potrf", info);
          }
          if (info > 0) {
            raise(ErrorKind::kInvalidArgument,
                  "cholesky: a {} is not positive definite: the leading minor of order {} is not "
                  "positive{}",
                  detail::describe(a), info, detail::matrix_label(index, batch.count()));
          }
          if (transposed) {
            const T* factor = buffer.get();
            detail::copy_matrix(column_major(factor, n, n, leading), row_major(matrix, n, n, n),
                                part);
          }
          // The other triangle holds the input (in place) or nothing written yet (transposed).
          detail::zero_triangle(matrix, n, !upper);
        }
      });
}

}  // namespace

Tensor cholesky(const Tensor& a, Triangle triangle) {
  detail::check_square("cholesky", a);
  Tensor out = allocate_tensor(a.shape(), a.dtype());
  if (out.numel() == 0) return out;
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    cholesky_matrices<decltype(tag)>(a, triangle == Triangle::kUpper, out);
  });
  return out;
}

}  // namespace bitnet::linalg

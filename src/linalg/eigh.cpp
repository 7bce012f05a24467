// eigh and eigvalsh through LAPACK ?syevd (divide and conquer). The row-major copy of a reads
// column-major as a^T, whose upper triangle is a's lower one: ?syevd runs on it with the other
// triangle named. The eigenvectors come back as columns of a column-major matrix and are
// transposed in place into the row-major result.
#include <algorithm>

#include "bitnet/linalg.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::MatrixBatch;
using detail::row_major;

// With `vectors` undefined only the eigenvalues are computed.
template <typename T>
void eigh_matrices(const char* op, const Tensor& a, bool upper, const Tensor& values,
                   const Tensor& vectors) {
  const MatrixBatch batch(a);
  const int64_t n = batch.rows();
  const int64_t leading = std::max<int64_t>(1, n);
  const bool with_vectors = vectors.defined();
  const lapack::Workspace size = lapack::syevd_workspace<T>(with_vectors, n);
  T* value_data = values.data_as<T>();
  T* vector_data = with_vectors ? vectors.data_as<T>() : nullptr;
  detail::for_each_matrix(
      batch.count(), static_cast<double>(n) * n * n, detail::Concurrency::kScales,
      [&](int64_t begin, int64_t end) {
        const auto buffer = detail::scratch<T>(with_vectors ? 0 : n * n);
        const auto work = detail::scratch<T>(size.work);
        const auto iwork = detail::scratch<lapack::LapackInt>(size.iwork);
        for (int64_t index = begin; index < end; ++index) {
          // Vectors are formed in place in the result; values alone in a scratch copy.
          T* matrix = with_vectors ? vector_data + index * n * n : buffer.get();
          if (!detail::copy_matrix(batch.matrix<T>(index), row_major(matrix, n, n, leading))) {
            detail::raise_non_finite(op, a, "a", index, batch.count());
          }
          const int info =
              lapack::syevd<T>(with_vectors, !upper, n, matrix, leading, value_data + index * n,
                               work.get(), size.work, iwork.get(), size.iwork);
          if (info < 0) detail::raise_lapack_argument(op, "?syevd", info);
          if (info > 0) {
            raise(ErrorKind::kUnsupported,
                  "{}: LAPACK ?syevd did not converge for a {} (info {}){}; try f64 or rescale the "
                  "input",
                  op, detail::describe(a), info, detail::matrix_label(index, batch.count()));
          }
          if (with_vectors) detail::transpose_square(matrix, n, n);
        }
      });
}

}  // namespace

EighResult eigh(const Tensor& a, Triangle triangle) {
  detail::check_square("eigh", a);
  const int64_t n = a.size(-1);
  EighResult result;
  result.eigenvalues = allocate_tensor(detail::append(detail::batch_shape(a), {n}), a.dtype());
  result.eigenvectors = allocate_tensor(a.shape(), a.dtype());
  if (result.eigenvectors.numel() == 0) return result;
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    eigh_matrices<decltype(tag)>("eigh", a, triangle == Triangle::kUpper, result.eigenvalues,
                                 result.eigenvectors);
  });
  return result;
}

Tensor eigvalsh(const Tensor& a, Triangle triangle) {
  detail::check_square("eigvalsh", a);
  Tensor values = allocate_tensor(detail::append(detail::batch_shape(a), {a.size(-1)}), a.dtype());
  if (values.numel() == 0) return values;
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    eigh_matrices<decltype(tag)>("eigvalsh", a, triangle == Triangle::kUpper, values, Tensor{});
  });
  return values;
}

}  // namespace bitnet::linalg

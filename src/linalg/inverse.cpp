// inverse through LAPACK ?getrf and ?getri, in place in the result. The row-major copy of a reads
// column-major as a^T, whose inverse (a^-1)^T read back row-major is a^-1: no transposed copy.
// Matrices up to kSmallLuOrder go through our own kernels instead (small_lu.h), which take no lock
// (OpenBLAS's ?getrf and ?getri do), so that a batch of them spreads over the threads: a = P L U
// factored in a scratch copy, then a x = I solved in place in the result.
#include "linalg/inverse.h"

#include <algorithm>

#include "bitnet/linalg.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "linalg/small_lu.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::MatrixBatch;
using detail::row_major;

// A singular matrix (pivot info - 1 exactly zero): an error, or a zero inverse flagged in
// *singular.
template <typename T>
void handle_singular(const char* op, const Tensor& a, std::vector<uint8_t>* singular, int info,
                     int64_t index, int64_t count, T* matrix, int64_t n) {
  if (singular == nullptr) detail::raise_singular(op, a, info, index, count);
  std::fill(matrix, matrix + n * n, T{0});
  (*singular)[static_cast<size_t>(index)] = 1;
}

template <typename T>
void small_inverse_of(const char* op, const Tensor& a, std::vector<uint8_t>* singular,
                      const Tensor& out) {
  const MatrixBatch batch(a);
  const int64_t n = batch.rows();
  T* out_data = out.data_as<T>();
  detail::for_each_matrix(
      batch.count(), static_cast<double>(n) * n * n, detail::Concurrency::kLockFree,
      [&](int64_t begin, int64_t end) {
        const auto factors = detail::scratch<T>(n * n);
        const auto pivots = detail::scratch<int64_t>(n);
        for (int64_t index = begin; index < end; ++index) {
          T* matrix = out_data + index * n * n;
          if (!detail::copy_matrix(batch.matrix<T>(index), row_major(factors.get(), n, n, n))) {
            detail::raise_non_finite(op, a, "a", index, batch.count());
          }
          const int info = detail::small_lu<T>(factors.get(), n, n, n, pivots.get());
          if (info > 0) {
            handle_singular(op, a, singular, info, index, batch.count(), matrix, n);
            continue;
          }
          detail::fill_identity(row_major(matrix, n, n, n));
          detail::small_lu_solve<T>(factors.get(), n, n, pivots.get(), matrix, n, n);
        }
      });
}

template <typename T>
void inverse_of(const char* op, const Tensor& a, std::vector<uint8_t>* singular,
                const Tensor& out) {
  const MatrixBatch batch(a);
  const int64_t n = batch.rows();
  if (n <= detail::kSmallLuOrder) {
    small_inverse_of<T>(op, a, singular, out);
    return;
  }
  const int64_t leading = std::max<int64_t>(1, n);
  const lapack::Workspace size = lapack::getri_workspace<T>(n);
  T* out_data = out.data_as<T>();
  detail::for_each_matrix(
      batch.count(), static_cast<double>(n) * n * n, detail::Concurrency::kContended,
      [&](int64_t begin, int64_t end) {
        const auto pivots = detail::scratch<lapack::LapackInt>(n);
        const auto work = detail::scratch<T>(size.work);
        for (int64_t index = begin; index < end; ++index) {
          T* matrix = out_data + index * n * n;
          if (!detail::copy_matrix(batch.matrix<T>(index), row_major(matrix, n, n, leading))) {
            detail::raise_non_finite(op, a, "a", index, batch.count());
          }
          int info = lapack::getrf<T>(n, n, matrix, leading, pivots.get());
          if (info < 0) detail::raise_lapack_argument(op, "?getrf", info);
          if (info > 0) {
            handle_singular(op, a, singular, info, index, batch.count(), matrix, n);
            continue;
          }
          info = lapack::getri<T>(n, matrix, leading, pivots.get(), work.get(), size.work);
          if (info < 0) detail::raise_lapack_argument(op, "?getri", info);
        }
      });
}

}  // namespace

namespace detail {

Tensor inverse_matrices(const char* op, const Tensor& a, std::vector<uint8_t>* singular) {
  Tensor out = allocate_tensor(a.shape(), a.dtype());
  if (singular != nullptr) singular->assign(static_cast<size_t>(checked_numel(batch_shape(a))), 0);
  if (out.numel() == 0) return out;
  dispatch_float(a.dtype(), [&](auto tag) { inverse_of<decltype(tag)>(op, a, singular, out); });
  return out;
}

}  // namespace detail

Tensor inverse(const Tensor& a) {
  detail::check_square("inverse", a);
  return detail::inverse_matrices("inverse", a, nullptr);
}

}  // namespace bitnet::linalg

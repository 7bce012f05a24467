// qr: Householder QR through LAPACK ?geqrf (the reflectors) and ?orgqr (Q formed from them).
// Each matrix is copied once into a column-major buffer; R is read from its upper triangle and Q
// formed in place, then both are written out row-major.
#include <algorithm>

#include "bitnet/linalg.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::column_major;
using detail::MatrixBatch;
using detail::row_major;

template <typename T>
void qr_matrices(const Tensor& a, QrMode mode, const Tensor& q, const Tensor& r) {
  const MatrixBatch batch(a);
  const int64_t m = batch.rows();
  const int64_t n = batch.columns();
  const int64_t k = std::min(m, n);
  const int64_t q_columns = mode == QrMode::kComplete ? m : k;
  const int64_t r_rows = mode == QrMode::kComplete ? m : k;
  const int64_t leading = std::max<int64_t>(1, m);
  // The complete Q needs m columns, more than a's n when m > n.
  const int64_t buffer_columns = std::max(n, q_columns);
  const lapack::Workspace geqrf_size = lapack::geqrf_workspace<T>(m, n);
  const lapack::Workspace orgqr_size = lapack::orgqr_workspace<T>(m, q_columns, k);
  const int64_t work_size = std::max(geqrf_size.work, orgqr_size.work);
  T* q_data = q.data_as<T>();
  T* r_data = r.data_as<T>();

  detail::for_each_matrix(
      batch.count(), static_cast<double>(m) * n * k, detail::Concurrency::kScales,
      [&](int64_t begin, int64_t end) {
        const auto buffer = detail::scratch<T>(leading * buffer_columns);
        const auto tau = detail::scratch<T>(k);
        const auto work = detail::scratch<T>(work_size);
        for (int64_t index = begin; index < end; ++index) {
          if (!detail::copy_matrix(batch.matrix<T>(index),
                                   column_major(buffer.get(), m, n, leading))) {
            detail::raise_non_finite("qr", a, "a", index, batch.count());
          }
          int info =
              lapack::geqrf<T>(m, n, buffer.get(), leading, tau.get(), work.get(), work_size);
          if (info < 0) detail::raise_lapack_argument("qr", "?geqrf", info);
          // R: the upper triangle of the factored buffer, whose strict lower part holds the
          // reflectors (zeroed in R); in complete mode the rows past n are zero as well.
          const T* factored = buffer.get();
          T* r_matrix = r_data + index * r_rows * n;
          detail::copy_matrix(column_major(factored, r_rows, n, leading),
                              row_major(r_matrix, r_rows, n, n));
          for (int64_t i = 1; i < r_rows; ++i) {
            std::fill(r_matrix + i * n, r_matrix + i * n + std::min(i, n), T{0});
          }
          info = lapack::orgqr<T>(m, q_columns, k, buffer.get(), leading, tau.get(), work.get(),
                                  work_size);
          if (info < 0) detail::raise_lapack_argument("qr", "?orgqr", info);
          detail::copy_matrix(column_major(factored, m, q_columns, leading),
                              row_major(q_data + index * m * q_columns, m, q_columns, q_columns));
        }
      });
}

}  // namespace

QrResult qr(const Tensor& a, QrMode mode) {
  detail::check_matrices("qr", a);
  const Shape batch = detail::batch_shape(a);
  const int64_t m = a.size(-2);
  const int64_t n = a.size(-1);
  const int64_t k = std::min(m, n);
  const bool complete = mode == QrMode::kComplete;
  QrResult result;
  result.q = allocate_tensor(detail::append(batch, {m, complete ? m : k}), a.dtype());
  result.r = allocate_tensor(detail::append(batch, {complete ? m : k, n}), a.dtype());
  if (result.q.numel() == 0 && result.r.numel() == 0) return result;
  detail::dispatch_float(
      a.dtype(), [&](auto tag) { qr_matrices<decltype(tag)>(a, mode, result.q, result.r); });
  return result;
}

}  // namespace bitnet::linalg

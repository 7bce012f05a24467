// svd and svdvals through LAPACK ?gesdd (divide and conquer). A row-major copy of a, read
// column-major, is a^T; from a^T = U' S V'^T follows a = V' S U'^T, so ?gesdd's V'^T read row-major
// is our u and its U' read row-major is our vh. ?gesdd writes both straight into the results and
// no transposed copy is needed.
#include <algorithm>

#include "bitnet/linalg.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "linalg/svd.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::MatrixBatch;
using detail::row_major;
using lapack::SvdVectors;

// u, vh are undefined for kNone. u is [..., m, m or k], vh [..., n or k, n], s [..., k].
template <typename T>
void svd_matrices(const char* op, const Tensor& a, SvdVectors vectors, const Tensor& u,
                  const Tensor& s, const Tensor& vh) {
  const MatrixBatch batch(a);
  const int64_t m = batch.rows();
  const int64_t n = batch.columns();
  const int64_t k = std::min(m, n);
  const bool with_vectors = vectors != SvdVectors::kNone;
  const int64_t u_columns = with_vectors ? u.size(-1) : 0;
  const int64_t vh_rows = with_vectors ? vh.size(-2) : 0;
  T* u_data = with_vectors ? u.data_as<T>() : nullptr;
  T* vh_data = with_vectors ? vh.data_as<T>() : nullptr;
  T* s_data = s.data_as<T>();
  // ?gesdd factors a^T, which is n x m.
  const int64_t leading = std::max<int64_t>(1, n);
  const int64_t u_leading = std::max<int64_t>(1, u_columns);
  const lapack::Workspace size = lapack::gesdd_workspace<T>(vectors, n, m);

  detail::for_each_matrix(
      batch.count(), static_cast<double>(m) * n * k, detail::Concurrency::kScales,
      [&](int64_t begin, int64_t end) {
        const auto buffer = detail::scratch<T>(m * n);
        const auto work = detail::scratch<T>(size.work);
        const auto iwork = detail::scratch<lapack::LapackInt>(size.iwork);
        T unused = 0;
        for (int64_t index = begin; index < end; ++index) {
          if (!detail::copy_matrix(batch.matrix<T>(index),
                                   row_major(buffer.get(), m, n, leading))) {
            detail::raise_non_finite(op, a, "a", index, batch.count());
          }
          // The roles swap: ?gesdd's U (n x n or n x k) is our vh, its VT (m or k rows of m) our u.
          T* lapack_u = with_vectors ? vh_data + index * vh_rows * n : &unused;
          T* lapack_vt = with_vectors ? u_data + index * m * u_columns : &unused;
          const int info =
              lapack::gesdd<T>(vectors, n, m, buffer.get(), leading, s_data + index * k, lapack_u,
                               leading, lapack_vt, u_leading, work.get(), size.work, iwork.get());
          if (info < 0) detail::raise_lapack_argument(op, "?gesdd", info);
          if (info > 0) {
            raise(ErrorKind::kUnsupported,
                  "{}: LAPACK ?gesdd did not converge for a {} (info {}){}; try f64 or rescale the "
                  "input",
                  op, detail::describe(a), info, detail::matrix_label(index, batch.count()));
          }
        }
      });
}

}  // namespace

SvdResult svd(const Tensor& a, SvdMode mode) {
  detail::check_matrices("svd", a);
  const Shape batch = detail::batch_shape(a);
  const int64_t m = a.size(-2);
  const int64_t n = a.size(-1);
  const int64_t k = std::min(m, n);
  const bool full = mode == SvdMode::kFull;
  SvdResult result;
  result.u = allocate_tensor(detail::append(batch, {m, full ? m : k}), a.dtype());
  result.s = allocate_tensor(detail::append(batch, {k}), a.dtype());
  result.vh = allocate_tensor(detail::append(batch, {full ? n : k, n}), a.dtype());
  if (checked_numel(batch) == 0) return result;
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (k == 0) {
      // An empty matrix has no singular values; its full bases are the identities (LAPACK
      // returns without touching them).
      if (!full) return;
      const int64_t count = checked_numel(batch);
      for (int64_t index = 0; index < count; ++index) {
        detail::fill_identity(row_major(result.u.data_as<T>() + index * m * m, m, m, m));
        detail::fill_identity(row_major(result.vh.data_as<T>() + index * n * n, n, n, n));
      }
      return;
    }
    svd_matrices<T>("svd", a, full ? SvdVectors::kAll : SvdVectors::kThin, result.u, result.s,
                    result.vh);
  });
  return result;
}

namespace detail {

Tensor singular_values(const char* op, const Tensor& a) {
  const int64_t k = std::min(a.size(-2), a.size(-1));
  Tensor s = allocate_tensor(append(batch_shape(a), {k}), a.dtype());
  if (s.numel() == 0) return s;
  dispatch_float(a.dtype(), [&](auto tag) {
    svd_matrices<decltype(tag)>(op, a, SvdVectors::kNone, Tensor{}, s, Tensor{});
  });
  return s;
}

}  // namespace detail

Tensor svdvals(const Tensor& a) {
  detail::check_matrices("svdvals", a);
  return detail::singular_values("svdvals", a);
}

}  // namespace bitnet::linalg

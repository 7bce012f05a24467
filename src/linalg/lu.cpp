// lu, lu_solve and solve through LAPACK ?getrf / ?getrs / ?gesv (Gaussian elimination with
// partial pivoting). solve factors the row-major copy of a, which LAPACK reads as a^T, and then
// solves with the transposed factors (a^T)^T x = b: no transposed copy of a is made (except for
// small matrices, see kGesvOrder). Matrices up to kSmallLuOrder rows and columns go through our
// own kernels instead (small_lu.h), row-major and without a lock, so that a batch of them spreads
// over the threads: OpenBLAS serialises its ?getrf / ?getrs / ?gesv calls on a lock.
#include <algorithm>

#include "bitnet/linalg.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "linalg/small_lu.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::column_major;
using detail::MatrixBatch;
using detail::MatrixView;
using detail::row_major;
using lapack::LapackInt;

// Whether an m x n matrix goes through the small kernels of small_lu.h.
bool is_small(int64_t m, int64_t n) {
  return m <= detail::kSmallLuOrder && n <= detail::kSmallLuOrder;
}

// lu() of small matrices: factored in place in the result, pivots written straight to theirs.
template <typename T>
void small_lu_matrices(const Tensor& a, const Tensor& lu_out, const Tensor& pivots_out) {
  const MatrixBatch batch(a);
  const int64_t m = batch.rows();
  const int64_t n = batch.columns();
  const int64_t k = std::min(m, n);
  T* lu_data = lu_out.data_as<T>();
  int64_t* pivot_data = pivots_out.data_as<int64_t>();
  detail::for_each_matrix(
      batch.count(), static_cast<double>(m) * n * k, detail::Concurrency::kLockFree,
      [&](int64_t begin, int64_t end) {
        for (int64_t index = begin; index < end; ++index) {
          T* matrix = lu_data + index * m * n;
          if (!detail::copy_matrix(batch.matrix<T>(index), row_major(matrix, m, n, n))) {
            detail::raise_non_finite("lu", a, "a", index, batch.count());
          }
          // A zero pivot (info > 0) still leaves a complete factorisation.
          static_cast<void>(detail::small_lu<T>(matrix, m, n, n, pivot_data + index * k));
        }
      });
}

template <typename T>
void lu_matrices(const Tensor& a, const Tensor& lu_out, const Tensor& pivots_out) {
  const MatrixBatch batch(a);
  const int64_t m = batch.rows();
  const int64_t n = batch.columns();
  if (is_small(m, n)) {
    small_lu_matrices<T>(a, lu_out, pivots_out);
    return;
  }
  const int64_t k = std::min(m, n);
  const int64_t leading = std::max<int64_t>(1, m);
  T* lu_data = lu_out.data_as<T>();
  int64_t* pivot_data = pivots_out.data_as<int64_t>();
  detail::for_each_matrix(batch.count(), static_cast<double>(m) * n * k,
                          detail::Concurrency::kContended, [&](int64_t begin, int64_t end) {
                            const auto buffer = detail::scratch<T>(m * n);
                            const auto pivots = detail::scratch<LapackInt>(k);
                            for (int64_t index = begin; index < end; ++index) {
                              if (!detail::copy_matrix(batch.matrix<T>(index),
                                                       column_major(buffer.get(), m, n, leading))) {
                                detail::raise_non_finite("lu", a, "a", index, batch.count());
                              }
                              // info > 0 (an exactly zero pivot) still leaves a complete
                              // factorisation.
                              const int info =
                                  lapack::getrf<T>(m, n, buffer.get(), leading, pivots.get());
                              if (info < 0) detail::raise_lapack_argument("lu", "?getrf", info);
                              const T* factored = buffer.get();
                              detail::copy_matrix(column_major(factored, m, n, leading),
                                                  row_major(lu_data + index * m * n, m, n, n));
                              for (int64_t i = 0; i < k; ++i)
                                pivot_data[index * k + i] = pivots[i] - 1;
                            }
                          });
}

// Writes the solution of matrix `index` (column-major n x k in `solution`) to out.
template <typename T>
void store_solution(const T* solution, int64_t n, int64_t k, T* out, int64_t index) {
  detail::copy_matrix(column_major(solution, n, k, std::max<int64_t>(1, n)),
                      row_major(out + index * n * k, n, k, k));
}

// Up to this order solve copies a column-major and calls ?gesv: on matrices this small a second
// OpenBLAS call (and its buffer allocation) costs more than the transposing copy (measured 8%
// on 1000 8x8 systems). Larger ones avoid that copy by factoring a^T.
constexpr int64_t kGesvOrder = 32;

// solve() of small systems: a factored row-major in a scratch copy, b copied to the result and
// solved in place there, so no transposing copy is made either way.
template <typename T>
void small_solve_matrices(const MatrixBatch& a_batch, const MatrixBatch& b_batch, const Tensor& a,
                          const Tensor& b, int64_t k, const Tensor& out) {
  const int64_t n = a_batch.rows();
  T* out_data = out.data_as<T>();
  detail::for_each_matrix(
      a_batch.count(), static_cast<double>(n) * n * (n + k), detail::Concurrency::kLockFree,
      [&](int64_t begin, int64_t end) {
        const auto factors = detail::scratch<T>(n * n);
        const auto pivots = detail::scratch<int64_t>(n);
        for (int64_t index = begin; index < end; ++index) {
          T* solution = out_data + index * n * k;
          if (!detail::copy_matrix(a_batch.matrix<T>(index), row_major(factors.get(), n, n, n))) {
            detail::raise_non_finite("solve", a, "a", index, a_batch.count());
          }
          if (!detail::copy_matrix(b_batch.matrix<T>(index), row_major(solution, n, k, k))) {
            detail::raise_non_finite("solve", b, "b", index, a_batch.count());
          }
          const int info = detail::small_lu<T>(factors.get(), n, n, n, pivots.get());
          if (info > 0) detail::raise_singular("solve", a, info, index, a_batch.count());
          detail::small_lu_solve<T>(factors.get(), n, n, pivots.get(), solution, k, k);
        }
      });
}

template <typename T>
void solve_matrices(const Tensor& a, const Tensor& b, const detail::RightHandSide& rhs,
                    const Tensor& out) {
  const MatrixBatch a_batch(a.expand(detail::append(rhs.batch, {a.size(-2), a.size(-1)})));
  const MatrixBatch b_batch(rhs.matrices);
  const int64_t n = a_batch.rows();
  const int64_t k = rhs.columns;
  if (is_small(n, n)) {
    small_solve_matrices<T>(a_batch, b_batch, a, b, k, out);
    return;
  }
  const int64_t leading = std::max<int64_t>(1, n);
  const bool column_major_a = n <= kGesvOrder;
  T* out_data = out.data_as<T>();
  detail::for_each_matrix(
      a_batch.count(), static_cast<double>(n) * n * (n + k), detail::Concurrency::kContended,
      [&](int64_t begin, int64_t end) {
        const auto factors = detail::scratch<T>(n * n);
        const auto solution = detail::scratch<T>(n * k);
        const auto pivots = detail::scratch<LapackInt>(n);
        for (int64_t index = begin; index < end; ++index) {
          // Row-major, the copy of a is column-major a^T: then factor a^T = P L U and solve with
          // its transpose.
          const detail::MatrixView<T> factor_view = column_major_a
                                                        ? column_major(factors.get(), n, n, leading)
                                                        : row_major(factors.get(), n, n, leading);
          if (!detail::copy_matrix(a_batch.matrix<T>(index), factor_view)) {
            detail::raise_non_finite("solve", a, "a", index, a_batch.count());
          }
          if (!detail::copy_matrix(b_batch.matrix<T>(index),
                                   column_major(solution.get(), n, k, leading))) {
            detail::raise_non_finite("solve", b, "b", index, a_batch.count());
          }
          int info = column_major_a ? lapack::gesv<T>(n, k, factors.get(), leading, pivots.get(),
                                                      solution.get(), leading)
                                    : lapack::getrf<T>(n, n, factors.get(), leading, pivots.get());
          if (info < 0) {
            detail::raise_lapack_argument("solve", column_major_a ? "?gesv" : "?getrf", info);
          }
          if (info > 0) detail::raise_singular("solve", a, info, index, a_batch.count());
          if (!column_major_a) {
            info = lapack::getrs<T>(true, n, k, factors.get(), leading, pivots.get(),
                                    solution.get(), leading);
            if (info < 0) detail::raise_lapack_argument("solve", "?getrs", info);
          }
          store_solution(solution.get(), n, k, out_data, index);
        }
      });
}

template <typename T>
void lu_solve_matrices(const LuResult& factors, const detail::RightHandSide& rhs, const Tensor& b,
                       const Tensor& out) {
  const int64_t n = factors.lu.size(-1);
  const MatrixBatch lu_batch(factors.lu.expand(detail::append(rhs.batch, {n, n})));
  const MatrixBatch pivot_batch(
      factors.pivots.unsqueeze(-1).expand(detail::append(rhs.batch, {n, 1})));
  const MatrixBatch b_batch(rhs.matrices);
  const int64_t k = rhs.columns;
  const int64_t leading = std::max<int64_t>(1, n);
  // Small systems: row-major factors and solved in place in the result (small_lu_solve); others
  // column-major for ?getrs, solved in a scratch buffer and copied out.
  const bool small = is_small(n, n);
  T* out_data = out.data_as<T>();
  detail::for_each_matrix(
      lu_batch.count(), static_cast<double>(n) * n * k,
      small ? detail::Concurrency::kLockFree : detail::Concurrency::kContended,
      [&](int64_t begin, int64_t end) {
        const auto lu_matrix = detail::scratch<T>(n * n);
        const auto solution = detail::scratch<T>(small ? 0 : n * k);
        const auto pivots = detail::scratch<LapackInt>(small ? 0 : n);
        const auto small_pivots = detail::scratch<int64_t>(small ? n : 0);
        for (int64_t index = begin; index < end; ++index) {
          const MatrixView<T> lu_view = small ? row_major(lu_matrix.get(), n, n, leading)
                                              : column_major(lu_matrix.get(), n, n, leading);
          if (!detail::copy_matrix(lu_batch.matrix<T>(index), lu_view)) {
            detail::raise_non_finite("lu_solve", factors.lu, "lu", index, lu_batch.count());
          }
          // LAPACK swaps rows by these indices unchecked (and so does small_lu_solve): an
          // out-of-range one would write outside b.
          const MatrixView<const int64_t> pivot_column = pivot_batch.matrix<int64_t>(index);
          for (int64_t i = 0; i < n; ++i) {
            const int64_t pivot = pivot_column.data[i * pivot_column.row_stride];
            if (pivot < 0 || pivot >= n) {
              raise(ErrorKind::kInvalidArgument,
                    "lu_solve: pivots[{}] is {}, outside [0, {}) for lu {}{}", i, pivot, n,
                    detail::describe(factors.lu), detail::matrix_label(index, lu_batch.count()));
            }
            if (small) {
              small_pivots[i] = pivot;
            } else {
              pivots[i] = static_cast<LapackInt>(pivot + 1);
            }
            // The diagonal is at i (n + 1) in either layout.
            if (lu_matrix[i + i * leading] == T{0}) {
              raise(ErrorKind::kInvalidArgument,
                    "lu_solve: lu {} is singular: U[{},{}] is exactly zero{}",
                    detail::describe(factors.lu), i, i,
                    detail::matrix_label(index, lu_batch.count()));
            }
          }
          T* x = small ? out_data + index * n * k : solution.get();
          const MatrixView<T> x_view =
              small ? row_major(x, n, k, k) : column_major(x, n, k, leading);
          if (!detail::copy_matrix(b_batch.matrix<T>(index), x_view)) {
            detail::raise_non_finite("lu_solve", b, "b", index, lu_batch.count());
          }
          if (small) {
            detail::small_lu_solve<T>(lu_matrix.get(), n, leading, small_pivots.get(), x, k, k);
            continue;
          }
          const int info =
              lapack::getrs<T>(false, n, k, lu_matrix.get(), leading, pivots.get(), x, leading);
          if (info < 0) detail::raise_lapack_argument("lu_solve", "?getrs", info);
          store_solution(x, n, k, out_data, index);
        }
      });
}

Tensor allocate_solution(const detail::RightHandSide& rhs, int64_t n, DType dtype) {
  return allocate_tensor(
      rhs.vector ? detail::append(rhs.batch, {n}) : detail::append(rhs.batch, {n, rhs.columns}),
      dtype);
}

}  // namespace

LuResult lu(const Tensor& a) {
  detail::check_matrices("lu", a);
  const Shape batch = detail::batch_shape(a);
  const int64_t k = std::min(a.size(-2), a.size(-1));
  LuResult result;
  result.lu = allocate_tensor(a.shape(), a.dtype());
  result.pivots = allocate_tensor(detail::append(batch, {k}), DType::kI64);
  if (result.lu.numel() == 0) return result;
  detail::dispatch_float(
      a.dtype(), [&](auto tag) { lu_matrices<decltype(tag)>(a, result.lu, result.pivots); });
  return result;
}

Tensor solve(const Tensor& a, const Tensor& b) {
  detail::check_square("solve", a);
  const detail::RightHandSide rhs = detail::right_hand_side("solve", a, b);
  Tensor out = allocate_solution(rhs, a.size(-1), a.dtype());
  if (out.numel() == 0) return out;
  detail::dispatch_float(a.dtype(),
                         [&](auto tag) { solve_matrices<decltype(tag)>(a, b, rhs, out); });
  return out;
}

Tensor lu_solve(const LuResult& factors, const Tensor& b) {
  detail::check_square("lu_solve", factors.lu, "lu");
  const int64_t n = factors.lu.size(-1);
  const Shape pivot_shape = detail::append(detail::batch_shape(factors.lu), {n});
  if (!factors.pivots.defined() || factors.pivots.dtype() != DType::kI64 ||
      factors.pivots.shape() != pivot_shape) {
    raise(ErrorKind::kShapeMismatch, "lu_solve: pivots are {}; lu {} needs i64 pivots of shape {}",
          factors.pivots.defined() ? detail::describe(factors.pivots) : std::string("undefined"),
          detail::describe(factors.lu), to_string(pivot_shape));
  }
  const detail::RightHandSide rhs = detail::right_hand_side("lu_solve", factors.lu, b);
  Tensor out = allocate_solution(rhs, n, factors.lu.dtype());
  if (out.numel() == 0) return out;
  detail::dispatch_float(factors.lu.dtype(),
                         [&](auto tag) { lu_solve_matrices<decltype(tag)>(factors, rhs, b, out); });
  return out;
}

}  // namespace bitnet::linalg

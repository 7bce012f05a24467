// lstsq through LAPACK ?gelsd: the minimum-norm least-squares solution from the SVD of a (by
// divide and conquer), with rank decided by rcond. a and b are copied column-major; b's buffer has
// max(m, n) rows because ?gelsd returns the n-row solution in it.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "bitnet/linalg.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::column_major;
using detail::MatrixBatch;
using detail::row_major;

// Fills result.solution, .rank, .singular_values and `residuals` ([batch..., k] of T); returns
// whether every matrix has full column rank n.
template <typename T>
bool lstsq_matrices(const Tensor& a, const Tensor& b, const detail::RightHandSide& rhs,
                    double rcond, const LstsqResult& result, T* residuals) {
  const MatrixBatch a_batch(a.expand(detail::append(rhs.batch, {a.size(-2), a.size(-1)})));
  const MatrixBatch b_batch(rhs.matrices);
  const int64_t m = a_batch.rows();
  const int64_t n = a_batch.columns();
  const int64_t k = rhs.columns;
  const int64_t min_dim = std::min(m, n);
  const int64_t a_leading = std::max<int64_t>(1, m);
  const int64_t b_leading = std::max<int64_t>({1, m, n});
  const lapack::Workspace size = lapack::gelsd_workspace<T>(m, n, k);
  T* solution_data = result.solution.data_as<T>();
  T* singular_data = result.singular_values.data_as<T>();
  int64_t* rank_data = result.rank.data_as<int64_t>();
  std::atomic<bool> full_rank{true};
  detail::for_each_matrix(
      a_batch.count(), static_cast<double>(m) * n * (min_dim + k), detail::Concurrency::kScales,
      [&](int64_t begin, int64_t end) {
        const auto a_buffer = detail::scratch<T>(m * n);
        const auto b_buffer = detail::scratch<T>(b_leading * k);
        const auto work = detail::scratch<T>(size.work);
        const auto iwork = detail::scratch<lapack::LapackInt>(size.iwork);
        for (int64_t index = begin; index < end; ++index) {
          if (!detail::copy_matrix(a_batch.matrix<T>(index),
                                   column_major(a_buffer.get(), m, n, a_leading))) {
            detail::raise_non_finite("lstsq", a, "a", index, a_batch.count());
          }
          // Rows past m are not read as input, but an empty a makes ?gelsd return before writing
          // the solution there: zeros are then the minimum-norm answer.
          for (int64_t column = 0; column < k; ++column) {
            std::fill(b_buffer.get() + column * b_leading + m,
                      b_buffer.get() + (column + 1) * b_leading, T{0});
          }
          if (!detail::copy_matrix(b_batch.matrix<T>(index),
                                   column_major(b_buffer.get(), m, k, b_leading))) {
            detail::raise_non_finite("lstsq", b, "b", index, a_batch.count());
          }
          int64_t rank = 0;
          const int info =
              lapack::gelsd<T>(m, n, k, a_buffer.get(), a_leading, b_buffer.get(), b_leading,
                               singular_data + index * min_dim, static_cast<T>(rcond), &rank,
                               work.get(), size.work, iwork.get());
          if (info < 0) detail::raise_lapack_argument("lstsq", "?gelsd", info);
          if (info > 0) {
            raise(ErrorKind::kUnsupported,
                  "lstsq: LAPACK ?gelsd: the SVD of a {} did not converge (info {}){}",
                  detail::describe(a), info, detail::matrix_label(index, a_batch.count()));
          }
          rank_data[index] = rank;
          if (rank < n) full_rank.store(false, std::memory_order_relaxed);
          const T* solved = b_buffer.get();
          detail::copy_matrix(column_major(solved, n, k, b_leading),
                              row_major(solution_data + index * n * k, n, k, k));
          // With full column rank, rows n..m-1 of the transformed b hold the residual components.
          for (int64_t column = 0; column < k && m > n; ++column) {
            double sum = 0;
            for (int64_t row = n; row < m; ++row) {
              const double value = solved[row + column * b_leading];
              sum += value * value;
            }
            residuals[index * k + column] = static_cast<T>(sum);
          }
        }
      });
  return full_rank.load();
}

}  // namespace

LstsqResult lstsq(const Tensor& a, const Tensor& b, std::optional<double> rcond) {
  detail::check_matrices("lstsq", a);
  const detail::RightHandSide rhs = detail::right_hand_side("lstsq", a, b);
  const int64_t m = a.size(-2);
  const int64_t n = a.size(-1);
  const int64_t k = rhs.columns;
  if (rcond && std::isnan(*rcond)) {
    raise(ErrorKind::kInvalidArgument, "lstsq: rcond is NaN");
  }
  const double epsilon = a.dtype() == DType::kF32 ? std::numeric_limits<float>::epsilon()
                                                  : std::numeric_limits<double>::epsilon();
  const double threshold = rcond.value_or(epsilon * static_cast<double>(std::max(m, n)));
  const Shape solution_shape =
      rhs.vector ? detail::append(rhs.batch, {n}) : detail::append(rhs.batch, {n, k});
  const Shape residual_shape = rhs.vector ? rhs.batch : detail::append(rhs.batch, {k});
  LstsqResult result;
  result.solution = allocate_tensor(solution_shape, a.dtype());
  result.rank = allocate_tensor(rhs.batch, DType::kI64);
  result.singular_values = allocate_tensor(detail::append(rhs.batch, {std::min(m, n)}), a.dtype());
  Tensor residuals = allocate_tensor(residual_shape, a.dtype());
  bool full_rank = true;
  if (checked_numel(rhs.batch) > 0) {
    detail::dispatch_float(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      full_rank = lstsq_matrices<T>(a, b, rhs, threshold, result, residuals.template data_as<T>());
    });
  }
  // As NumPy and PyTorch: residuals only when they are well defined for every matrix.
  result.residuals = m > n && full_rank ? residuals : allocate_tensor({0}, a.dtype());
  return result;
}

}  // namespace bitnet::linalg

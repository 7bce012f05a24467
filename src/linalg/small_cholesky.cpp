// The unblocked left-looking column Cholesky of LAPACK's ?potf2 ('L'; Golub and Van Loan, Matrix
// Computations, section 4.2): for p < j,
//   l(j, j) = sqrt(a(j, j) - sum_p l(j, p)^2),
//   l(i, j) = (a(i, j) - sum_p l(i, p) l(j, p)) / l(j, j) for i > j.
// Sums run in T, in order of p, and the column is scaled by the reciprocal of its pivot, as ?potf2
// does; no fused multiply-add (the library builds with -ffp-contract=off).
#include "linalg/small_cholesky.h"

#include <cmath>

namespace bitnet::linalg::detail {

template <typename T>
int small_cholesky(T* a, int64_t n, int64_t row_stride, int64_t column_stride) noexcept {
  for (int64_t j = 0; j < n; ++j) {
    // Precondition: (i, j) addresses an element of the n x n matrix for i, j < n.
    T* row_j = a + j * row_stride;
    T pivot = row_j[j * column_stride];
    for (int64_t p = 0; p < j; ++p) {
      const T value = row_j[p * column_stride];
      pivot -= value * value;
    }
    // Not positive, or NaN from overflow along the way: ?potf2's test (ajj <= 0 or NaN).
    if (!(pivot > T{0})) return static_cast<int>(j + 1);
    pivot = std::sqrt(pivot);
    row_j[j * column_stride] = pivot;
    // A positive square root is at least sqrt(the smallest subnormal): its reciprocal is finite.
    const T reciprocal = T{1} / pivot;
    for (int64_t i = j + 1; i < n; ++i) {
      T* row_i = a + i * row_stride;
      T value = row_i[j * column_stride];
      for (int64_t p = 0; p < j; ++p) value -= row_i[p * column_stride] * row_j[p * column_stride];
      row_i[j * column_stride] = value * reciprocal;
    }
  }
  return 0;
}

template int small_cholesky<float>(float*, int64_t, int64_t, int64_t) noexcept;
template int small_cholesky<double>(double*, int64_t, int64_t, int64_t) noexcept;

}  // namespace bitnet::linalg::detail

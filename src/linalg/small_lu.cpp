// Right-looking unblocked LU with partial pivoting, as LAPACK's ?getf2 (Golub and Van Loan, Matrix
// Computations, section 3.4), and forward and back substitution for the solves. Everything is
// accumulated in T, in a fixed order; no fused multiply-add (the library builds with
// -ffp-contract=off).
#include "linalg/small_lu.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bitnet::linalg::detail {

template <typename T>
int small_lu(T* a, int64_t m, int64_t n, int64_t lda, int64_t* pivots) noexcept {
  // LAPACK's sfmin (dlamch('S')): the smallest pivot whose reciprocal does not overflow.
  constexpr T kSafeMinimum = std::numeric_limits<T>::min();
  const int64_t k = std::min(m, n);
  int info = 0;
  for (int64_t j = 0; j < k; ++j) {
    // Precondition: (i, j) addresses an element of the m x n matrix for i < m, j < n.
    // ?amax: the first row of largest magnitude (strictly larger replaces, so ties keep the first).
    int64_t pivot = j;
    T largest = std::fabs(a[j * lda + j]);
    for (int64_t i = j + 1; i < m; ++i) {
      const T magnitude = std::fabs(a[i * lda + j]);
      const bool larger = magnitude > largest;
      largest = larger ? magnitude : largest;
      pivot = larger ? i : pivot;
    }
    pivots[j] = pivot;
    T* row_j = a + j * lda;
    if (a[pivot * lda + j] != T{0}) {
      // Whole rows, the finished part of L included, as LAPACK stores P a = L U.
      if (pivot != j) std::swap_ranges(row_j, row_j + n, a + pivot * lda);
      // The multipliers: scaled by the reciprocal unless it would overflow (?getf2).
      const T diagonal = row_j[j];
      if (std::fabs(diagonal) >= kSafeMinimum) {
        const T reciprocal = T{1} / diagonal;
        for (int64_t i = j + 1; i < m; ++i) a[i * lda + j] *= reciprocal;
      } else {
        for (int64_t i = j + 1; i < m; ++i) a[i * lda + j] /= diagonal;
      }
    } else if (info == 0) {
      // The whole column below is zero: nothing to eliminate, and U is singular.
      info = static_cast<int>(j + 1);
    }
    // The rank-1 update of the trailing matrix, along rows (unit stride).
    for (int64_t i = j + 1; i < m; ++i) {
      T* row_i = a + i * lda;
      const T multiplier = row_i[j];
      for (int64_t c = j + 1; c < n; ++c) row_i[c] -= multiplier * row_j[c];
    }
  }
  return info;
}

template <typename T>
void small_lu_solve(const T* lu, int64_t n, int64_t lda, const int64_t* pivots, T* b, int64_t k,
                    int64_t ldb) noexcept {
  // Precondition: pivots in [0, n), so every row addressed lies inside b.
  for (int64_t j = 0; j < n; ++j) {
    if (pivots[j] != j) std::swap_ranges(b + j * ldb, b + j * ldb + k, b + pivots[j] * ldb);
  }
  // Both substitutions are column-oriented, as the reference ?trsm: once row p of the solution is
  // final it is subtracted from every row still open, and those rows update independently
  // (measured on 8x8 with one right-hand side: 92 ns, against 113 ns for a dot product per row).
  if (k == 1) {
    // The same operations in the same order as below, without the loops over the columns of b
    // (measured on 8x8: 91 ns, against 102 ns through those loops).
    for (int64_t p = 0; p < n; ++p) {
      const T value = b[p * ldb];
      for (int64_t i = p + 1; i < n; ++i) b[i * ldb] -= lu[i * lda + p] * value;
    }
    for (int64_t p = n - 1; p >= 0; --p) {
      const T value = b[p * ldb] / lu[p * lda + p];
      b[p * ldb] = value;
      for (int64_t i = 0; i < p; ++i) b[i * ldb] -= lu[i * lda + p] * value;
    }
    return;
  }
  // L Y = P B (unit diagonal), whole rows of b at a time (unit stride).
  for (int64_t p = 0; p < n; ++p) {
    const T* row_p = b + p * ldb;
    for (int64_t i = p + 1; i < n; ++i) {
      const T factor = lu[i * lda + p];
      T* row_i = b + i * ldb;
      for (int64_t c = 0; c < k; ++c) row_i[c] -= factor * row_p[c];
    }
  }
  // U X = Y, from the last row up.
  for (int64_t p = n - 1; p >= 0; --p) {
    T* row_p = b + p * ldb;
    const T diagonal = lu[p * lda + p];
    for (int64_t c = 0; c < k; ++c) row_p[c] /= diagonal;
    for (int64_t i = 0; i < p; ++i) {
      const T factor = lu[i * lda + p];
      T* row_i = b + i * ldb;
      for (int64_t c = 0; c < k; ++c) row_i[c] -= factor * row_p[c];
    }
  }
}

template int small_lu<float>(float*, int64_t, int64_t, int64_t, int64_t*) noexcept;
template int small_lu<double>(double*, int64_t, int64_t, int64_t, int64_t*) noexcept;
template void small_lu_solve<float>(const float*, int64_t, int64_t, const int64_t*, float*, int64_t,
                                    int64_t) noexcept;
template void small_lu_solve<double>(const double*, int64_t, int64_t, const int64_t*, double*,
                                     int64_t, int64_t) noexcept;

}  // namespace bitnet::linalg::detail

// LU factorisation with partial pivoting and the solves with its factors for small matrices,
// written here instead of calling LAPACK ?getrf / ?getrs / ?gesv: OpenBLAS 0.3.21 takes a global
// lock on every call of those, so a batch of small matrices gains nothing from threads there, while
// these kernels take no lock and a batch of them is split over the pool.
//
// Matrices are row-major: element (i, j) of a at a[i * lda + j]. The factors are stored as LAPACK
// stores them (L below the diagonal with its unit diagonal implied, U on and above it), and the
// pivots follow bitnet's convention for lu(): 0-based, row j was swapped with row pivots[j], for
// j = 0, 1, ... in order (LAPACK's ipiv minus one).
#pragma once

#include <cstdint>

namespace bitnet::linalg::detail {

// Matrices whose rows and columns are all at most this go through the small kernels. Measured on
// one thread against the LAPACK calls they replace (docs/PERFORMANCE.md): at 16 every use (lu,
// solve with 1 or 16 right-hand sides, inverse) takes at most 65% of LAPACK's time; the lead
// shrinks to 10-18% by order 32.
inline constexpr int64_t kSmallLuOrder = 16;

// P a = L U of the m x n matrix a, in place, as LAPACK's ?getf2: in column j the pivot is the
// first row i >= j of largest |a(i, j)|, and whole rows are swapped. pivots gets min(m, n) entries.
// Returns 0, or k > 0 when U(k-1, k-1) is exactly zero (LAPACK's info: the first such k); the
// factorisation is still completed. Assumes validated, finite input.
template <typename T>
[[nodiscard]] int small_lu(T* a, int64_t m, int64_t n, int64_t lda, int64_t* pivots) noexcept;

// Solves A X = B with small_lu()'s factors of an n x n A whose U has no zero on its diagonal;
// b (n x k, row stride ldb) holds B and is overwritten with X. Pivots must lie in [0, n).
template <typename T>
void small_lu_solve(const T* lu, int64_t n, int64_t lda, const int64_t* pivots, T* b, int64_t k,
                    int64_t ldb) noexcept;

}  // namespace bitnet::linalg::detail

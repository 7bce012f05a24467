// The LAPACK adapter: the rest of bitnet-core reaches LAPACKE only through these functions, so that
// swapping the library is one file (lapack_adapter.cpp, the only file including <lapacke.h>).
//
// Every routine is the column-major LAPACK one, for T = float or double. Each assumes validated
// input: sizes in [0, kLapackMaxIndex], every leading dimension at least max(1, rows), arrays of
// the sizes LAPACK documents, workspaces at least what the matching *_workspace query returned, no
// aliasing between arrays. Each returns LAPACK's info: 0 on success; -i when argument i of the
// LAPACKE call was illegal (a bug of ours); > 0 with the routine's own meaning, noted here.
#pragma once

#include <cstdint>
#include <limits>

namespace bitnet::linalg::lapack {

// LAPACK counts in 32-bit ints (the LP64 interface), also for products such as lda * columns in
// its Fortran index arithmetic: callers refuse matrices with more elements than this.
inline constexpr int64_t kLapackMaxIndex = std::numeric_limits<int32_t>::max();

// LAPACK's integer: pivot indices (1-based) and integer workspaces.
using LapackInt = int32_t;

// Workspace lengths, in elements of T (work) and of LapackInt (iwork).
struct Workspace {
  int64_t work = 1;
  int64_t iwork = 1;
};

// QR: a = Q R with Householder reflectors left in a and tau (min(m, n) scalars).
template <typename T>
[[nodiscard]] Workspace geqrf_workspace(int64_t m, int64_t n);
template <typename T>
int geqrf(int64_t m, int64_t n, T* a, int64_t lda, T* tau, T* work, int64_t lwork);

// Forms the m x n matrix Q (m >= n >= k) from the first k reflectors left by geqrf.
template <typename T>
[[nodiscard]] Workspace orgqr_workspace(int64_t m, int64_t n, int64_t k);
template <typename T>
int orgqr(int64_t m, int64_t n, int64_t k, T* a, int64_t lda, const T* tau, T* work, int64_t lwork);

// Cholesky of the n x n matrix whose `upper` (else lower) triangle a holds; the factor overwrites
// that triangle. info > 0: the leading minor of order info is not positive definite.
template <typename T>
int potrf(bool upper, int64_t n, T* a, int64_t lda);

// Which singular vectors gesdd forms: all (U m x m, VT n x n), the leading min(m, n) (thin), none.
enum class SvdVectors : char { kAll = 'A', kThin = 'S', kNone = 'N' };

// SVD by divide and conquer: s gets min(m, n) values in descending order; a is destroyed. iwork
// has 8 min(m, n) entries. info > 0: the bidiagonal divide and conquer did not converge.
template <typename T>
[[nodiscard]] Workspace gesdd_workspace(SvdVectors vectors, int64_t m, int64_t n);
template <typename T>
int gesdd(SvdVectors vectors, int64_t m, int64_t n, T* a, int64_t lda, T* s, T* u, int64_t ldu,
          T* vt, int64_t ldvt, T* work, int64_t lwork, LapackInt* iwork);

// LU with partial pivoting, a = P L U, pivots (1-based) of min(m, n) rows. info > 0: U(info, info)
// is exactly zero (the factorisation is complete, but U is singular).
template <typename T>
int getrf(int64_t m, int64_t n, T* a, int64_t lda, LapackInt* pivots);

// Solves A X = B (or A^T X = B when `transpose`) with getrf's factors of the n x n matrix A; b
// (n x nrhs) is overwritten with X.
template <typename T>
int getrs(bool transpose, int64_t n, int64_t nrhs, const T* a, int64_t lda, const LapackInt* pivots,
          T* b, int64_t ldb);

// getrf and getrs in one call: a (n x n) is overwritten by its factors and b (n x nrhs) by the
// solution of a x = b. info > 0: U(info, info) is exactly zero and b is left unsolved.
template <typename T>
int gesv(int64_t n, int64_t nrhs, T* a, int64_t lda, LapackInt* pivots, T* b, int64_t ldb);

// Inverse from getrf's factors, in place. info > 0: U(info, info) is exactly zero.
template <typename T>
[[nodiscard]] Workspace getri_workspace(int64_t n);
template <typename T>
int getri(int64_t n, T* a, int64_t lda, const LapackInt* pivots, T* work, int64_t lwork);

// Eigenvalues (ascending, into w) and, with `vectors`, orthonormal eigenvectors (the columns of a)
// of the symmetric matrix held in a's `upper` (else lower) triangle, by divide and conquer.
// info > 0: the tridiagonal eigensolver did not converge.
template <typename T>
[[nodiscard]] Workspace syevd_workspace(bool vectors, int64_t n);
template <typename T>
int syevd(bool vectors, bool upper, int64_t n, T* a, int64_t lda, T* w, T* work, int64_t lwork,
          LapackInt* iwork, int64_t liwork);

// Minimum-norm least squares min ||B - A X|| by the SVD of A (m x n): b (max(m, n) x nrhs) holds B
// on entry and X in its first n rows on return; s gets min(m, n) singular values; singular values
// at most rcond * s[0] count as zero (rcond < 0: machine precision); `rank` gets the effective
// rank. a is destroyed. info > 0: the SVD did not converge.
template <typename T>
[[nodiscard]] Workspace gelsd_workspace(int64_t m, int64_t n, int64_t nrhs);
template <typename T>
int gelsd(int64_t m, int64_t n, int64_t nrhs, T* a, int64_t lda, T* b, int64_t ldb, T* s, T rcond,
          int64_t* rank, T* work, int64_t lwork, LapackInt* iwork);

}  // namespace bitnet::linalg::lapack

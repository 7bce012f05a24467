#include "bench/lapacke_baseline.h"

#include <lapacke.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace bitnet::bench {
namespace {

void check(lapack_int info, const char* routine) {
  if (info != 0) {
    throw std::runtime_error(std::string("lapacke baseline: ") + routine + " returned info " +
                             std::to_string(info));
  }
}

// Precondition for the casts: the suite's sizes are far below LAPACK's 32-bit limit.
lapack_int to_int(int64_t value) {
  return static_cast<lapack_int>(value);
}

}  // namespace

void lapacke_qr(int64_t n, const double* a, double* scratch, double* tau, double* r) {
  const lapack_int size = to_int(n);
  std::copy(a, a + n * n, scratch);
  check(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, size, size, scratch, size, tau), "dgeqrf");
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < n; ++i) r[i + j * n] = i <= j ? scratch[i + j * n] : 0.0;
  }
  check(LAPACKE_dorgqr(LAPACK_COL_MAJOR, size, size, size, scratch, size, tau), "dorgqr");
}

void lapacke_cholesky(int64_t n, const double* a, double* l) {
  const lapack_int size = to_int(n);
  std::copy(a, a + n * n, l);
  check(LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', size, l, size), "dpotrf");
  for (int64_t j = 1; j < n; ++j) std::fill(l + j * n, l + j * n + j, 0.0);
}

void lapacke_svd(int64_t n, const double* a, double* scratch, double* s, double* u, double* vt) {
  const lapack_int size = to_int(n);
  std::copy(a, a + n * n, scratch);
  check(LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', size, size, scratch, size, s, u, size, vt, size),
        "dgesdd");
}

void lapacke_solve(int64_t n, int64_t nrhs, const double* a, const double* b, double* scratch,
                   int32_t* pivots, double* x) {
  static_assert(sizeof(lapack_int) == sizeof(int32_t), "LP64 LAPACKE");
  const lapack_int size = to_int(n);
  std::copy(a, a + n * n, scratch);
  std::copy(b, b + n * nrhs, x);
  check(LAPACKE_dgesv(LAPACK_COL_MAJOR, size, to_int(nrhs), scratch, size, pivots, x, size),
        "dgesv");
}

void lapacke_eigh(int64_t n, const double* a, double* vectors, double* values) {
  const lapack_int size = to_int(n);
  std::copy(a, a + n * n, vectors);
  check(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', size, vectors, size, values), "dsyevd");
}

}  // namespace bitnet::bench

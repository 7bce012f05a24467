#include "bench/lapacke_baseline.h"

#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "bitnet/config.h"
#include "bitnet/parallel.h"
#include "blas/blas.h"

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

// A workspace query's answer (LAPACK returns the length in work[0] as a double).
int64_t queried_length(double value) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(value)));
}

// Uninitialised, as LAPACK writes a workspace before reading it.
std::unique_ptr<double[]> doubles(int64_t count) {
  return std::make_unique_for_overwrite<double[]>(static_cast<size_t>(std::max<int64_t>(1, count)));
}
std::unique_ptr<lapack_int[]> integers(int64_t count) {
  return std::make_unique_for_overwrite<lapack_int[]>(
      static_cast<size_t>(std::max<int64_t>(1, count)));
}

// Runs body(begin, end) over the matrices [0, count). A batch is split into one share per thread
// of bitnet's pool, with OpenBLAS on one thread inside each call (its thread count is process-wide,
// so it is set here, before the split); a single matrix gets OpenBLAS's threads, as ours does.
void for_each_share(int64_t count, const std::function<void(int64_t, int64_t)>& body) {
  if (count > 1) {
    blas_set_num_threads(1);
    parallel_for(0, count, 1, body);
  } else {
    blas_set_num_threads(num_threads());
    body(0, count);
  }
}

}  // namespace

void lapacke_qr(int64_t count, int64_t n, const double* a, double* q, double* r) {
  const lapack_int size = to_int(n);
  double dummy = 0;
  double geqrf_query = 0;
  double orgqr_query = 0;
  check(LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, size, size, &dummy, size, &dummy, &geqrf_query, -1),
        "dgeqrf query");
  check(LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, size, size, size, &dummy, size, &dummy, &orgqr_query,
                            -1),
        "dorgqr query");
  const int64_t work_size = std::max(queried_length(geqrf_query), queried_length(orgqr_query));
  for_each_share(count, [&](int64_t begin, int64_t end) {
    const auto tau = doubles(n);
    const auto work = doubles(work_size);
    for (int64_t index = begin; index < end; ++index) {
      // Factored, then formed into Q, in its own output.
      double* q_matrix = q + index * n * n;
      double* r_matrix = r + index * n * n;
      std::copy(a + index * n * n, a + (index + 1) * n * n, q_matrix);
      check(LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, size, size, q_matrix, size, tau.get(), work.get(),
                                to_int(work_size)),
            "dgeqrf");
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t i = 0; i < n; ++i) r_matrix[i + j * n] = i <= j ? q_matrix[i + j * n] : 0.0;
      }
      check(LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, size, size, size, q_matrix, size, tau.get(),
                                work.get(), to_int(work_size)),
            "dorgqr");
    }
  });
}

void lapacke_cholesky(int64_t count, int64_t n, const double* a, double* l) {
  const lapack_int size = to_int(n);
  for_each_share(count, [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index < end; ++index) {
      double* l_matrix = l + index * n * n;
      std::copy(a + index * n * n, a + (index + 1) * n * n, l_matrix);
      check(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', size, l_matrix, size), "dpotrf");
      for (int64_t j = 1; j < n; ++j) std::fill(l_matrix + j * n, l_matrix + j * n + j, 0.0);
    }
  });
}

void lapacke_svd(int64_t count, int64_t n, const double* a, double* s, double* u, double* vt) {
  const lapack_int size = to_int(n);
  double dummy = 0;
  double query = 0;
  lapack_int integer_dummy = 0;
  check(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', size, size, &dummy, size, &dummy, &dummy, size,
                            &dummy, size, &query, -1, &integer_dummy),
        "dgesdd query");
  const int64_t work_size = queried_length(query);
  for_each_share(count, [&](int64_t begin, int64_t end) {
    const auto scratch = doubles(n * n);  // ?gesdd destroys its input
    const auto work = doubles(work_size);
    const auto integer_work = integers(8 * n);
    for (int64_t index = begin; index < end; ++index) {
      std::copy(a + index * n * n, a + (index + 1) * n * n, scratch.get());
      check(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', size, size, scratch.get(), size,
                                s + index * n, u + index * n * n, size, vt + index * n * n, size,
                                work.get(), to_int(work_size), integer_work.get()),
            "dgesdd");
    }
  });
}

void lapacke_solve(int64_t count, int64_t n, int64_t nrhs, const double* a, const double* b,
                   double* x) {
  const lapack_int size = to_int(n);
  for_each_share(count, [&](int64_t begin, int64_t end) {
    const auto factors = doubles(n * n);
    const auto pivots = integers(n);
    for (int64_t index = begin; index < end; ++index) {
      double* x_matrix = x + index * n * nrhs;
      std::copy(a + index * n * n, a + (index + 1) * n * n, factors.get());
      std::copy(b + index * n * nrhs, b + (index + 1) * n * nrhs, x_matrix);
      check(LAPACKE_dgesv_work(LAPACK_COL_MAJOR, size, to_int(nrhs), factors.get(), size,
                               pivots.get(), x_matrix, size),
            "dgesv");
    }
  });
}

void lapacke_eigh(int64_t count, int64_t n, const double* a, double* values, double* vectors) {
  const lapack_int size = to_int(n);
  double dummy = 0;
  double query = 0;
  lapack_int integer_query = 0;
  check(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', size, &dummy, size, &dummy, &query, -1,
                            &integer_query, -1),
        "dsyevd query");
  const int64_t work_size = queried_length(query);
  const int64_t integer_work_size = std::max<int64_t>(1, integer_query);
  for_each_share(count, [&](int64_t begin, int64_t end) {
    const auto work = doubles(work_size);
    const auto integer_work = integers(integer_work_size);
    for (int64_t index = begin; index < end; ++index) {
      // The eigenvectors overwrite the matrix in its own output.
      double* vectors_matrix = vectors + index * n * n;
      std::copy(a + index * n * n, a + (index + 1) * n * n, vectors_matrix);
      check(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', size, vectors_matrix, size,
                                values + index * n, work.get(), to_int(work_size),
                                integer_work.get(), to_int(integer_work_size)),
            "dsyevd");
    }
  });
}

}  // namespace bitnet::bench

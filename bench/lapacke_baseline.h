// LAPACKE called directly, as the baseline of the `linalg` suite. This adapter is the only bench
// file that includes <lapacke.h>.
//
// Each function runs one f64 operation on `count` n x n column-major matrices stored one after
// another, the way a careful user of LAPACKE batches them, and the way our front end does: the
// *_work routines with one workspace query per batch, the batch split over bitnet::num_threads()
// threads (parallel_for) with OpenBLAS on one thread inside each call, each thread's share
// allocating its workspace once, and per matrix the pristine input copied into a working buffer
// (LAPACK overwrites it) before the call. A single matrix (count 1) runs on the caller's thread
// with OpenBLAS's threads inside the call instead. Outputs go to preallocated buffers of the
// documented sizes, one result per matrix, column-major. Throws std::runtime_error when LAPACK
// reports a failure (info != 0).
#pragma once

#include <cstdint>

namespace bitnet::bench {

// Q into `q` and R into `r` (count * n * n each, R's lower part zero) (?geqrf, ?orgqr).
void lapacke_qr(int64_t count, int64_t n, const double* a, double* q, double* r);
// The lower factor into `l` (count * n * n), its strict upper triangle zeroed (?potrf).
void lapacke_cholesky(int64_t count, int64_t n, const double* a, double* l);
// s (count * n), u and vt (count * n * n each) (?gesdd, jobz 'S').
void lapacke_svd(int64_t count, int64_t n, const double* a, double* s, double* u, double* vt);
// x (count * n * nrhs) solves a x = b for each matrix and its b (n * nrhs) (?gesv).
void lapacke_solve(int64_t count, int64_t n, int64_t nrhs, const double* a, const double* b,
                   double* x);
// Eigenvalues (count * n, ascending) and eigenvectors (count * n * n) (?syevd, lower triangle).
void lapacke_eigh(int64_t count, int64_t n, const double* a, double* values, double* vectors);

}  // namespace bitnet::bench

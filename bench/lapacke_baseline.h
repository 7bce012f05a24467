// LAPACKE called directly, as the baseline of the `linalg` suite. This adapter is the only bench
// file that includes <lapacke.h> (STYLE.md rule 11).
//
// Each function runs one f64 operation on an n x n column-major matrix the way a careful user of
// LAPACKE would: the pristine input is copied into a working buffer (LAPACK overwrites it), then
// the high-level LAPACKE call queries its workspace, allocates it and computes, as our front end
// queries and allocates per call. Outputs go to preallocated buffers of the documented sizes.
// Throws std::runtime_error when LAPACK reports a failure (info != 0).
#pragma once

#include <cstdint>

namespace bitnet::bench {

// Q overwrites `scratch` (n * n) after R is copied to `r` (n * n, column-major, lower part zero);
// `tau` has n entries (?geqrf, ?orgqr).
void lapacke_qr(int64_t n, const double* a, double* scratch, double* tau, double* r);
// The lower factor into `l` (n * n), its strict upper triangle zeroed (?potrf).
void lapacke_cholesky(int64_t n, const double* a, double* l);
// s (n), u and vt (n * n each); `scratch` (n * n) is destroyed (?gesdd, jobz 'S').
void lapacke_svd(int64_t n, const double* a, double* scratch, double* s, double* u, double* vt);
// x (n * nrhs, column-major) solves a x = b; `scratch` (n * n) gets the LU factors (?gesv).
void lapacke_solve(int64_t n, int64_t nrhs, const double* a, const double* b, double* scratch,
                   int32_t* pivots, double* x);
// Eigenvalues into `values` (n) and eigenvectors into `vectors` (n * n) (?syevd, lower triangle).
void lapacke_eigh(int64_t n, const double* a, double* vectors, double* values);

}  // namespace bitnet::bench

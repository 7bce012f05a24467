// OpenBLAS called directly, as a baseline for our own matmul. This adapter is the only bench file
// that includes <cblas.h> (docs/ARCHITECTURE.md, rule 7).
#pragma once

#include <cstdint>

namespace bitnet::bench {

// c[m,n] = a[m,k] * b[k,n], all row-major f32 and contiguous; c must not alias a or b.
void openblas_sgemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c);

// y[n, m] = x[n, k] * w[m, k]^T, all row-major f32 and contiguous (a linear layer, weights one row
// per output): cblas_sgemv when n == 1, else cblas_sgemm with w transposed. y must not alias.
void openblas_linear(int64_t m, int64_t n, int64_t k, const float* w, const float* x, float* y);

// Stops OpenBLAS's worker threads (its pthread build, Debian's default), which otherwise spin
// (sched_yield) for about 2^28 cycles after each call and slow whatever runs next on the same
// cores; the next call starts them again, a few tens of microseconds against samples of 20 ms or
// more. The OpenMP build only frees buffers here (its threads follow OMP_WAIT_POLICY); the serial
// build has nothing to stop. Call it between timed samples, not inside them.
void openblas_settle();

}  // namespace bitnet::bench

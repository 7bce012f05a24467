// The BLAS adapter: the rest of bitnet-core reaches OpenBLAS only through these functions, so that
// swapping the library is one file (openblas_adapter.cpp). Matrices are row-major.
#pragma once

#include <cstdint>
#include <limits>

namespace bitnet {

// The largest dimension or leading dimension the adapter accepts: the LP64 BLAS interface counts
// in 32-bit ints. Callers copy or refuse beyond it.
inline constexpr int64_t kBlasMaxIndex = std::numeric_limits<int32_t>::max();

// c = op(a) * op(b), with op(x) = x^T when the trans flag is set; c is m x n, op(a) m x k, op(b)
// k x n. lda is the row stride of a as stored (k columns, or m when transposed), likewise ldb and
// ldc. Assumes validated input: 1 <= m, n, k, every leading dimension at least the stored row
// length and all values at most kBlasMaxIndex; c does not overlap a or b.
void blas_gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc);
void blas_gemm_f64(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a,
                   int64_t lda, const double* b, int64_t ldb, double* c, int64_t ldc);

// Sets the number of threads BLAS may use for one call (>= 1). The setting is process-wide in
// OpenBLAS 0.3.21, so callers set it from the top level, not from inside parallel_for bodies.
void blas_set_num_threads(int threads);
[[nodiscard]] int blas_num_threads();

// Runs BLAS on one thread while alive and restores the count before: for callers that issue many
// small products from their own workers, whose results must not depend on BLAS's threading
// (its threaded kernels round differently).
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() : previous_(blas_num_threads()) { blas_set_num_threads(1); }
  ~SingleThreadedBlas() { blas_set_num_threads(previous_ > 0 ? previous_ : 1); }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_;
};

// OpenBLAS runs a GEMM on one thread when m * n * k is at most this (SMP_THRESHOLD_MIN 65536 times
// GEMM_MULTITHREAD_THRESHOLD 4 in interface/gemm.c): such calls are safe to issue from our own
// worker threads without stacking BLAS threads on top of them.
inline constexpr double kBlasSingleThreadWork = 65536.0 * 4.0;

}  // namespace bitnet

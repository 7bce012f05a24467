// OpenBLAS behind the interface of blas/blas.h. The only file that includes <cblas.h>.
#include <cblas.h>

#include <atomic>
#include <limits>

#include "blas/blas.h"

namespace bitnet {
namespace {

static_assert(std::numeric_limits<blasint>::max() >= kBlasMaxIndex,
              "blasint must hold every index the adapter accepts");

CBLAS_TRANSPOSE transpose_flag(bool transposed) {
  return transposed ? CblasTrans : CblasNoTrans;
}

// The last count handed to OpenBLAS (0: never set). openblas_set_num_threads takes a lock and may
// start threads, so repeated requests for the same count skip it.
std::atomic<int> requested_threads{0};

}  // namespace

void blas_gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  // beta = 0: BLAS writes c without reading it, so an uninitialised output is fine.
  cblas_sgemm(CblasRowMajor, transpose_flag(trans_a), transpose_flag(trans_b),
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), 0.0f, c,
              static_cast<blasint>(ldc));
}

void blas_gemm_f64(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a,
                   int64_t lda, const double* b, int64_t ldb, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, transpose_flag(trans_a), transpose_flag(trans_b),
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), 0.0, c,
              static_cast<blasint>(ldc));
}

void blas_set_num_threads(int threads) {
  if (threads < 1) threads = 1;
  if (requested_threads.exchange(threads, std::memory_order_relaxed) == threads) return;
  openblas_set_num_threads(threads);
}

int blas_num_threads() {
  return openblas_get_num_threads();
}

}  // namespace bitnet

#include "bench/openblas_baseline.h"

#include <cblas.h>

// Exported by the pthread and OpenMP builds of OpenBLAS (its fork handler uses it), absent from
// the serial build: hence weak.
extern "C" __attribute__((weak)) int blas_thread_shutdown_(void);

namespace bitnet::bench {

void openblas_settle() {
  if (blas_thread_shutdown_ != nullptr) blas_thread_shutdown_();
}

void openblas_sgemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  // Leading dimensions are the row lengths of the contiguous row-major operands.
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), 1.0f, a, static_cast<int>(k), b, static_cast<int>(n), 0.0f, c,
              static_cast<int>(n));
}

void openblas_linear(int64_t m, int64_t n, int64_t k, const float* w, const float* x, float* y) {
  if (n == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(m), static_cast<int>(k), 1.0f, w,
                static_cast<int>(k), x, 1, 0.0f, y, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(m),
              static_cast<int>(k), 1.0f, x, static_cast<int>(k), w, static_cast<int>(k), 0.0f, y,
              static_cast<int>(m));
}

}  // namespace bitnet::bench

// Cholesky factorisation of small matrices, written here instead of calling LAPACK ?potrf: OpenBLAS
// 0.3.21 takes a global lock on every ?potrf call, so a batch of small matrices gains nothing from
// threads there, while this kernel takes no lock and a batch of them is split over the pool.
#pragma once

#include <cstdint>

namespace bitnet::linalg::detail {

// Orders up to this go through small_cholesky(). Measured on one thread against the ?potrf calls
// it replaces (docs/PERFORMANCE.md): at 16 it takes at most 77% of their time, and the upper
// factor (transposed strides) breaks even at order 20 in f64.
inline constexpr int64_t kSmallCholeskyOrder = 16;

// The lower Cholesky factor l (a = l l^T) of the symmetric n x n matrix whose element (i, j) is
// a[i * row_stride + j * column_stride], in place. Only the lower triangle (j <= i) is read and
// written. Returns 0, or k > 0 when the leading minor of order k is not positive definite (LAPACK's
// info; the factor is then incomplete). Assumes validated, finite input.
// The upper factor u (a = u^T u) of a row-major matrix is the lower factor of its transpose: call
// it with the strides swapped.
template <typename T>
[[nodiscard]] int small_cholesky(T* a, int64_t n, int64_t row_stride,
                                 int64_t column_stride) noexcept;

}  // namespace bitnet::linalg::detail

// Integer matrix product: the scalar reference kernel (BLAS has no integer GEMM).
#pragma once

#include <cstdint>

#include "bitnet/dtype.h"

namespace bitnet {

// A strided matrix: element (row, column) is at data[row * row_stride + column * column_stride],
// in elements of the kernel's dtype.
struct StridedMatrix {
  const void* data = nullptr;
  int64_t row_stride = 0;
  int64_t column_stride = 0;
};

// Rows [row_begin, row_end) of out = a * b for an m x k `a` and a k x n `b`, all three in the
// integer dtype `dtype`; out is row-major with row stride n. Sums are formed modulo 2^64 and then
// wrapped to `dtype`, which equals exact i64 accumulation followed by the cast. Assumes validated
// input: n >= 1, the views address valid elements, out does not overlap a or b.
void matmul_integer_rows(DType dtype, StridedMatrix a, StridedMatrix b, void* out,
                         int64_t row_begin, int64_t row_end, int64_t n, int64_t k);

}  // namespace bitnet

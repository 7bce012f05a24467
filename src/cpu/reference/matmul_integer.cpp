#include "cpu/reference/matmul_integer.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "core/raise.h"
#include "tensor/dtype_dispatch.h"

namespace bitnet {
namespace {

template <typename T>
void integer_rows(StridedMatrix a, StridedMatrix b, T* out, int64_t row_begin, int64_t row_end,
                  int64_t n, int64_t k) {
  // Precondition: a and b address elements of T (checked dtype, validated views).
  const T* a_data = static_cast<const T*>(a.data);
  const T* b_data = static_cast<const T*>(b.data);
  // Unsigned arithmetic wraps modulo 2^64 without undefined behaviour, and a signed value converted
  // to uint64 keeps its residue, so the low bits equal those of the exact signed sum.
  std::vector<uint64_t> sums(static_cast<size_t>(n));
  for (int64_t row = row_begin; row < row_end; ++row) {
    std::fill(sums.begin(), sums.end(), 0);
    // i-k-j order: the inner loop walks one row of b and one row of sums, both unit stride when b
    // is row-major, so it vectorises.
    for (int64_t inner = 0; inner < k; ++inner) {
      const auto a_value =
          static_cast<uint64_t>(a_data[row * a.row_stride + inner * a.column_stride]);
      // Ternary and sparse weights are mostly zero; skipping them is exact for integers.
      if (a_value == 0) continue;
      const T* b_row = b_data + inner * b.row_stride;
      if (b.column_stride == 1) {
        for (int64_t column = 0; column < n; ++column) {
          sums[column] += a_value * static_cast<uint64_t>(b_row[column]);
        }
      } else {
        for (int64_t column = 0; column < n; ++column) {
          sums[column] += a_value * static_cast<uint64_t>(b_row[column * b.column_stride]);
        }
      }
    }
    T* out_row = out + row * n;
    // C++20 defines the narrowing conversion as modular, which is the documented wrap.
    for (int64_t column = 0; column < n; ++column) out_row[column] = static_cast<T>(sums[column]);
  }
}

}  // namespace

void matmul_integer_rows(DType dtype, StridedMatrix a, StridedMatrix b, void* out,
                         int64_t row_begin, int64_t row_end, int64_t n, int64_t k) {
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      integer_rows<T>(a, b, static_cast<T*>(out), row_begin, row_end, n, k);
    } else {
      raise(ErrorKind::kInternal, "matmul_integer_rows: reached with non-integer dtype {}",
            dtype_name(dtype));
    }
  });
}

}  // namespace bitnet

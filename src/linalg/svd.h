// Singular values under the caller's op name, for matrix_norm and cond next to svdvals().
#pragma once

#include "bitnet/tensor.h"

namespace bitnet::linalg::detail {

// svdvals(a) with errors naming `op`; a is checked by the caller.
[[nodiscard]] Tensor singular_values(const char* op, const Tensor& a);

}  // namespace bitnet::linalg::detail

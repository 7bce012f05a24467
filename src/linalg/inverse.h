// The inverse with a choice of what a singular matrix does, for cond() next to inverse().
#pragma once

#include <cstdint>
#include <vector>

#include "bitnet/tensor.h"

namespace bitnet::linalg::detail {

// The inverse of each square matrix of a (checked by the caller). A singular matrix raises an
// error naming `op` when `singular` is null; otherwise its inverse is left as zeros and flagged
// in (*singular)[index], one flag per matrix of the batch.
[[nodiscard]] Tensor inverse_matrices(const char* op, const Tensor& a,
                                      std::vector<uint8_t>* singular);

}  // namespace bitnet::linalg::detail

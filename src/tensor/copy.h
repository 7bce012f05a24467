// Element copies between tensors of one shape, converting dtypes on the way.
#pragma once

#include "bitnet/tensor.h"

namespace bitnet {

// Copies source into destination element by element with convert_element semantics. Both have the
// same shape (expand the source first to broadcast); they must not partially overlap.
void copy_elements(const Tensor& source, const Tensor& destination);

// A fresh contiguous tensor of `shape` and `dtype` from the default allocator.
[[nodiscard]] Tensor allocate_tensor(const Shape& shape, DType dtype);

}  // namespace bitnet

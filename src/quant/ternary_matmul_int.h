// ternary_matmul_int on a given kernel table: the public function passes the selected level's,
// and the benchmark passes each level's so that every level runs the front end's own split.
#pragma once

#include "bitnet/quant.h"
#include "cpu/kernels.h"

namespace bitnet::detail {

[[nodiscard]] Tensor ternary_matmul_int(const QuantizedActivations& x, const TernaryTensor& weights,
                                        const cpu::CpuKernels& kernels);

}  // namespace bitnet::detail

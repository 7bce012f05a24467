// Direct repacking of llama.cpp TQ2_0 rows into our kT2 layout, without going through one i8 per
// weight: both formats store trit + 1 in 2-bit fields, so a block is a fixed permutation of its
// fields, done on 8 bytes at a time with shifts and masks.
#pragma once

#include <cstdint>

namespace bitnet::quant {

// Converts `blocks` TQ2_0 blocks (66 bytes: 64 of codes, an f16 scale) at `source` into kT2
// blocks (64 bytes) at `destination`, and stores the row's scale. Returns false when a field holds
// the code 3 or two blocks carry different scales; `destination` is then partly written and the
// caller takes the general path, whose errors name the row and column.
[[nodiscard]] bool tq2_0_row_to_t2(const uint8_t* source, int64_t blocks, uint8_t* destination,
                                   float* scale);

}  // namespace bitnet::quant

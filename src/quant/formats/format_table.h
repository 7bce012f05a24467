// The packed ternary formats, one traits row each (src/quant/formats/<name>_format.cpp).
#pragma once

#include "bitnet/quant.h"

namespace bitnet::quant {

TernaryFormatTraits t2_traits();
TernaryFormatTraits t1_traits();
TernaryFormatTraits tq2_0_traits();
TernaryFormatTraits tq1_0_traits();
TernaryFormatTraits i2_s_traits();

}  // namespace bitnet::quant

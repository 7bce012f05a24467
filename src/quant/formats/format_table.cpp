#include "quant/formats/format_table.h"

#include "core/raise.h"

namespace bitnet {

const std::vector<TernaryFormatTraits>& ternary_formats() {
  // Indexed by TernaryFormat's value.
  static const std::vector<TernaryFormatTraits> table = {
      quant::t2_traits(), quant::t1_traits(), quant::tq2_0_traits(), quant::tq1_0_traits(),
      quant::i2_s_traits()};
  return table;
}

const TernaryFormatTraits& ternary_format_traits(TernaryFormat format) {
  return ternary_formats().at(static_cast<size_t>(format));
}

TernaryFormat ternary_format_from_name(std::string_view name) {
  for (const TernaryFormatTraits& traits : ternary_formats()) {
    if (traits.name == name) return traits.format;
  }
  raise(ErrorKind::kInvalidArgument,
        "unknown ternary format '{}': expected t2, t1, tq2_0, tq1_0 or i2_s", name);
}

}  // namespace bitnet

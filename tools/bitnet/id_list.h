// Token id lists on the command line: "1,2, 3".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bitnet::cli {

// Parses comma-separated non-negative ids; an Error names the option and the piece that is not an
// id.
[[nodiscard]] std::vector<int32_t> parse_id_list(const std::string& list,
                                                 const std::string& option_name);

}  // namespace bitnet::cli

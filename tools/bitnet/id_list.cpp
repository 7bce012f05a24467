#include "id_list.h"

#include <climits>
#include <sstream>

#include <fmt/format.h>

#include "bitnet/error.h"

namespace bitnet::cli {

std::vector<int32_t> parse_id_list(const std::string& list, const std::string& option_name) {
  std::vector<int32_t> ids;
  std::stringstream stream(list);
  std::string piece;
  while (std::getline(stream, piece, ',')) {
    const size_t begin = piece.find_first_not_of(" \t");
    const size_t end = piece.find_last_not_of(" \t");
    const std::string trimmed =
        begin == std::string::npos ? "" : piece.substr(begin, end - begin + 1);
    size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(trimmed, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (trimmed.empty() || used != trimmed.size() || value < 0 || value > INT32_MAX) {
      throw Error(
          ErrorKind::kInvalidArgument,
          fmt::format("{}: '{}' is not a token id (expected e.g. 1,2,3)", option_name, trimmed));
    }
    ids.push_back(static_cast<int32_t>(value));
  }
  return ids;
}

}  // namespace bitnet::cli

// Internal helpers to throw bitnet::Error with a formatted message.
#pragma once

#include <fmt/format.h>

#include "bitnet/error.h"

namespace bitnet {

template <typename... Args>
[[noreturn]] void raise(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace bitnet

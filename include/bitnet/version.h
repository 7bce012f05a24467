// Build identity, shown by `bitnet --version` and `bitnet info`.
#pragma once

namespace bitnet {

[[nodiscard]] const char* version_string() noexcept;   // "0.1.0"
[[nodiscard]] const char* build_type() noexcept;       // "Release", "Debug", ...
[[nodiscard]] const char* compiler_string() noexcept;  // "GCC 12.2.0"

}  // namespace bitnet

#include "bitnet/version.h"

namespace bitnet {

const char* version_string() noexcept {
  return BITNET_VERSION;
}
const char* build_type() noexcept {
  return BITNET_BUILD_TYPE;
}

const char* compiler_string() noexcept {
#if defined(__clang__)
  return "Clang " __clang_version__;
#elif defined(__GNUC__)
  return "GCC " __VERSION__;
#else
  return "unknown compiler";
#endif
}

}  // namespace bitnet

#include "bitnet/error.h"

namespace bitnet {

std::string_view error_kind_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid argument";
    case ErrorKind::kShapeMismatch:
      return "shape mismatch";
    case ErrorKind::kDTypeMismatch:
      return "dtype mismatch";
    case ErrorKind::kIndexOutOfRange:
      return "index out of range";
    case ErrorKind::kOverflow:
      return "overflow";
    case ErrorKind::kOutOfMemory:
      return "out of memory";
    case ErrorKind::kUnsupported:
      return "unsupported";
    case ErrorKind::kIo:
      return "i/o";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace bitnet

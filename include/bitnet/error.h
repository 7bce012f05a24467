// The one error type of bitnet-core. Every failure is a bitnet::Error whose message names the op
// and the offending values, e.g. "matmul: inner dimensions differ: a is [2,3], b is [4,5]".
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace bitnet {

enum class ErrorKind {
  kInvalidArgument,  // a value outside what the op accepts
  kShapeMismatch,    // shapes that cannot be combined or viewed as asked
  kDTypeMismatch,    // a dtype the op does not support
  kIndexOutOfRange,  // an axis, index or slice bound outside the tensor
  kOverflow,         // an element or byte count that does not fit in int64
  kOutOfMemory,      // an allocation that failed or exceeded a limit
  kUnsupported,      // valid input that this build cannot handle
  kIo,               // a file or stream problem
  kInternal,         // a broken invariant: a bug in bitnet-core
};

[[nodiscard]] std::string_view error_kind_name(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace bitnet

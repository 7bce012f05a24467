// Calls a generic lambda with a tag of the C++ type that stores a DType.
#pragma once

#include <utility>

#include "bitnet/dtype.h"
#include "bitnet/half.h"
#include "core/raise.h"

namespace bitnet {

template <typename T>
struct TypeTag {
  using type = T;
};

template <typename Function>
decltype(auto) visit_dtype(DType dtype, Function&& function) {
  switch (dtype) {
    case DType::kBool:
      return function(TypeTag<bool>{});
    case DType::kU8:
      return function(TypeTag<uint8_t>{});
    case DType::kI8:
      return function(TypeTag<int8_t>{});
    case DType::kI32:
      return function(TypeTag<int32_t>{});
    case DType::kI64:
      return function(TypeTag<int64_t>{});
    case DType::kF16:
      return function(TypeTag<Half>{});
    case DType::kBF16:
      return function(TypeTag<BFloat16>{});
    case DType::kF32:
      return function(TypeTag<float>{});
    case DType::kF64:
      return function(TypeTag<double>{});
  }
  raise(ErrorKind::kInternal, "visit_dtype: invalid dtype value {}", static_cast<int>(dtype));
}

// The type arithmetic on T is carried out in: f16 and bf16 compute in float.
template <typename T>
struct ComputeTypeOf {
  using type = T;
};
template <>
struct ComputeTypeOf<Half> {
  using type = float;
};
template <>
struct ComputeTypeOf<BFloat16> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeTypeOf<T>::type;

template <typename T>
inline constexpr bool is_float_storage_v =
    std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

}  // namespace bitnet

#include "bitnet/dtype.h"

#include "core/raise.h"

namespace bitnet {

std::string_view dtype_name(DType dtype) noexcept {
  switch (dtype) {
    case DType::kBool:
      return "bool";
    case DType::kU8:
      return "u8";
    case DType::kI8:
      return "i8";
    case DType::kI32:
      return "i32";
    case DType::kI64:
      return "i64";
    case DType::kF16:
      return "f16";
    case DType::kBF16:
      return "bf16";
    case DType::kF32:
      return "f32";
    case DType::kF64:
      return "f64";
  }
  return "?";
}

DType dtype_from_name(std::string_view name) {
  for (DType dtype : kAllDTypes) {
    if (dtype_name(dtype) == name) return dtype;
  }
  raise(ErrorKind::kInvalidArgument,
        "unknown dtype '{}': expected one of bool, u8, i8, i32, i64, f16, bf16, f32, f64", name);
}

size_t dtype_size(DType dtype) noexcept {
  switch (dtype) {
    case DType::kBool:
    case DType::kU8:
    case DType::kI8:
      return 1;
    case DType::kF16:
    case DType::kBF16:
      return 2;
    case DType::kI32:
    case DType::kF32:
      return 4;
    case DType::kI64:
    case DType::kF64:
      return 8;
  }
  return 0;
}

bool is_floating(DType dtype) noexcept {
  return dtype == DType::kF16 || dtype == DType::kBF16 || dtype == DType::kF32 ||
         dtype == DType::kF64;
}

bool is_integral(DType dtype) noexcept {
  return dtype == DType::kU8 || dtype == DType::kI8 || dtype == DType::kI32 || dtype == DType::kI64;
}

bool is_signed(DType dtype) noexcept {
  return dtype != DType::kBool && dtype != DType::kU8;
}

namespace {
int category(DType dtype) {
  return dtype == DType::kBool ? 0 : is_integral(dtype) ? 1 : 2;
}
}  // namespace

DType promote_types(DType a, DType b) noexcept {
  if (a == b) return a;
  const int category_a = category(a);
  const int category_b = category(b);
  if (category_a != category_b) return category_a > category_b ? a : b;
  if (category_a == 1) {
    // Mixed signedness of 8-bit types needs 9 bits; i32 is the narrowest type we have.
    if ((a == DType::kU8 && b == DType::kI8) || (a == DType::kI8 && b == DType::kU8)) {
      return DType::kI32;
    }
    return dtype_size(a) >= dtype_size(b) ? a : b;
  }
  // Floating: f16 and bf16 have different ranges and precisions; f32 holds both exactly.
  if (dtype_size(a) == 2 && dtype_size(b) == 2) return DType::kF32;
  return dtype_size(a) >= dtype_size(b) ? a : b;
}

DType to_floating(DType dtype) noexcept {
  return is_floating(dtype) ? dtype : DType::kF32;
}

}  // namespace bitnet

// Element types. Packed sub-byte types (ternary) will join this enum with bits_per_element < 8;
// code that computes byte sizes goes through dtype_bytes_for(), never sizeof, to keep room for
// them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bitnet {

enum class DType : uint8_t { kBool, kU8, kI8, kI32, kI64, kF16, kBF16, kF32, kF64 };

inline constexpr DType kAllDTypes[] = {DType::kBool, DType::kU8,  DType::kI8,
                                       DType::kI32,  DType::kI64, DType::kF16,
                                       DType::kBF16, DType::kF32, DType::kF64};

[[nodiscard]] std::string_view dtype_name(DType dtype) noexcept;
// Parses "f32", "bf16", "bool", ... ; throws Error naming the string when unknown.
[[nodiscard]] DType dtype_from_name(std::string_view name);
[[nodiscard]] size_t dtype_size(DType dtype) noexcept;  // bytes per element
[[nodiscard]] bool is_floating(DType dtype) noexcept;
[[nodiscard]] bool is_integral(DType dtype) noexcept;  // integers, not bool
[[nodiscard]] bool is_signed(DType dtype) noexcept;

// Result type of a binary op on two tensors. Categories rank bool < integer < floating; inside a
// category the wider type wins; u8 with i8 gives i32 (there is no i16); f16 with bf16 gives f32.
[[nodiscard]] DType promote_types(DType a, DType b) noexcept;

// The floating type an op such as exp or mean computes in: floats keep theirs, others give f32.
[[nodiscard]] DType to_floating(DType dtype) noexcept;

}  // namespace bitnet

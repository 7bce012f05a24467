// The GGML type table: every tensor type a GGUF file may carry, with ggml's block sizes and block
// bytes (ggml-common.h), so that any file can be validated and described even when its data is in
// a format bitnet-core does not compute with.
#include <algorithm>
#include <array>

#include "bitnet/io.h"
#include "core/raise.h"

namespace bitnet {
namespace {

constexpr int64_t kSuperBlock = 256;  // ggml's QK_K

// {type, name, block size, block bytes, dtype, ternary format, readable}
constexpr GgmlTypeTraits plain(GgmlType type, std::string_view name, int64_t bytes, DType dtype) {
  return {type, name, 1, bytes, dtype, std::nullopt, true};
}
constexpr GgmlTypeTraits listed(GgmlType type, std::string_view name, int64_t block,
                                int64_t bytes) {
  return {type, name, block, bytes, std::nullopt, std::nullopt, false};
}
constexpr GgmlTypeTraits ternary(GgmlType type, std::string_view name, int64_t block, int64_t bytes,
                                 TernaryFormat format) {
  return {type, name, block, bytes, std::nullopt, format, true};
}

// In id order. Block bytes follow ggml's static_asserts (e.g. q4_K: 2 f16 + 12 scale bytes + 128).
const std::array kTypes = {
    plain(GgmlType::kF32, "f32", 4, DType::kF32),
    plain(GgmlType::kF16, "f16", 2, DType::kF16),
    listed(GgmlType::kQ4_0, "q4_0", 32, 18),
    listed(GgmlType::kQ4_1, "q4_1", 32, 20),
    listed(GgmlType::kQ5_0, "q5_0", 32, 22),
    listed(GgmlType::kQ5_1, "q5_1", 32, 24),
    GgmlTypeTraits{GgmlType::kQ8_0, "q8_0", 32, 34, std::nullopt, std::nullopt, true},
    listed(GgmlType::kQ8_1, "q8_1", 32, 36),
    listed(GgmlType::kQ2_K, "q2_K", kSuperBlock, 84),
    listed(GgmlType::kQ3_K, "q3_K", kSuperBlock, 110),
    GgmlTypeTraits{GgmlType::kQ4_K, "q4_K", kSuperBlock, 144, std::nullopt, std::nullopt, true},
    listed(GgmlType::kQ5_K, "q5_K", kSuperBlock, 176),
    GgmlTypeTraits{GgmlType::kQ6_K, "q6_K", kSuperBlock, 210, std::nullopt, std::nullopt, true},
    listed(GgmlType::kQ8_K, "q8_K", kSuperBlock, 292),
    listed(GgmlType::kIQ2_XXS, "iq2_xxs", kSuperBlock, 66),
    listed(GgmlType::kIQ2_XS, "iq2_xs", kSuperBlock, 74),
    listed(GgmlType::kIQ3_XXS, "iq3_xxs", kSuperBlock, 98),
    listed(GgmlType::kIQ1_S, "iq1_s", kSuperBlock, 50),
    listed(GgmlType::kIQ4_NL, "iq4_nl", 32, 18),
    listed(GgmlType::kIQ3_S, "iq3_s", kSuperBlock, 110),
    listed(GgmlType::kIQ2_S, "iq2_s", kSuperBlock, 82),
    listed(GgmlType::kIQ4_XS, "iq4_xs", kSuperBlock, 136),
    plain(GgmlType::kI8, "i8", 1, DType::kI8),
    listed(GgmlType::kI16, "i16", 1, 2),  // no i16 dtype in bitnet-core
    plain(GgmlType::kI32, "i32", 4, DType::kI32),
    plain(GgmlType::kI64, "i64", 8, DType::kI64),
    plain(GgmlType::kF64, "f64", 8, DType::kF64),
    listed(GgmlType::kIQ1_M, "iq1_m", kSuperBlock, 56),
    plain(GgmlType::kBF16, "bf16", 2, DType::kBF16),
    ternary(GgmlType::kTQ1_0, "tq1_0", kSuperBlock, 54, TernaryFormat::kTQ1_0),
    ternary(GgmlType::kTQ2_0, "tq2_0", kSuperBlock, 66, TernaryFormat::kTQ2_0),
    // bitnet.cpp's I2_S: 128 weights in 32 bytes, then one f32 scale for the whole tensor padded to
    // 32 bytes (gguf_tensor_bytes adds that tail).
    ternary(GgmlType::kI2_S, "i2_s", 128, 32, TernaryFormat::kI2S),
    listed(GgmlType::kMXFP4, "mxfp4", 32, 17),
    listed(GgmlType::kNVFP4, "nvfp4", 64, 36),
    listed(GgmlType::kQ1_0, "q1_0", 128, 18),
    listed(GgmlType::kQ2_0, "q2_0", 64, 18),
};

}  // namespace

const GgmlTypeTraits* find_ggml_type(uint32_t id) noexcept {
  for (const GgmlTypeTraits& traits : kTypes) {
    if (static_cast<uint32_t>(traits.type) == id) return &traits;
  }
  return nullptr;
}

const GgmlTypeTraits& ggml_type_traits(GgmlType type) {
  const GgmlTypeTraits* traits = find_ggml_type(static_cast<uint32_t>(type));
  if (traits == nullptr) {
    raise(ErrorKind::kInvalidArgument, "ggml_type_traits: {} is not a GGML type id",
          static_cast<uint32_t>(type));
  }
  return *traits;
}

std::span<const GgmlTypeTraits> ggml_types() noexcept {
  return kTypes;
}

std::string ggml_type_name(uint32_t id) {
  const GgmlTypeTraits* traits = find_ggml_type(id);
  return traits != nullptr ? std::string(traits->name) : fmt::format("unknown type {}", id);
}

}  // namespace bitnet

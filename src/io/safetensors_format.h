// What the safetensors reader, writer and checkpoint index share: the dtype table, the parsed
// contents of a file, and a strict JSON parser for headers and index files.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bitnet/io.h"
#include "io/mapped_file.h"

namespace bitnet::io {

// The header key of the string-to-string metadata map.
inline constexpr std::string_view kSafetensorsMetadataKey = "__metadata__";

struct SafetensorsDType {
  std::string_view name;  // "F32", "BF16", "F8_E4M3", ...
  int bits;               // bits per element (4 and 6 for the packed float formats)
  std::optional<DType> dtype;
};

// The dtypes of the safetensors format (its Rust Dtype enum); nullptr for any other name.
[[nodiscard]] const SafetensorsDType* find_safetensors_dtype(std::string_view name) noexcept;
// The safetensors name of one of our dtypes ("F32" for kF32).
[[nodiscard]] std::string_view safetensors_dtype_name(DType dtype) noexcept;

struct SafetensorsContents {
  std::shared_ptr<MappedFile> file;
  const uint8_t* mapping = nullptr;  // the whole file, mapped after validation
  uint64_t header_bytes = 0;
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsTensorInfo> tensors;  // by offset
  std::map<std::string, size_t, std::less<>> tensor_index;
};

// Parses and validates a whole file, then maps it. Throws Error naming the file, field and values.
[[nodiscard]] std::shared_ptr<const SafetensorsContents> read_safetensors(
    std::shared_ptr<MappedFile> file);

// Parses `text` as JSON, refusing duplicate keys in any object and containers nested deeper than
// `max_depth` (the root object is depth 1), so that neither a repeated name nor deep nesting can
// slip through. Errors (Error(kInvalidArgument)) start with `where`.
[[nodiscard]] nlohmann::json parse_strict_json(std::string_view text, int max_depth,
                                               const std::string& where);

// A JSON value's type for messages: "a string", "an array", "5".
[[nodiscard]] std::string describe_json(const nlohmann::json& value);

}  // namespace bitnet::io

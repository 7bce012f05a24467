// What the GGUF reader, writer and value code share: the layout constants, the parsed contents of a
// file, and access to GgufValue's packed representation.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bitnet/io.h"
#include "io/mapped_file.h"

// Calls X(T) for every C++ type of a GGUF scalar value: the one list that GgufValue's and
// GgufFile's typed accessors are instantiated for.
#define BITNET_FOR_EACH_GGUF_SCALAR(X) \
  X(uint8_t)                           \
  X(int8_t)                            \
  X(uint16_t)                          \
  X(int16_t)                           \
  X(uint32_t)                          \
  X(int32_t)                           \
  X(float)                             \
  X(bool)                              \
  X(uint64_t)                          \
  X(int64_t)                           \
  X(double)

namespace bitnet {

// The reader builds values from the file's bytes and the writer serialises them without going
// through the typed accessors.
struct GgufValueAccess {
  static GgufValue scalar(GgufType type, uint64_t bits);
  static GgufValue string(std::string text);
  static GgufValue packed_array(GgufType element_type, std::vector<uint8_t> bytes, size_t count);
  static GgufValue string_array(std::vector<std::string> strings);
  static GgufValue nested_array(std::vector<GgufValue> arrays);
  static uint64_t bits(const GgufValue& value) { return value.bits_; }
  static const std::vector<uint8_t>& packed(const GgufValue& value) { return value.packed_; }
};

namespace io {

inline constexpr char kGgufMagic[4] = {'G', 'G', 'U', 'F'};
// magic, version, tensor count, metadata count.
inline constexpr uint64_t kGgufHeaderBytes = 4 + 4 + 8 + 8;
// The smallest a metadata entry can be: key length, one key byte, value type, a one-byte value.
inline constexpr uint64_t kGgufMinimumEntryBytes = 8 + 1 + 4 + 1;
// The smallest a tensor info can be: name length, one name byte, n_dims, type, offset.
inline constexpr uint64_t kGgufMinimumTensorInfoBytes = 8 + 1 + 4 + 4 + 8;
inline constexpr uint32_t kGgufMaxDims = 4;

// Bytes of one scalar of `type` (0 for strings and arrays).
[[nodiscard]] uint64_t gguf_scalar_bytes(GgufType type) noexcept;
// Whether `id` is one of the 13 value types.
[[nodiscard]] bool is_gguf_type(uint32_t id) noexcept;
// The fewest bytes one element of an array of `type` can take in a file (strings: the length;
// arrays: element type and count).
[[nodiscard]] uint64_t gguf_minimum_element_bytes(GgufType type) noexcept;

// Bytes of `numel` elements of `traits`' type (numel a multiple of the block size); false when the
// size does not fit in uint64. I2_S adds its 32-byte scale tail (bitnet.cpp: n / 4 + 32).
[[nodiscard]] bool gguf_tensor_bytes(const GgmlTypeTraits& traits, int64_t numel, uint64_t* bytes);

struct GgufContents {
  std::shared_ptr<MappedFile> file;
  const uint8_t* mapping = nullptr;  // the whole file, mapped after validation
  uint32_t version = 3;
  uint64_t alignment = kDefaultGgufAlignment;
  uint64_t data_offset = 0;
  std::vector<GgufMetadataEntry> metadata;
  std::map<std::string, size_t, std::less<>> key_index;
  std::vector<GgufTensorInfo> tensors;
  std::map<std::string, size_t, std::less<>> tensor_index;
};

// Parses and validates a whole file, then maps it. Throws Error naming the file, field and values.
[[nodiscard]] std::shared_ptr<const GgufContents> read_gguf(std::shared_ptr<MappedFile> file);

}  // namespace io
}  // namespace bitnet

// GGUF reader (ggml's docs/gguf.md, versions 2 and 3): header, metadata, tensor table and data
// layout are validated through a bounds-checked cursor before the file is mapped; the checks follow
// the GGUF CVE history (docs/TESTING.md "Model files").
#include <algorithm>
#include <cstring>

#include <fmt/ranges.h>

#include "core/raise.h"
#include "io/byte_reader.h"
#include "io/gguf_format.h"

namespace bitnet::io {
namespace {

// Version 1 used 32-bit lengths; 2 and 3 share one little-endian layout (3 added big-endian files).
constexpr uint32_t kMinimumVersion = 2;
constexpr uint32_t kMaximumVersion = 3;

// GGML ids that were assigned once and have since been removed from the GGUF format.
std::string_view removed_type_name(uint32_t id) {
  switch (id) {
    case 4:
      return "q4_2";
    case 5:
      return "q4_3";
    case 31:
      return "q4_0_4_4";
    case 32:
      return "q4_0_4_8";
    case 33:
      return "q4_0_8_8";
    case 37:
      return "iq4_nl_4_4";
    case 38:
      return "iq4_nl_4_8";
    default:
      return {};
  }
}

std::string printable_magic(const uint8_t* bytes) {
  std::string text;
  for (int index = 0; index < 4; ++index) {
    const uint8_t byte = bytes[index];
    text += (byte >= 0x20 && byte < 0x7f) ? fmt::format("{}", static_cast<char>(byte))
                                          : fmt::format("\\x{:02x}", byte);
  }
  return text;
}

void check_key(ByteReader& reader, const std::string& key) {
  if (key.empty()) reader.fail(ErrorKind::kInvalidArgument, "the key is empty");
  for (size_t index = 0; index < key.size(); ++index) {
    const auto byte = static_cast<unsigned char>(key[index]);
    if (byte < 0x20 || byte >= 0x7f) {
      reader.fail(ErrorKind::kInvalidArgument,
                  "the key has byte 0x{:02x} at position {}; keys are printable ASCII", byte,
                  index);
    }
  }
}

GgufType read_value_type(ByteReader& reader, std::string_view field) {
  const auto id = reader.read<uint32_t>(field);
  if (!is_gguf_type(id)) {
    reader.fail(ErrorKind::kInvalidArgument, "{} is {}, not a GGUF value type (0 to 12)", field,
                id);
  }
  return static_cast<GgufType>(id);
}

GgufValue read_value(ByteReader& reader, GgufType type, int depth);

GgufValue read_array(ByteReader& reader, int depth) {
  if (depth >= kMaxGgufArrayNesting) {
    reader.fail(ErrorKind::kInvalidArgument, "arrays nest deeper than the limit of {}",
                kMaxGgufArrayNesting);
  }
  const GgufType element_type = read_value_type(reader, "array element type");
  const auto count = reader.read<uint64_t>("array length");
  // The bound that keeps a declared length from driving an allocation or a loop.
  reader.require_count(count, gguf_minimum_element_bytes(element_type), "array length");
  switch (element_type) {
    case GgufType::kString: {
      std::vector<std::string> strings;
      strings.reserve(static_cast<size_t>(count));
      for (uint64_t index = 0; index < count; ++index) {
        strings.push_back(reader.read_string(UINT64_MAX, "array string"));
      }
      return GgufValueAccess::string_array(std::move(strings));
    }
    case GgufType::kArray: {
      std::vector<GgufValue> arrays;
      arrays.reserve(static_cast<size_t>(count));
      // Each element is an array value itself: its own element type, length and elements.
      for (uint64_t index = 0; index < count; ++index)
        arrays.push_back(read_array(reader, depth + 1));
      return GgufValueAccess::nested_array(std::move(arrays));
    }
    default: {
      const uint64_t bytes = count * gguf_scalar_bytes(element_type);  // bounded above
      std::vector<uint8_t> packed(static_cast<size_t>(bytes));
      reader.read_bytes(packed.data(), bytes, "array data");
      if (element_type == GgufType::kBool) {
        for (uint64_t index = 0; index < count; ++index) {
          if (packed[index] > 1) {
            reader.fail(ErrorKind::kInvalidArgument,
                        "bool array element {} is {}; a GGUF bool is 0 or 1", index, packed[index]);
          }
        }
      }
      return GgufValueAccess::packed_array(element_type, std::move(packed),
                                           static_cast<size_t>(count));
    }
  }
}

GgufValue read_value(ByteReader& reader, GgufType type, int depth) {
  switch (type) {
    case GgufType::kString:
      return GgufValueAccess::string(reader.read_string(UINT64_MAX, "string"));
    case GgufType::kArray:
      return read_array(reader, depth);
    default: {
      const uint64_t width = gguf_scalar_bytes(type);
      uint64_t bits = 0;
      reader.read_bytes(&bits, width, "value");
      if (type == GgufType::kBool && bits > 1) {
        reader.fail(ErrorKind::kInvalidArgument, "bool value is {}; a GGUF bool is 0 or 1", bits);
      }
      return GgufValueAccess::scalar(type, bits);
    }
  }
}

// "tensor 3 'blk.0.attn_q.weight'"
std::string tensor_label(size_t index, const std::string& name) {
  return fmt::format("tensor {} '{}'", index, name);
}

GgufTensorInfo read_tensor_info(ByteReader& reader, size_t index, uint64_t alignment) {
  reader.set_context(fmt::format("tensor {}", index));
  GgufTensorInfo info;
  info.name = reader.read_string(kMaxGgufTensorName, "name");
  if (info.name.empty()) reader.fail(ErrorKind::kInvalidArgument, "the tensor name is empty");
  reader.set_context(tensor_label(index, info.name));

  const auto rank = reader.read<uint32_t>("n_dims");
  if (rank > kGgufMaxDims) {
    reader.fail(ErrorKind::kInvalidArgument, "n_dims is {}, more than the limit of {}", rank,
                kGgufMaxDims);
  }
  info.dims.resize(rank);
  for (uint32_t axis = 0; axis < rank; ++axis) {
    // ggml holds dimensions as int64: a value past INT64_MAX is a negative dimension.
    const auto dim = static_cast<int64_t>(reader.read<uint64_t>("dimension"));
    if (dim < 0) {
      reader.fail(ErrorKind::kInvalidArgument, "dimension {} is {} (negative as int64)", axis, dim);
    }
    info.dims[axis] = dim;
  }
  const auto type_id = reader.read<uint32_t>("type");
  const GgmlTypeTraits* traits = find_ggml_type(type_id);
  if (traits == nullptr) {
    const std::string_view removed = removed_type_name(type_id);
    if (!removed.empty()) {
      reader.fail(ErrorKind::kUnsupported, "type {} ({}) has been removed from the GGUF format",
                  type_id, removed);
    }
    reader.fail(ErrorKind::kInvalidArgument, "type {} is not a known GGML type", type_id);
  }
  info.type = traits->type;
  info.offset = reader.read<uint64_t>("offset");

  // Element count: checked, and the product of the non-zero dimensions must fit too, so that the
  // strides of a view (products of trailing dimensions) never overflow even for empty tensors.
  int64_t numel = 1;
  int64_t nonzero_product = 1;
  for (uint32_t axis = 0; axis < rank; ++axis) {
    const int64_t dim = info.dims[axis];
    if (dim != 0 && multiply_overflows(nonzero_product, dim, &nonzero_product)) {
      reader.fail(ErrorKind::kOverflow, "dimensions [{}] overflow int64 elements",
                  fmt::join(info.dims, ", "));
    }
    numel *= dim;  // cannot overflow: |numel| <= nonzero_product
  }
  info.numel = numel;
  const int64_t row = rank == 0 ? 1 : info.dims[0];
  if (row % traits->block_size != 0) {
    reader.fail(ErrorKind::kInvalidArgument, "ne[0] is {}, not a multiple of the {} block size {}",
                row, traits->name, traits->block_size);
  }
  if (!gguf_tensor_bytes(*traits, numel, &info.bytes)) {
    reader.fail(ErrorKind::kOverflow, "{} elements of {} overflow a 64-bit byte count", numel,
                traits->name);
  }
  if (info.offset % alignment != 0) {
    reader.fail(ErrorKind::kInvalidArgument, "data offset {} is not a multiple of the alignment {}",
                info.offset, alignment);
  }
  std::vector<int64_t> row_major(info.dims.rbegin(), info.dims.rend());
  info.shape = Shape(row_major);
  return info;
}

// Offsets must tile the data section: each tensor starts where the previous one (in offset order)
// ended, padded to the alignment; no gaps, no overlaps, nothing past the end of the file.
void check_data_layout(ByteReader& reader, GgufContents& contents) {
  std::vector<size_t> order(contents.tensors.size());
  for (size_t index = 0; index < order.size(); ++index) order[index] = index;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const GgufTensorInfo& x = contents.tensors[a];
    const GgufTensorInfo& y = contents.tensors[b];
    return x.offset != y.offset ? x.offset < y.offset : x.bytes < y.bytes;
  });
  const uint64_t file_size = reader.file().size();
  uint64_t expected = 0;
  const GgufTensorInfo* previous = nullptr;
  for (size_t index : order) {
    GgufTensorInfo& info = contents.tensors[index];
    reader.set_context(tensor_label(index, info.name));
    uint64_t end = 0;
    if (add_overflows(contents.data_offset, info.offset, &info.file_offset) ||
        add_overflows(info.file_offset, info.bytes, &end) || end > file_size) {
      reader.fail(ErrorKind::kIo,
                  "data at offset {} ({} bytes) runs past the end of the file ({} bytes, data "
                  "section at {}; truncated data)",
                  info.offset, info.bytes, file_size, contents.data_offset);
    }
    if (info.offset < expected) {
      reader.fail(
          ErrorKind::kInvalidArgument,
          "data offset {} overlaps tensor '{}', whose data (padded to the alignment) runs to {}",
          info.offset, previous->name, expected);
    }
    if (info.offset > expected) {
      reader.fail(ErrorKind::kInvalidArgument,
                  "data offset {} leaves a gap: the data is not contiguous (expected {}{})",
                  info.offset, expected,
                  previous == nullptr ? std::string(", the start of the data section")
                                      : fmt::format(", where '{}' ends", previous->name));
    }
    // offset + bytes <= file size here, so neither the sum nor its padding overflows.
    if (!align_up(info.offset + info.bytes, contents.alignment, &expected)) {
      reader.fail(ErrorKind::kOverflow, "the end of the data overflows when padded");
    }
    previous = &info;
  }
}

}  // namespace

std::shared_ptr<const GgufContents> read_gguf(std::shared_ptr<MappedFile> file) {
  auto contents = std::make_shared<GgufContents>();
  ByteReader reader(*file);

  uint8_t magic[4];
  reader.read_bytes(magic, 4, "magic");
  if (std::memcmp(magic, kGgufMagic, 4) != 0) {
    reader.fail(ErrorKind::kInvalidArgument, "wrong magic '{}' (bytes {:02x}), expected 'GGUF'",
                printable_magic(magic), fmt::join(magic, magic + 4, " "));
  }
  contents->version = reader.read<uint32_t>("version");
  if ((contents->version & 0xffffu) == 0 && contents->version != 0) {
    reader.fail(ErrorKind::kUnsupported,
                "version field reads {:#010x}: a big-endian file, which is not supported",
                contents->version);
  }
  if (contents->version < kMinimumVersion || contents->version > kMaximumVersion) {
    reader.fail(ErrorKind::kUnsupported, "version {} is not supported (versions {} and {} are)",
                contents->version, kMinimumVersion, kMaximumVersion);
  }
  const auto tensor_count = reader.read<uint64_t>("tensor count");
  const auto entry_count = reader.read<uint64_t>("metadata count");
  reader.require_count(tensor_count, kGgufMinimumTensorInfoBytes, "tensor count");
  reader.require_count(entry_count, kGgufMinimumEntryBytes, "metadata count");
  {
    // Both tables share the rest of the file.
    const uint64_t table_bytes = tensor_count * kGgufMinimumTensorInfoBytes;  // bounded above
    uint64_t needed = 0;
    if (multiply_overflows(entry_count, kGgufMinimumEntryBytes, &needed) ||
        add_overflows(needed, table_bytes, &needed) || needed > reader.remaining()) {
      reader.fail(ErrorKind::kInvalidArgument,
                  "{} metadata entries (at least {} bytes each) and {} tensors (at least {} bytes "
                  "each) cannot fit in the {} bytes left in the file",
                  entry_count, kGgufMinimumEntryBytes, tensor_count, kGgufMinimumTensorInfoBytes,
                  reader.remaining());
    }
  }

  contents->metadata.reserve(static_cast<size_t>(entry_count));
  for (uint64_t index = 0; index < entry_count; ++index) {
    reader.set_context(fmt::format("metadata entry {}", index));
    std::string key = reader.read_string(kMaxGgufKey, "key");
    check_key(reader, key);
    reader.set_context(fmt::format("metadata entry {} '{}'", index, key));
    if (contents->key_index.count(key) != 0) {
      reader.fail(ErrorKind::kInvalidArgument, "duplicate key (entry {} has it too)",
                  contents->key_index.find(key)->second);
    }
    const GgufType type = read_value_type(reader, "value type");
    GgufValue value = read_value(reader, type, 0);
    contents->key_index.emplace(key, contents->metadata.size());
    contents->metadata.push_back({std::move(key), std::move(value)});
  }

  if (auto found = contents->key_index.find("general.alignment");
      found != contents->key_index.end()) {
    const GgufValue& value = contents->metadata[found->second].value;
    reader.set_context("metadata 'general.alignment'");
    if (value.type() != GgufType::kU32) {
      reader.fail(ErrorKind::kInvalidArgument, "the alignment is {}, not u32", value.type_string());
    }
    const uint64_t alignment = value.as<uint32_t>();
    if (!is_power_of_two(alignment) || alignment > kMaxGgufAlignment) {
      reader.fail(ErrorKind::kInvalidArgument,
                  "the alignment is {}; it must be a power of two from 1 to {}", alignment,
                  kMaxGgufAlignment);
    }
    contents->alignment = alignment;
  }

  contents->tensors.reserve(static_cast<size_t>(tensor_count));
  for (uint64_t index = 0; index < tensor_count; ++index) {
    GgufTensorInfo info = read_tensor_info(reader, static_cast<size_t>(index), contents->alignment);
    if (auto found = contents->tensor_index.find(info.name);
        found != contents->tensor_index.end()) {
      reader.fail(ErrorKind::kInvalidArgument, "duplicate tensor name (tensor {} has it too)",
                  found->second);
    }
    contents->tensor_index.emplace(info.name, contents->tensors.size());
    contents->tensors.push_back(std::move(info));
  }

  reader.set_context("tensor data");
  if (!align_up(reader.position(), contents->alignment, &contents->data_offset)) {
    reader.fail(ErrorKind::kOverflow, "the data section offset overflows");
  }
  if (!contents->tensors.empty() && contents->data_offset > file->size()) {
    reader.fail(ErrorKind::kIo,
                "the data section starts at {}, past the end of the file ({} bytes; truncated)",
                contents->data_offset, file->size());
  }
  check_data_layout(reader, *contents);

  // Everything checked: only now map the file.
  contents->mapping = file->map();
  contents->file = std::move(file);
  return contents;
}

}  // namespace bitnet::io

// safetensors reader: an 8-byte little-endian header length, a JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}, then
// the tensor data, which must be tiled exactly by the tensors' offsets (no gaps, overlaps or
// trailing bytes). The header is read and validated before the file is mapped.
#include <algorithm>
#include <cstring>
#include <set>

#include <fmt/ranges.h>

#include "core/raise.h"
#include "io/byte_reader.h"
#include "io/safetensors_format.h"

namespace bitnet::io {
namespace {

constexpr SafetensorsDType kDTypes[] = {
    {"BOOL", 8, DType::kBool},    {"U8", 8, DType::kU8},        {"I8", 8, DType::kI8},
    {"I16", 16, std::nullopt},    {"U16", 16, std::nullopt},    {"F16", 16, DType::kF16},
    {"BF16", 16, DType::kBF16},   {"I32", 32, DType::kI32},     {"U32", 32, std::nullopt},
    {"F32", 32, DType::kF32},     {"F64", 64, DType::kF64},     {"I64", 64, DType::kI64},
    {"U64", 64, std::nullopt},    {"C64", 64, std::nullopt},    {"F8_E4M3", 8, std::nullopt},
    {"F8_E5M2", 8, std::nullopt}, {"F8_E8M0", 8, std::nullopt}, {"F4", 4, std::nullopt},
    {"F6_E2M3", 6, std::nullopt}, {"F6_E3M2", 6, std::nullopt},
};

class HeaderError {
 public:
  explicit HeaderError(const std::string& path) : path_(path) {}
  template <typename... Args>
  [[noreturn]] void operator()(ErrorKind kind, fmt::format_string<Args...> format,
                               Args&&... args) const {
    raise(kind, "{}: {}", path_, fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  const std::string& path_;
};

uint64_t read_unsigned(const nlohmann::json& value, const HeaderError& fail,
                       std::string_view what) {
  if (!value.is_number_unsigned()) {
    fail(ErrorKind::kInvalidArgument, "{} is {}, not a non-negative integer", what,
         describe_json(value));
  }
  return value.get<uint64_t>();
}

SafetensorsTensorInfo parse_tensor(const std::string& name, const nlohmann::json& entry,
                                   const HeaderError& fail) {
  const std::string label = fmt::format("tensor '{}'", name);
  if (name.empty()) fail(ErrorKind::kInvalidArgument, "header: a tensor name is empty");
  if (!entry.is_object()) {
    fail(ErrorKind::kInvalidArgument, "{}: the entry is {}, not an object", label,
         describe_json(entry));
  }
  for (const auto& [field, value] : entry.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets") {
      fail(ErrorKind::kInvalidArgument,
           "{}: unknown field '{}' (expected dtype, shape and data_offsets)", label, field);
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(field)) {
      fail(ErrorKind::kInvalidArgument, "{}: the field '{}' is missing", label, field);
    }
  }
  SafetensorsTensorInfo info;
  info.name = name;

  const nlohmann::json& dtype = entry["dtype"];
  if (!dtype.is_string()) {
    fail(ErrorKind::kInvalidArgument, "{}: dtype is {}, not a string", label, describe_json(dtype));
  }
  const SafetensorsDType* traits = find_safetensors_dtype(dtype.get_ref<const std::string&>());
  if (traits == nullptr) {
    fail(ErrorKind::kInvalidArgument, "{}: dtype '{}' is not a safetensors dtype", label,
         dtype.get_ref<const std::string&>());
  }
  info.dtype = std::string(traits->name);
  info.element_type = traits->dtype;

  const nlohmann::json& shape = entry["shape"];
  if (!shape.is_array()) {
    fail(ErrorKind::kInvalidArgument, "{}: shape is {}, not an array", label, describe_json(shape));
  }
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    fail(ErrorKind::kUnsupported, "{}: shape has {} dimensions, more than the limit of {}", label,
         shape.size(), kMaxRank);
  }
  std::vector<int64_t> dims;
  int64_t numel = 1;
  int64_t nonzero_product = 1;
  for (size_t axis = 0; axis < shape.size(); ++axis) {
    const uint64_t dim =
        read_unsigned(shape[axis], fail, fmt::format("{}: shape[{}]", label, axis));
    if (dim > static_cast<uint64_t>(INT64_MAX) ||
        (dim != 0 &&
         multiply_overflows(nonzero_product, static_cast<int64_t>(dim), &nonzero_product))) {
      fail(ErrorKind::kOverflow, "{}: shape [{}{}{}, ...] overflows int64 elements", label,
           fmt::join(dims, ","), dims.empty() ? "" : ",", dim);
    }
    dims.push_back(static_cast<int64_t>(dim));
    numel *= static_cast<int64_t>(dim);  // |numel| <= nonzero_product
  }
  info.shape = Shape(dims);
  info.numel = numel;

  const nlohmann::json& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2) {
    fail(ErrorKind::kInvalidArgument, "{}: data_offsets is {}, not [begin, end]", label,
         describe_json(offsets));
  }
  info.begin = read_unsigned(offsets[0], fail, label + ": data_offsets[0]");
  info.end = read_unsigned(offsets[1], fail, label + ": data_offsets[1]");
  if (info.begin > info.end) {
    fail(ErrorKind::kInvalidArgument, "{}: data_offsets [{}, {}] end before they begin", label,
         info.begin, info.end);
  }
  uint64_t bits = 0;
  if (multiply_overflows(static_cast<uint64_t>(numel), static_cast<uint64_t>(traits->bits),
                         &bits)) {
    fail(ErrorKind::kOverflow, "{}: {} elements of {} overflow a 64-bit size", label, numel,
         traits->name);
  }
  if (bits % 8 != 0) {
    fail(ErrorKind::kInvalidArgument, "{}: {} elements of {} ({} bits each) are not whole bytes",
         label, numel, traits->name, traits->bits);
  }
  if (info.end - info.begin != bits / 8) {
    fail(ErrorKind::kInvalidArgument,
         "{}: data_offsets [{}, {}] hold {} bytes, but dtype {} and shape {} need {}", label,
         info.begin, info.end, info.end - info.begin, traits->name, to_string(info.shape),
         bits / 8);
  }
  return info;
}

// The tensors must tile the data exactly, in offset order, from 0 to the end of the file.
void check_layout(SafetensorsContents& contents, uint64_t data_bytes, const HeaderError& fail) {
  std::sort(contents.tensors.begin(), contents.tensors.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  const SafetensorsTensorInfo* previous = nullptr;
  for (SafetensorsTensorInfo& info : contents.tensors) {
    if (info.end > data_bytes) {
      fail(ErrorKind::kIo,
           "tensor '{}': data_offsets [{}, {}] run past the end of the data ({} bytes; truncated "
           "file)",
           info.name, info.begin, info.end, data_bytes);
    }
    if (info.begin < expected) {
      fail(ErrorKind::kInvalidArgument,
           "tensor '{}': data_offsets [{}, {}] overlap tensor '{}', which ends at {}", info.name,
           info.begin, info.end, previous->name, expected);
    }
    if (info.begin > expected) {
      fail(ErrorKind::kInvalidArgument,
           "tensor '{}': data_offsets [{}, {}] leave a gap of {} bytes before them (the data "
           "must be contiguous from {})",
           info.name, info.begin, info.end, info.begin - expected, expected);
    }
    info.file_offset = 8 + contents.header_bytes + info.begin;
    expected = info.end;
    previous = &info;
  }
  if (expected != data_bytes) {
    fail(ErrorKind::kInvalidArgument,
         "{} trailing bytes after the last tensor's data (which ends at {} of {})",
         data_bytes - expected, expected, data_bytes);
  }
}

void read_entries(SafetensorsContents& contents, const nlohmann::json& root,
                  const HeaderError& fail) {
  for (const auto& [name, entry] : root.items()) {
    if (name == kSafetensorsMetadataKey) {
      if (!entry.is_object()) {
        fail(ErrorKind::kInvalidArgument, "header: __metadata__ is {}, not an object",
             describe_json(entry));
      }
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) {
          fail(ErrorKind::kInvalidArgument, "header: __metadata__ '{}' is {}, not a string", key,
               describe_json(value));
        }
        contents.metadata.emplace(key, value.get<std::string>());
      }
      continue;
    }
    contents.tensors.push_back(parse_tensor(name, entry, fail));
  }
}

}  // namespace

const SafetensorsDType* find_safetensors_dtype(std::string_view name) noexcept {
  for (const SafetensorsDType& entry : kDTypes) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::string_view safetensors_dtype_name(DType dtype) noexcept {
  for (const SafetensorsDType& entry : kDTypes) {
    if (entry.dtype == dtype) return entry.name;
  }
  return {};
}

std::string describe_json(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      return text.size() > 40 ? fmt::format("a string of {} bytes", text.size())
                              : fmt::format("the string \"{}\"", text);
    }
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
      return fmt::format("{}", value.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return fmt::format("{}", value.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return fmt::format("{}", value.get<double>());
    default:
      return "an unsupported value";
  }
}

nlohmann::json parse_strict_json(std::string_view text, int max_depth, const std::string& where) {
  // nlohmann's lexer ends the input at a NUL byte and would ignore anything after it.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    raise(ErrorKind::kInvalidArgument, "{}: malformed JSON: NUL byte at position {}", where, nul);
  }
  // Keys seen in each open object, innermost last.
  std::vector<std::set<std::string>> open_objects;
  const auto callback = [&](int depth, nlohmann::json::parse_event_t event,
                            nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    // `depth` counts the containers already open around this event.
    if ((event == Event::object_start || event == Event::array_start) && depth >= max_depth) {
      raise(ErrorKind::kInvalidArgument, "{}: JSON nests deeper than {} levels", where, max_depth);
    }
    if (event == Event::object_start) open_objects.emplace_back();
    if (event == Event::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == Event::key && !open_objects.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) {
        raise(ErrorKind::kInvalidArgument, "{}: duplicate key '{}'", where, key);
      }
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::exception& error) {
    raise(ErrorKind::kInvalidArgument, "{}: malformed JSON: {}", where, error.what());
  }
}

std::shared_ptr<const SafetensorsContents> read_safetensors(std::shared_ptr<MappedFile> file) {
  const HeaderError fail(file->name());
  auto contents = std::make_shared<SafetensorsContents>();
  ByteReader reader(*file);
  const auto header_bytes = reader.read<uint64_t>("header length");
  if (header_bytes > kMaxSafetensorsHeader) {
    fail(ErrorKind::kInvalidArgument, "header length {} is over the limit of {} bytes",
         header_bytes, kMaxSafetensorsHeader);
  }
  if (header_bytes > reader.remaining()) {
    fail(ErrorKind::kIo,
         "header length {} runs past the end of the file ({} bytes after the length; truncated "
         "header)",
         header_bytes, reader.remaining());
  }
  if (header_bytes == 0) fail(ErrorKind::kInvalidArgument, "header length is 0: no JSON header");
  contents->header_bytes = header_bytes;
  std::string header(static_cast<size_t>(header_bytes), '\0');
  reader.read_bytes(header.data(), header_bytes, "header");
  if (header.front() != '{') {
    fail(ErrorKind::kInvalidArgument, "header: starts with byte 0x{:02x}, not '{{'",
         static_cast<unsigned char>(header.front()));
  }
  const nlohmann::json root = parse_strict_json(header, 3, file->name() + ": header");
  if (!root.is_object()) {
    fail(ErrorKind::kInvalidArgument, "header: the JSON is {}, not an object", describe_json(root));
  }
  // Every value is checked for its type before use; a nlohmann exception here would be a bug,
  // reported as such rather than escaping as a foreign exception type.
  try {
    read_entries(*contents, root, fail);
  } catch (const nlohmann::json::exception& error) {
    fail(ErrorKind::kInternal, "header: unexpected JSON error: {}", error.what());
  }
  check_layout(*contents, file->size() - 8 - header_bytes, fail);
  for (size_t index = 0; index < contents->tensors.size(); ++index) {
    contents->tensor_index.emplace(contents->tensors[index].name, index);
  }
  contents->mapping = file->map();
  contents->file = std::move(file);
  return contents;
}

}  // namespace bitnet::io

namespace bitnet {

SafetensorsFile::SafetensorsFile(std::shared_ptr<const io::SafetensorsContents> contents)
    : contents_(std::move(contents)) {}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  return SafetensorsFile(io::read_safetensors(io::MappedFile::open(path, 8, "safetensors")));
}

SafetensorsFile SafetensorsFile::from_bytes(std::vector<uint8_t> bytes, std::string name) {
  return SafetensorsFile(io::read_safetensors(
      io::MappedFile::from_bytes(std::move(bytes), std::move(name), 8, "safetensors")));
}

const std::string& SafetensorsFile::path() const noexcept {
  return contents_->file->name();
}
uint64_t SafetensorsFile::file_size() const noexcept {
  return contents_->file->size();
}
uint64_t SafetensorsFile::header_bytes() const noexcept {
  return contents_->header_bytes;
}
uint64_t SafetensorsFile::data_offset() const noexcept {
  return 8 + contents_->header_bytes;
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const noexcept {
  return contents_->metadata;
}

const std::vector<SafetensorsTensorInfo>& SafetensorsFile::tensors() const noexcept {
  return contents_->tensors;
}

const SafetensorsTensorInfo* SafetensorsFile::find_tensor(std::string_view name) const noexcept {
  const auto found = contents_->tensor_index.find(name);
  return found == contents_->tensor_index.end() ? nullptr : &contents_->tensors[found->second];
}

const SafetensorsTensorInfo& SafetensorsFile::tensor_info(std::string_view name) const {
  const SafetensorsTensorInfo* info = find_tensor(name);
  if (info == nullptr) {
    raise(ErrorKind::kInvalidArgument, "{}: no tensor named '{}' (the file has {} tensors)", path(),
          name, contents_->tensors.size());
  }
  return *info;
}

std::span<const uint8_t> SafetensorsFile::tensor_bytes(std::string_view name) const {
  const SafetensorsTensorInfo& info = tensor_info(name);
  return {contents_->mapping + info.file_offset, static_cast<size_t>(info.bytes())};
}

Tensor SafetensorsFile::tensor(std::string_view name) const {
  const SafetensorsTensorInfo& info = tensor_info(name);
  if (!info.element_type) {
    raise(ErrorKind::kUnsupported,
          "{}: tensor '{}' has dtype {}, which bitnet-core cannot read (readable: F32, F16, BF16, "
          "F64, I8, U8, I32, I64, BOOL)",
          path(), name, info.dtype);
  }
  const DType dtype = *info.element_type;
  const uint8_t* data = contents_->mapping + info.file_offset;
  if (dtype == DType::kBool) {
    // A bool byte other than 0 or 1 is undefined behaviour when loaded as bool.
    for (uint64_t index = 0; index < info.bytes(); ++index) {
      if (data[index] > 1) {
        raise(ErrorKind::kInvalidArgument,
              "{}: tensor '{}' (BOOL) element {} is {}; BOOL bytes are 0 or 1", path(), name, index,
              data[index]);
      }
    }
  }
  // safetensors does not align tensor data; typed loads from a misaligned address would be
  // undefined, so such a tensor is copied.
  if (reinterpret_cast<uintptr_t>(data) % dtype_size(dtype) != 0) {
    return Tensor::from_data(data, static_cast<size_t>(info.bytes()), info.shape, dtype);
  }
  // The view keeps the mapping alive; the mapping is copy-on-write, so const_cast cannot reach
  // the file.
  return Tensor::from_blob(const_cast<uint8_t*>(data), info.shape, dtype,
                           [keep = contents_](void*) {});
}

}  // namespace bitnet

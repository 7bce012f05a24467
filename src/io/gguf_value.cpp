// GgufValue: GGUF metadata values (scalars, strings, arrays of any of them, nested arrays), typed
// access that names both types on a mismatch, display and equality.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/raise.h"
#include "io/gguf_format.h"

namespace bitnet {
namespace {

template <typename T>
constexpr GgufType gguf_type_of() {
  if constexpr (std::is_same_v<T, uint8_t>) return GgufType::kU8;
  if constexpr (std::is_same_v<T, int8_t>) return GgufType::kI8;
  if constexpr (std::is_same_v<T, uint16_t>) return GgufType::kU16;
  if constexpr (std::is_same_v<T, int16_t>) return GgufType::kI16;
  if constexpr (std::is_same_v<T, uint32_t>) return GgufType::kU32;
  if constexpr (std::is_same_v<T, int32_t>) return GgufType::kI32;
  if constexpr (std::is_same_v<T, float>) return GgufType::kF32;
  if constexpr (std::is_same_v<T, bool>) return GgufType::kBool;
  if constexpr (std::is_same_v<T, uint64_t>) return GgufType::kU64;
  if constexpr (std::is_same_v<T, int64_t>) return GgufType::kI64;
  if constexpr (std::is_same_v<T, double>) return GgufType::kF64;
}

// A scalar's bytes as stored (bool as one byte 0/1).
template <typename T>
uint64_t to_bits(T value) {
  uint64_t bits = 0;
  if constexpr (std::is_same_v<T, bool>) {
    bits = value ? 1 : 0;
  } else {
    std::memcpy(&bits, &value, sizeof(T));
  }
  return bits;
}

template <typename T>
T from_bits(uint64_t bits) {
  if constexpr (std::is_same_v<T, bool>) {
    return bits != 0;
  } else {
    T value;
    std::memcpy(&value, &bits, sizeof(T));
    return value;
  }
}

// Calls `visit(T{})` with the C++ type of a scalar GGUF type.
template <typename Visit>
decltype(auto) visit_scalar(GgufType type, Visit&& visit) {
  switch (type) {
    case GgufType::kU8:
      return visit(uint8_t{});
    case GgufType::kI8:
      return visit(int8_t{});
    case GgufType::kU16:
      return visit(uint16_t{});
    case GgufType::kI16:
      return visit(int16_t{});
    case GgufType::kU32:
      return visit(uint32_t{});
    case GgufType::kI32:
      return visit(int32_t{});
    case GgufType::kF32:
      return visit(float{});
    case GgufType::kBool:
      return visit(bool{});
    case GgufType::kU64:
      return visit(uint64_t{});
    case GgufType::kI64:
      return visit(int64_t{});
    case GgufType::kF64:
      return visit(double{});
    case GgufType::kString:
    case GgufType::kArray:
      break;
  }
  raise(ErrorKind::kInternal, "GgufValue: {} is not a scalar type", gguf_type_name(type));
}

bool is_integer(GgufType type) {
  switch (type) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kU16:
    case GgufType::kI16:
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kU64:
    case GgufType::kI64:
      return true;
    default:
      return false;
  }
}

// The length of the well-formed UTF-8 sequence at text[index] (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0.
size_t utf8_sequence(const std::string& text, size_t index) {
  const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(index);
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (index + length > text.size()) return 0;
  if (byte(index + 1) < low || byte(index + 1) > high) return 0;
  for (size_t next = 2; next < length; ++next) {
    if (byte(index + next) < 0x80 || byte(index + next) > 0xbf) return 0;
  }
  return length;
}

// A string for display: printable ASCII and well-formed UTF-8 kept, control characters and other
// bytes escaped, cut after `limit` bytes.
std::string quoted(const std::string& text, size_t limit = 80) {
  std::string out = "\"";
  size_t index = 0;
  while (index < text.size() && index < limit) {
    const auto byte = static_cast<unsigned char>(text[index]);
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += static_cast<char>(byte);
    } else if (byte == '\n') {
      out += "\\n";
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += static_cast<char>(byte);
    } else if (const size_t length = utf8_sequence(text, index); length > 0) {
      out.append(text, index, length);
      index += length;
      continue;
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
    ++index;
  }
  out += '"';
  if (text.size() > limit) out += fmt::format("...({} bytes)", text.size());
  return out;
}

std::string scalar_string(GgufType type, uint64_t bits) {
  return visit_scalar(type, [&](auto tag) -> std::string {
    using T = decltype(tag);
    const T value = from_bits<T>(bits);
    if constexpr (std::is_same_v<T, bool>) {
      return value ? "true" : "false";
    } else if constexpr (std::is_floating_point_v<T>) {
      return fmt::format("{}", value);
    } else {
      return fmt::format(
          "{}", static_cast<std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>(value));
    }
  });
}

}  // namespace

std::string_view gguf_type_name(GgufType type) noexcept {
  switch (type) {
    case GgufType::kU8:
      return "u8";
    case GgufType::kI8:
      return "i8";
    case GgufType::kU16:
      return "u16";
    case GgufType::kI16:
      return "i16";
    case GgufType::kU32:
      return "u32";
    case GgufType::kI32:
      return "i32";
    case GgufType::kF32:
      return "f32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kU64:
      return "u64";
    case GgufType::kI64:
      return "i64";
    case GgufType::kF64:
      return "f64";
  }
  return "unknown";
}

template <GgufScalar T>
GgufValue::GgufValue(T value) : type_(gguf_type_of<T>()), bits_(to_bits(value)) {}

GgufValue::GgufValue(std::string value) : type_(GgufType::kString), string_(std::move(value)) {}

template <GgufScalar T>
GgufValue GgufValue::array(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * io::gguf_scalar_bytes(gguf_type_of<T>()));
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t index = 0; index < values.size(); ++index) bytes[index] = values[index] ? 1 : 0;
  } else if (!values.empty()) {
    std::memcpy(bytes.data(), values.data(), bytes.size());
  }
  return GgufValueAccess::packed_array(gguf_type_of<T>(), std::move(bytes), values.size());
}

GgufValue GgufValue::array(std::vector<std::string> values) {
  return GgufValueAccess::string_array(std::move(values));
}

GgufValue GgufValue::array_of_arrays(std::vector<GgufValue> arrays) {
  return GgufValueAccess::nested_array(std::move(arrays));
}

GgufType GgufValue::element_type() const {
  if (type_ != GgufType::kArray) {
    raise(ErrorKind::kDTypeMismatch, "the value is {}, not an array", type_string());
  }
  return element_type_;
}

size_t GgufValue::size() const {
  switch (element_type()) {
    case GgufType::kString:
      return strings_.size();
    case GgufType::kArray:
      return arrays_.size();
    default:
      return scalar_count_;
  }
}

template <GgufScalar T>
T GgufValue::as() const {
  if (type_ != gguf_type_of<T>()) {
    raise(ErrorKind::kDTypeMismatch, "the value is {}, not {}", type_string(),
          gguf_type_name(gguf_type_of<T>()));
  }
  return from_bits<T>(bits_);
}

const std::string& GgufValue::as_string() const {
  if (type_ != GgufType::kString) {
    raise(ErrorKind::kDTypeMismatch, "the value is {}, not string", type_string());
  }
  return string_;
}

int64_t GgufValue::as_int() const {
  if (!is_integer(type_)) {
    raise(ErrorKind::kDTypeMismatch, "the value is {}, not an integer", type_string());
  }
  if (type_ == GgufType::kU64 && bits_ > static_cast<uint64_t>(INT64_MAX)) {
    raise(ErrorKind::kOverflow, "the value {} (u64) does not fit in int64", bits_);
  }
  return visit_scalar(type_, [&](auto tag) -> int64_t {
    return static_cast<int64_t>(from_bits<decltype(tag)>(bits_));
  });
}

template <GgufScalar T>
std::vector<T> GgufValue::as_array() const {
  if (type_ != GgufType::kArray || element_type_ != gguf_type_of<T>()) {
    raise(ErrorKind::kDTypeMismatch, "the value is {}, not array[{}]", type_string(),
          gguf_type_name(gguf_type_of<T>()));
  }
  std::vector<T> values(scalar_count_);
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t index = 0; index < scalar_count_; ++index) values[index] = packed_[index] != 0;
  } else if (scalar_count_ != 0) {
    std::memcpy(values.data(), packed_.data(), scalar_count_ * sizeof(T));
  }
  return values;
}

const std::vector<std::string>& GgufValue::as_strings() const {
  if (type_ != GgufType::kArray || element_type_ != GgufType::kString) {
    raise(ErrorKind::kDTypeMismatch, "the value is {}, not array[string]", type_string());
  }
  return strings_;
}

const std::vector<GgufValue>& GgufValue::as_arrays() const {
  if (type_ != GgufType::kArray || element_type_ != GgufType::kArray) {
    raise(ErrorKind::kDTypeMismatch, "the value is {}, not an array of arrays", type_string());
  }
  return arrays_;
}

GgufValue GgufValue::element(size_t index) const {
  const size_t count = size();
  if (index >= count) {
    raise(ErrorKind::kIndexOutOfRange, "metadata array element {} is out of range for {} elements",
          index, count);
  }
  switch (element_type_) {
    case GgufType::kString:
      return GgufValue(strings_[index]);
    case GgufType::kArray:
      return arrays_[index];
    default: {
      const uint64_t width = io::gguf_scalar_bytes(element_type_);
      uint64_t bits = 0;
      std::memcpy(&bits, packed_.data() + index * width, width);
      return GgufValueAccess::scalar(element_type_, bits);
    }
  }
}

std::string GgufValue::type_string() const {
  if (type_ != GgufType::kArray) return std::string(gguf_type_name(type_));
  // Nested arrays name their elements' type when all share one, else (or when empty)
  // "array[array]".
  if (element_type_ == GgufType::kArray && !arrays_.empty()) {
    const std::string first = arrays_.front().type_string();
    const bool uniform = std::all_of(arrays_.begin(), arrays_.end(), [&](const GgufValue& element) {
      return element.type_string() == first;
    });
    if (uniform) return fmt::format("array[{}]", first);
  }
  return fmt::format("array[{}]", gguf_type_name(element_type_));
}

std::string GgufValue::to_string(size_t max_elements) const {
  switch (type_) {
    case GgufType::kString:
      return quoted(string_);
    case GgufType::kArray: {
      const size_t count = size();
      std::string out = "[";
      for (size_t index = 0; index < count && index < max_elements; ++index) {
        if (index > 0) out += ", ";
        out += element(index).to_string(max_elements);
      }
      if (count > max_elements) out += fmt::format(", ... ({} total)", count);
      return out + "]";
    }
    default:
      return scalar_string(type_, bits_);
  }
}

bool operator==(const GgufValue& a, const GgufValue& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case GgufType::kString:
      return a.string_ == b.string_;
    case GgufType::kArray:
      if (a.element_type_ != b.element_type_) return false;
      if (a.element_type_ == GgufType::kString) return a.strings_ == b.strings_;
      if (a.element_type_ == GgufType::kArray) return a.arrays_ == b.arrays_;
      // Bitwise: NaN payloads compare equal to themselves, as a file round trip needs.
      return a.scalar_count_ == b.scalar_count_ && a.packed_ == b.packed_;
    default:
      return a.bits_ == b.bits_;
  }
}

GgufValue GgufValueAccess::scalar(GgufType type, uint64_t bits) {
  GgufValue value;
  value.type_ = type;
  value.bits_ = bits;
  return value;
}

GgufValue GgufValueAccess::string(std::string text) {
  return GgufValue(std::move(text));
}

GgufValue GgufValueAccess::packed_array(GgufType element_type, std::vector<uint8_t> bytes,
                                        size_t count) {
  GgufValue value;
  value.type_ = GgufType::kArray;
  value.element_type_ = element_type;
  value.packed_ = std::move(bytes);
  value.scalar_count_ = count;
  return value;
}

GgufValue GgufValueAccess::string_array(std::vector<std::string> strings) {
  GgufValue value;
  value.type_ = GgufType::kArray;
  value.element_type_ = GgufType::kString;
  value.strings_ = std::move(strings);
  return value;
}

namespace {
int nesting_depth(const GgufValue& value) {
  if (!value.is_array() || value.element_type() != GgufType::kArray)
    return value.is_array() ? 1 : 0;
  int deepest = 0;
  for (const GgufValue& element : value.as_arrays())
    deepest = std::max(deepest, nesting_depth(element));
  return deepest + 1;
}
}  // namespace

GgufValue GgufValueAccess::nested_array(std::vector<GgufValue> arrays) {
  for (size_t index = 0; index < arrays.size(); ++index) {
    if (!arrays[index].is_array()) {
      raise(ErrorKind::kInvalidArgument,
            "GgufValue::array_of_arrays: element {} is {}, not an array", index,
            arrays[index].type_string());
    }
  }
  GgufValue value;
  value.type_ = GgufType::kArray;
  value.element_type_ = GgufType::kArray;
  value.arrays_ = std::move(arrays);
  if (nesting_depth(value) > kMaxGgufArrayNesting) {
    raise(ErrorKind::kInvalidArgument,
          "GgufValue::array_of_arrays: arrays nest {} deep, more than the limit of {}",
          nesting_depth(value), kMaxGgufArrayNesting);
  }
  return value;
}

// Every scalar type, instantiated once here.
#define BITNET_GGUF_SCALAR(T)                                 \
  template GgufValue::GgufValue(T);                           \
  template GgufValue GgufValue::array(const std::vector<T>&); \
  template T GgufValue::as<T>() const;                        \
  template std::vector<T> GgufValue::as_array<T>() const;
BITNET_FOR_EACH_GGUF_SCALAR(BITNET_GGUF_SCALAR)
#undef BITNET_GGUF_SCALAR

namespace io {

uint64_t gguf_scalar_bytes(GgufType type) noexcept {
  switch (type) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64:
      return 8;
    case GgufType::kString:
    case GgufType::kArray:
      return 0;
  }
  return 0;
}

bool is_gguf_type(uint32_t id) noexcept {
  return id <= static_cast<uint32_t>(GgufType::kF64);
}

uint64_t gguf_minimum_element_bytes(GgufType type) noexcept {
  if (type == GgufType::kString) return 8;
  if (type == GgufType::kArray) return 4 + 8;
  return gguf_scalar_bytes(type);
}

bool gguf_tensor_bytes(const GgmlTypeTraits& traits, int64_t numel, uint64_t* bytes) {
  const auto blocks = static_cast<uint64_t>(numel / traits.block_size);
  uint64_t total = 0;
  if (__builtin_mul_overflow(blocks, static_cast<uint64_t>(traits.block_bytes), &total)) {
    return false;
  }
  if (traits.type == GgmlType::kI2_S && __builtin_add_overflow(total, uint64_t{32}, &total)) {
    return false;
  }
  *bytes = total;
  return true;
}

}  // namespace io
}  // namespace bitnet

// GgufFile: metadata accessors and tensor access (zero-copy views of the mapping, Q8_0,
// Q4_K and Q6_K dequantization, ternary repacking) over the validated contents of a GGUF file.
#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/raise.h"
#include "io/gguf_format.h"
#include "io/k_quants.h"
#include "io/q8_0.h"

namespace bitnet {
namespace {

// Prefixes an accessor's type error with the file and key.
template <typename Access>
auto with_key(const std::string& path, std::string_view key, Access&& access) {
  try {
    return access();
  } catch (const Error& error) {
    raise(error.kind(), "{}: metadata '{}': {}", path, key, error.what());
  }
}

}  // namespace

GgufFile::GgufFile(std::shared_ptr<const io::GgufContents> contents)
    : contents_(std::move(contents)) {}

GgufFile GgufFile::open(const std::string& path) {
  return GgufFile(io::read_gguf(io::MappedFile::open(path, io::kGgufHeaderBytes, "GGUF")));
}

GgufFile GgufFile::from_bytes(std::vector<uint8_t> bytes, std::string name) {
  return GgufFile(io::read_gguf(
      io::MappedFile::from_bytes(std::move(bytes), std::move(name), io::kGgufHeaderBytes, "GGUF")));
}

const std::string& GgufFile::path() const noexcept {
  return contents_->file->name();
}
uint32_t GgufFile::version() const noexcept {
  return contents_->version;
}
uint64_t GgufFile::alignment() const noexcept {
  return contents_->alignment;
}
uint64_t GgufFile::data_offset() const noexcept {
  return contents_->data_offset;
}
uint64_t GgufFile::file_size() const noexcept {
  return contents_->file->size();
}

const std::vector<GgufMetadataEntry>& GgufFile::metadata() const noexcept {
  return contents_->metadata;
}

const GgufValue* GgufFile::find(std::string_view key) const noexcept {
  const auto found = contents_->key_index.find(key);
  return found == contents_->key_index.end() ? nullptr : &contents_->metadata[found->second].value;
}

const GgufValue& GgufFile::at(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) {
    raise(ErrorKind::kInvalidArgument, "{}: metadata key '{}' is not in the file", path(), key);
  }
  return *value;
}

template <GgufScalar T>
T GgufFile::get(std::string_view key) const {
  const GgufValue& value = at(key);
  return with_key(path(), key, [&] { return value.as<T>(); });
}

template <GgufScalar T>
T GgufFile::get_or(std::string_view key, T fallback) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return fallback;
  return with_key(path(), key, [&] { return value->as<T>(); });
}

std::string GgufFile::get_string(std::string_view key) const {
  const GgufValue& value = at(key);
  return with_key(path(), key, [&] { return value.as_string(); });
}

int64_t GgufFile::get_int(std::string_view key) const {
  const GgufValue& value = at(key);
  return with_key(path(), key, [&] { return value.as_int(); });
}

template <GgufScalar T>
std::vector<T> GgufFile::get_array(std::string_view key) const {
  const GgufValue& value = at(key);
  return with_key(path(), key, [&] { return value.as_array<T>(); });
}

std::vector<std::string> GgufFile::get_strings(std::string_view key) const {
  const GgufValue& value = at(key);
  return with_key(path(), key, [&] { return value.as_strings(); });
}

const std::vector<GgufTensorInfo>& GgufFile::tensors() const noexcept {
  return contents_->tensors;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const noexcept {
  const auto found = contents_->tensor_index.find(name);
  return found == contents_->tensor_index.end() ? nullptr : &contents_->tensors[found->second];
}

const GgufTensorInfo& GgufFile::tensor_info(std::string_view name) const {
  const GgufTensorInfo* info = find_tensor(name);
  if (info == nullptr) {
    raise(ErrorKind::kInvalidArgument, "{}: no tensor named '{}' (the file has {} tensors)", path(),
          name, contents_->tensors.size());
  }
  return *info;
}

std::span<const uint8_t> GgufFile::tensor_bytes(std::string_view name) const {
  const GgufTensorInfo& info = tensor_info(name);
  // Validated at open: file_offset + bytes <= file size.
  return {contents_->mapping + info.file_offset, static_cast<size_t>(info.bytes)};
}

void GgufFile::release_pages(std::string_view name) const {
  const GgufTensorInfo& info = tensor_info(name);
  contents_->file->release(info.file_offset, info.bytes);
}

Tensor GgufFile::copy_tensor(std::string_view name) const {
  const GgufTensorInfo& info = tensor_info(name);
  const GgmlTypeTraits& traits = ggml_type_traits(info.type);
  if (!traits.dtype) {
    raise(ErrorKind::kUnsupported, "{}: tensor '{}' of type {} is not a plain tensor to copy",
          path(), name, traits.name);
  }
  Tensor out = Tensor::empty(info.shape, *traits.dtype);
  constexpr uint64_t kPiece = uint64_t{64} << 20;
  auto* target = static_cast<uint8_t*>(out.data());
  const uint8_t* source = contents_->mapping + info.file_offset;
  for (uint64_t done = 0; done < info.bytes; done += kPiece) {
    const uint64_t count = std::min(kPiece, info.bytes - done);
    std::memcpy(target + done, source + done, static_cast<size_t>(count));
    contents_->file->release(info.file_offset + done, count);
  }
  return out;
}

Tensor GgufFile::tensor(std::string_view name) const {
  const GgufTensorInfo& info = tensor_info(name);
  const GgmlTypeTraits& traits = ggml_type_traits(info.type);
  const uint8_t* data = contents_->mapping + info.file_offset;
  if (traits.dtype) {
    const DType dtype = *traits.dtype;
    // An alignment below the element size can leave data misaligned; typed loads from it would be
    // undefined, so such a tensor is copied.
    if (reinterpret_cast<uintptr_t>(data) % dtype_size(dtype) != 0) {
      return Tensor::from_data(data, static_cast<size_t>(info.bytes), info.shape, dtype);
    }
    // The view keeps the mapping alive; the mapping is copy-on-write, so const_cast cannot reach
    // the file.
    return Tensor::from_blob(const_cast<uint8_t*>(data), info.shape, dtype,
                             [keep = contents_](void*) {});
  }
  if (info.type == GgmlType::kQ8_0) {
    Tensor out = Tensor::empty(info.shape, DType::kF32);
    io::dequantize_q8_0(data, info.numel, out.data_as<float>());
    return out;
  }
  if (info.type == GgmlType::kQ4_K || info.type == GgmlType::kQ6_K) {
    Tensor out = Tensor::empty(info.shape, DType::kF32);
    if (info.type == GgmlType::kQ4_K) {
      io::dequantize_q4_k(data, info.numel, out.data_as<float>());
    } else {
      io::dequantize_q6_k(data, info.numel, out.data_as<float>());
    }
    return out;
  }
  if (traits.ternary) {
    raise(ErrorKind::kUnsupported,
          "{}: tensor '{}' is {}, a ternary type: read it with ternary(), not tensor()", path(),
          name, traits.name);
  }
  raise(ErrorKind::kUnsupported,
        "{}: tensor '{}' has type {}, which bitnet-core cannot read (readable: f32, f16, bf16, "
        "f64, i8, i32, i64, q8_0, q4_K, q6_K; tq1_0, tq2_0, i2_s through ternary())",
        path(), name, traits.name);
}

TernaryTensor GgufFile::ternary(std::string_view name, TernaryFormat target,
                                RepackReport* report) const {
  const GgufTensorInfo& info = tensor_info(name);
  const GgmlTypeTraits& traits = ggml_type_traits(info.type);
  if (!traits.ternary) {
    raise(ErrorKind::kUnsupported, "{}: tensor '{}' is {}, not a ternary type (tq1_0, tq2_0, i2_s)",
          path(), name, traits.name);
  }
  const int64_t cols = info.dims.empty() ? 1 : info.dims[0];
  if (cols == 0) {
    raise(ErrorKind::kInvalidArgument, "{}: ternary tensor '{}' has ne[0] = 0 (no columns)", path(),
          name);
  }
  // ne[0] is a positive multiple of the block size, so each row takes at least one block of the
  // file and rows is bounded by the file size.
  const int64_t rows = info.numel / cols;
  const auto start = std::chrono::steady_clock::now();
  // With no rows, ne[0] is bounded by nothing in the file (the tensor has 0 bytes), and import()
  // sizes per-row buffers by it: build the empty matrix directly (gguf_fuzzer finding).
  TernaryTensor weights =
      rows == 0 ? TernaryTensor::from_trits(Tensor::empty({0, cols}, DType::kI8), Tensor::ones({1}),
                                            target)
                : TernaryTensor::import(*traits.ternary, tensor_bytes(name).data(),
                                        static_cast<size_t>(info.bytes), rows, cols, target);
  if (report != nullptr) {
    report->source_format = std::string(traits.name);
    report->target_format = std::string(ternary_format_traits(target).name);
    report->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report->source_bytes = info.bytes;
    report->packed_bytes = static_cast<uint64_t>(weights.rows() * weights.bytes_per_row());
    // import() unpacks to one i8 trit per weight and one f32 scale per row before packing.
    report->temporary_bytes =
        static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) + static_cast<uint64_t>(rows) * 4;
  }
  return weights;
}

#define BITNET_GGUF_SCALAR(T)                                \
  template T GgufFile::get<T>(std::string_view) const;       \
  template T GgufFile::get_or<T>(std::string_view, T) const; \
  template std::vector<T> GgufFile::get_array<T>(std::string_view) const;
BITNET_FOR_EACH_GGUF_SCALAR(BITNET_GGUF_SCALAR)
#undef BITNET_GGUF_SCALAR

}  // namespace bitnet

// GGUF writer: metadata and tensor infos in insertion order, then each tensor's data aligned and
// padded to the alignment (after the last tensor too, as ggml's writer does, so that ggml's reader,
// which reads the padded size, accepts the file).
#include <functional>
#include <optional>

#include "core/raise.h"
#include "io/byte_reader.h"
#include "io/gguf_format.h"
#include "io/output_file.h"
#include "io/q8_0.h"

namespace bitnet {

struct GgufWriter::PendingTensor {
  std::string name;
  GgmlType type = GgmlType::kF32;
  std::vector<int64_t> dims;  // ne order
  uint64_t bytes = 0;
  Tensor tensor;              // plain types: written from the tensor itself
  std::vector<uint8_t> data;  // everything else: the bytes, already in the file's layout
};

namespace {

void check_key(const std::string& key) {
  if (key.empty()) raise(ErrorKind::kInvalidArgument, "GgufWriter: empty metadata key");
  if (key.size() > kMaxGgufKey) {
    raise(ErrorKind::kInvalidArgument, "GgufWriter: key of {} bytes is longer than the limit of {}",
          key.size(), kMaxGgufKey);
  }
  for (const char character : key) {
    const auto byte = static_cast<unsigned char>(character);
    if (byte < 0x20 || byte >= 0x7f) {
      raise(ErrorKind::kInvalidArgument,
            "GgufWriter: key '{}' has byte 0x{:02x}; keys are printable ASCII", key, byte);
    }
  }
}

uint64_t checked_alignment(uint64_t alignment) {
  if (!io::is_power_of_two(alignment) || alignment > kMaxGgufAlignment) {
    raise(ErrorKind::kInvalidArgument,
          "GgufWriter: alignment {} is not a power of two from 1 to {}", alignment,
          kMaxGgufAlignment);
  }
  return alignment;
}

void write_string(io::ByteSink& sink, const std::string& text) {
  sink.write_value<uint64_t>(text.size());
  sink.write(text.data(), text.size());
}

void write_array_body(io::ByteSink& sink, const GgufValue& value) {
  const GgufType element_type = value.element_type();
  sink.write_value(static_cast<uint32_t>(element_type));
  sink.write_value<uint64_t>(value.size());
  switch (element_type) {
    case GgufType::kString:
      for (const std::string& text : value.as_strings()) write_string(sink, text);
      break;
    case GgufType::kArray:
      for (const GgufValue& element : value.as_arrays()) write_array_body(sink, element);
      break;
    default: {
      const std::vector<uint8_t>& packed = GgufValueAccess::packed(value);
      sink.write(packed.data(), packed.size());
    }
  }
}

void write_value(io::ByteSink& sink, const GgufValue& value) {
  switch (value.type()) {
    case GgufType::kString:
      write_string(sink, value.as_string());
      break;
    case GgufType::kArray:
      write_array_body(sink, value);
      break;
    default: {
      const uint64_t bits = GgufValueAccess::bits(value);
      sink.write(&bits, io::gguf_scalar_bytes(value.type()));
    }
  }
}

std::vector<int64_t> ne_order(const Shape& shape) {
  return std::vector<int64_t>(shape.span().rbegin(), shape.span().rend());
}

}  // namespace

GgufWriter::GgufWriter(uint32_t version) : version_(version) {
  if (version != 2 && version != 3) {
    raise(ErrorKind::kInvalidArgument, "GgufWriter: version {} is not 2 or 3", version);
  }
}

void GgufWriter::set_alignment(uint64_t alignment) {
  checked_alignment(alignment);
  const bool recorded = std::any_of(metadata_.begin(), metadata_.end(), [](const auto& entry) {
    return entry.key == "general.alignment";
  });
  if (alignment != kDefaultGgufAlignment || recorded) {
    set("general.alignment", GgufValue(static_cast<uint32_t>(alignment)));
  }
  alignment_ = alignment;
}

void GgufWriter::set(std::string key, GgufValue value) {
  check_key(key);
  if (key == "general.alignment") {
    if (value.type() != GgufType::kU32) {
      raise(ErrorKind::kInvalidArgument, "GgufWriter: general.alignment must be u32, not {}",
            value.type_string());
    }
    alignment_ = checked_alignment(value.as<uint32_t>());
  }
  for (GgufMetadataEntry& entry : metadata_) {
    if (entry.key == key) {
      entry.value = std::move(value);
      return;
    }
  }
  metadata_.push_back({std::move(key), std::move(value)});
}

void GgufWriter::add_pending(PendingTensor tensor) {
  if (tensor.name.empty() || tensor.name.size() > kMaxGgufTensorName) {
    raise(ErrorKind::kInvalidArgument,
          "GgufWriter: tensor name '{}' must have 1 to {} bytes (it has {})", tensor.name,
          kMaxGgufTensorName, tensor.name.size());
  }
  for (const auto& existing : tensors_) {
    if (existing->name == tensor.name) {
      raise(ErrorKind::kInvalidArgument, "GgufWriter: duplicate tensor name '{}'", tensor.name);
    }
  }
  if (tensor.dims.size() > io::kGgufMaxDims) {
    raise(ErrorKind::kInvalidArgument, "GgufWriter: tensor '{}' has {} dimensions, more than {}",
          tensor.name, tensor.dims.size(), io::kGgufMaxDims);
  }
  const GgmlTypeTraits& traits = ggml_type_traits(tensor.type);
  const int64_t numel = checked_numel(Shape(tensor.dims));
  const int64_t row = tensor.dims.empty() ? 1 : tensor.dims[0];
  if (row % traits.block_size != 0) {
    raise(ErrorKind::kShapeMismatch,
          "GgufWriter: tensor '{}': ne[0] = {} is not a multiple of the {} block size {}",
          tensor.name, row, traits.name, traits.block_size);
  }
  if (!io::gguf_tensor_bytes(traits, numel, &tensor.bytes)) {
    raise(ErrorKind::kOverflow, "GgufWriter: tensor '{}' overflows a 64-bit byte count",
          tensor.name);
  }
  if (!tensor.tensor.defined() && tensor.data.size() != tensor.bytes) {
    raise(ErrorKind::kInvalidArgument,
          "GgufWriter: tensor '{}': {} {} elements take {} bytes, {} given", tensor.name, numel,
          traits.name, tensor.bytes, tensor.data.size());
  }
  tensors_.push_back(std::make_shared<const PendingTensor>(std::move(tensor)));
}

void GgufWriter::add_tensor(std::string name, const Tensor& tensor) {
  if (!tensor.defined()) {
    raise(ErrorKind::kInvalidArgument, "GgufWriter: tensor '{}' is undefined", name);
  }
  std::optional<GgmlType> type;
  for (const GgmlTypeTraits& traits : ggml_types()) {
    if (traits.dtype == tensor.dtype()) type = traits.type;
  }
  if (!type) {
    raise(
        ErrorKind::kDTypeMismatch,
        "GgufWriter: tensor '{}' is {}, which GGUF has no type for (f32, f16, bf16, f64, i8, i32, "
        "i64)",
        name, dtype_name(tensor.dtype()));
  }
  PendingTensor pending;
  pending.name = std::move(name);
  pending.type = *type;
  pending.dims = ne_order(tensor.shape());
  pending.tensor = tensor;
  add_pending(std::move(pending));
}

void GgufWriter::add_tensor(std::string name, const Tensor& tensor, GgmlType type) {
  const GgmlTypeTraits& traits = ggml_type_traits(type);
  if (traits.dtype) {
    add_tensor(std::move(name), tensor.to(*traits.dtype));
    return;
  }
  if (type != GgmlType::kQ8_0) {
    raise(ErrorKind::kUnsupported,
          "GgufWriter: tensor '{}': converting to {} is not supported (plain types and q8_0 are; "
          "ternary types through add_ternary, anything through add_raw)",
          name, traits.name);
  }
  if (!tensor.defined() || !is_floating(tensor.dtype())) {
    raise(ErrorKind::kDTypeMismatch, "GgufWriter: tensor '{}' must be floating to become q8_0",
          name);
  }
  PendingTensor pending;
  pending.name = std::move(name);
  pending.type = type;
  pending.dims = ne_order(tensor.shape());
  const int64_t row = pending.dims.empty() ? 1 : pending.dims[0];
  if (row % io::kQ8_0Block != 0) {
    raise(ErrorKind::kShapeMismatch, "GgufWriter: tensor '{}': ne[0] = {} is not a multiple of 32",
          pending.name, row);
  }
  const Tensor values = tensor.to(DType::kF32).contiguous();
  pending.data.resize(static_cast<size_t>(values.numel() / io::kQ8_0Block * io::kQ8_0BlockBytes));
  io::quantize_q8_0(values.data_as<float>(), values.numel(), pending.data.data());
  add_pending(std::move(pending));
}

void GgufWriter::add_ternary(std::string name, const TernaryTensor& weights, GgmlType type) {
  const GgmlTypeTraits& traits = ggml_type_traits(type);
  if (!traits.ternary || !weights.defined()) {
    raise(ErrorKind::kInvalidArgument,
          "GgufWriter: tensor '{}': add_ternary takes a defined TernaryTensor and tq1_0, tq2_0 "
          "or i2_s, not {}",
          name, traits.name);
  }
  PendingTensor pending;
  pending.name = std::move(name);
  pending.type = type;
  pending.dims = {weights.cols(), weights.rows()};
  pending.data = weights.export_as(*traits.ternary);
  add_pending(std::move(pending));
}

void GgufWriter::add_raw(std::string name, GgmlType type, const Shape& shape,
                         std::vector<uint8_t> bytes) {
  PendingTensor pending;
  pending.name = std::move(name);
  pending.type = type;
  pending.dims = ne_order(shape);
  pending.data = std::move(bytes);
  add_pending(std::move(pending));
}

void GgufWriter::write(const std::string& path) const {
  io::FileSink sink(path);
  write_to(sink);
  sink.commit();
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  io::VectorSink sink;
  write_to(sink);
  return std::move(sink.bytes());
}

void GgufWriter::write_to(io::ByteSink& sink) const {
  const uint64_t alignment = alignment_;
  const auto& metadata = metadata_;
  const auto& tensors = tensors_;
  sink.write(io::kGgufMagic, 4);
  sink.write_value<uint32_t>(version_);
  sink.write_value<uint64_t>(tensors.size());
  sink.write_value<uint64_t>(metadata.size());
  for (const GgufMetadataEntry& entry : metadata) {
    write_string(sink, entry.key);
    sink.write_value(static_cast<uint32_t>(entry.value.type()));
    write_value(sink, entry.value);
  }
  uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    write_string(sink, tensor->name);
    sink.write_value<uint32_t>(static_cast<uint32_t>(tensor->dims.size()));
    for (const int64_t dim : tensor->dims) sink.write_value<uint64_t>(static_cast<uint64_t>(dim));
    sink.write_value(static_cast<uint32_t>(tensor->type));
    sink.write_value<uint64_t>(offset);
    if (!io::align_up(offset + tensor->bytes, alignment, &offset)) {
      raise(ErrorKind::kOverflow, "GgufWriter: the data section overflows 64 bits");
    }
  }
  uint64_t data_start = 0;
  (void)io::align_up(sink.written(), alignment, &data_start);
  sink.write_zeros(data_start - sink.written());
  for (const auto& tensor : tensors) {
    if (tensor->tensor.defined()) {
      const Tensor contiguous = tensor->tensor.contiguous();
      sink.write(contiguous.data(), static_cast<size_t>(tensor->bytes));
    } else {
      sink.write(tensor->data.data(), tensor->data.size());
    }
    uint64_t padded = 0;
    (void)io::align_up(sink.written(), alignment, &padded);
    sink.write_zeros(padded - sink.written());
  }
}

}  // namespace bitnet

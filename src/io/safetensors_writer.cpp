// safetensors writer: the JSON header (keys sorted, padded with spaces so the data starts on an
// 8-byte boundary), then the tensors widest element first, so each is aligned to its element size
// and our reader can view every one of them without copying.
#include <algorithm>
#include <filesystem>

#include "core/raise.h"
#include "io/output_file.h"
#include "io/safetensors_format.h"

namespace bitnet {
namespace {

using NamedTensor = std::pair<std::string, Tensor>;

// The data order: widest element first, insertion order among equals.
std::vector<const NamedTensor*> data_order(const std::vector<NamedTensor>& tensors) {
  std::vector<const NamedTensor*> order;
  for (const NamedTensor& tensor : tensors) order.push_back(&tensor);
  std::stable_sort(order.begin(), order.end(), [](const NamedTensor* a, const NamedTensor* b) {
    return dtype_size(a->second.dtype()) > dtype_size(b->second.dtype());
  });
  return order;
}

std::string make_header(const std::map<std::string, std::string>& metadata,
                        const std::vector<const NamedTensor*>& order) {
  nlohmann::json root = nlohmann::json::object();
  if (!metadata.empty()) root[std::string(io::kSafetensorsMetadataKey)] = metadata;
  uint64_t offset = 0;
  for (const NamedTensor* tensor : order) {
    const uint64_t bytes = static_cast<uint64_t>(tensor->second.nbytes());
    root[tensor->first] = {
        {"dtype", std::string(io::safetensors_dtype_name(tensor->second.dtype()))},
        {"shape", tensor->second.shape().to_vector()},
        {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string header;
  try {
    header = root.dump();
  } catch (const nlohmann::json::exception& error) {
    raise(ErrorKind::kInvalidArgument,
          "SafetensorsWriter: a name or metadata string is not UTF-8: {}", error.what());
  }
  // Pad so that 8 + header length is a multiple of 8 (trailing spaces are part of the format).
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kMaxSafetensorsHeader) {
    raise(ErrorKind::kInvalidArgument,
          "SafetensorsWriter: the header would be {} bytes, over the format's limit of {}",
          header.size(), kMaxSafetensorsHeader);
  }
  return header;
}

void write_file(io::ByteSink& sink, const std::map<std::string, std::string>& metadata,
                const std::vector<const NamedTensor*>& order) {
  const std::string header = make_header(metadata, order);
  sink.write_value<uint64_t>(header.size());
  sink.write(header.data(), header.size());
  for (const NamedTensor* tensor : order) {
    const Tensor contiguous = tensor->second.contiguous();
    sink.write(contiguous.data(), static_cast<size_t>(contiguous.nbytes()));
  }
}

}  // namespace

void SafetensorsWriter::set_metadata(std::string key, std::string value) {
  metadata_[std::move(key)] = std::move(value);
}

void SafetensorsWriter::add(std::string name, const Tensor& tensor) {
  if (name.empty() || name == io::kSafetensorsMetadataKey) {
    raise(ErrorKind::kInvalidArgument, "SafetensorsWriter: '{}' cannot name a tensor", name);
  }
  if (!tensor.defined()) {
    raise(ErrorKind::kInvalidArgument, "SafetensorsWriter: tensor '{}' is undefined", name);
  }
  for (const NamedTensor& existing : tensors_) {
    if (existing.first == name) {
      raise(ErrorKind::kInvalidArgument, "SafetensorsWriter: duplicate tensor name '{}'", name);
    }
  }
  if (io::safetensors_dtype_name(tensor.dtype()).empty()) {
    raise(ErrorKind::kDTypeMismatch,
          "SafetensorsWriter: tensor '{}' has dtype {} with no safetensors name", name,
          dtype_name(tensor.dtype()));
  }
  tensors_.emplace_back(std::move(name), tensor);
}

void SafetensorsWriter::write(const std::string& path) const {
  io::FileSink sink(path);
  write_file(sink, metadata_, data_order(tensors_));
  sink.commit();
}

std::vector<uint8_t> SafetensorsWriter::to_bytes() const {
  io::VectorSink sink;
  write_file(sink, metadata_, data_order(tensors_));
  return std::move(sink.bytes());
}

std::string SafetensorsWriter::write_sharded(const std::string& directory, uint64_t max_shard_bytes,
                                             const std::string& stem) const {
  if (max_shard_bytes == 0) {
    raise(ErrorKind::kInvalidArgument, "SafetensorsWriter::write_sharded: max_shard_bytes is 0");
  }
  // Greedy split in insertion order: a shard takes tensors until the next would pass the limit.
  std::vector<std::vector<NamedTensor>> shards;
  uint64_t shard_bytes = 0;
  uint64_t total_bytes = 0;
  for (const NamedTensor& tensor : tensors_) {
    const auto bytes = static_cast<uint64_t>(tensor.second.nbytes());
    if (shards.empty() || (shard_bytes > 0 && shard_bytes + bytes > max_shard_bytes)) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(tensor);
    shard_bytes += bytes;
    total_bytes += bytes;
  }
  if (shards.empty()) shards.emplace_back();
  nlohmann::json weight_map = nlohmann::json::object();
  for (size_t index = 0; index < shards.size(); ++index) {
    const std::string file_name =
        fmt::format("{}-{:05}-of-{:05}.safetensors", stem, index + 1, shards.size());
    const std::filesystem::path path = std::filesystem::path(directory) / file_name;
    io::FileSink sink(path.string());
    write_file(sink, metadata_, data_order(shards[index]));
    sink.commit();
    for (const NamedTensor& tensor : shards[index]) weight_map[tensor.first] = file_name;
  }
  const nlohmann::json index = {{"metadata", {{"total_size", total_bytes}}},
                                {"weight_map", weight_map}};
  const std::string text = index.dump(2) + "\n";
  const std::string index_path =
      (std::filesystem::path(directory) / (stem + ".safetensors.index.json")).string();
  io::FileSink sink(index_path);
  sink.write(text.data(), text.size());
  sink.commit();
  return index_path;
}

}  // namespace bitnet

// SafetensorsCheckpoint: one safetensors file, or the shards of a Hugging Face checkpoint listed by
// model.safetensors.index.json ({"metadata": {"total_size": n}, "weight_map": {tensor: file}}).
// The index is as hostile as the shards: its size is capped, its shard names must be plain file
// names in its own directory (no paths, so no "../" escapes), and it must agree exactly with what
// the shards hold.
#include <filesystem>

#include "core/raise.h"
#include "io/safetensors_format.h"

namespace bitnet {
namespace {

constexpr std::string_view kIndexName = "model.safetensors.index.json";
constexpr std::string_view kSingleName = "model.safetensors";
// An index lists one line per tensor; the header limit of a shard is a generous bound for it too.
constexpr uint64_t kMaxIndexBytes = kMaxSafetensorsHeader;

void check_shard_name(const std::string& index_path, const std::string& tensor,
                      const std::string& file_name) {
  const bool plain = !file_name.empty() && file_name != "." && file_name != ".." &&
                     file_name.find('/') == std::string::npos &&
                     file_name.find('\\') == std::string::npos &&
                     file_name.find('\0') == std::string::npos;
  if (!plain) {
    raise(ErrorKind::kInvalidArgument,
          "{}: weight_map '{}' names shard '{}', which is not a plain file name in the index's "
          "directory",
          index_path, tensor, file_name);
  }
}

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::from_file(SafetensorsFile file) {
  SafetensorsCheckpoint checkpoint;
  checkpoint.path_ = file.path();
  for (const SafetensorsTensorInfo& info : file.tensors())
    checkpoint.shard_index_.emplace(info.name, 0);
  checkpoint.shards_.push_back(std::move(file));
  return checkpoint;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error)) {
    if (fs::exists(fs::path(path) / kIndexName, error))
      return open((fs::path(path) / kIndexName).string());
    if (fs::exists(fs::path(path) / kSingleName, error))
      return open((fs::path(path) / kSingleName).string());
    raise(ErrorKind::kIo, "{}: the directory holds neither {} nor {}", path, kIndexName,
          kSingleName);
  }
  if (fs::path(path).extension() != ".json") return from_file(SafetensorsFile::open(path));

  const auto file = io::MappedFile::open(path, 2, "safetensors index");
  if (file->size() > kMaxIndexBytes) {
    raise(ErrorKind::kInvalidArgument, "{}: the index is {} bytes, over the limit of {}", path,
          file->size(), kMaxIndexBytes);
  }
  std::string text(static_cast<size_t>(file->size()), '\0');
  file->read(0, text.data(), text.size());
  const nlohmann::json index = io::parse_strict_json(text, 2, path);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    raise(ErrorKind::kInvalidArgument, "{}: the index is not an object with a weight_map object",
          path);
  }
  SafetensorsCheckpoint checkpoint;
  checkpoint.path_ = path;
  if (index.contains("metadata")) {
    const nlohmann::json& metadata = index["metadata"];
    if (!metadata.is_object()) {
      raise(ErrorKind::kInvalidArgument, "{}: metadata is {}, not an object", path,
            io::describe_json(metadata));
    }
    if (metadata.contains("total_size")) {
      if (!metadata["total_size"].is_number_unsigned()) {
        raise(ErrorKind::kInvalidArgument, "{}: metadata.total_size is {}, not a byte count", path,
              io::describe_json(metadata["total_size"]));
      }
      checkpoint.total_size_ = metadata["total_size"].get<uint64_t>();
    }
  }

  // Shards in the order they first appear; each opened once.
  std::map<std::string, size_t> shard_of_file;
  const fs::path directory = fs::path(path).parent_path();
  for (const auto& [tensor, value] : index["weight_map"].items()) {
    if (!value.is_string()) {
      raise(ErrorKind::kInvalidArgument, "{}: weight_map '{}' is {}, not a file name", path, tensor,
            io::describe_json(value));
    }
    const std::string& file_name = value.get_ref<const std::string&>();
    check_shard_name(path, tensor, file_name);
    auto [found, added] = shard_of_file.emplace(file_name, checkpoint.shards_.size());
    if (added)
      checkpoint.shards_.push_back(SafetensorsFile::open((directory / file_name).string()));
    const SafetensorsFile& shard = checkpoint.shards_[found->second];
    if (shard.find_tensor(tensor) == nullptr) {
      raise(ErrorKind::kInvalidArgument, "{}: weight_map puts '{}' in {}, which does not hold it",
            path, tensor, shard.path());
    }
    checkpoint.shard_index_.emplace(tensor, found->second);
  }
  // The other direction: every tensor of every shard is listed, and listed under that shard.
  for (size_t index_of_shard = 0; index_of_shard < checkpoint.shards_.size(); ++index_of_shard) {
    const SafetensorsFile& shard = checkpoint.shards_[index_of_shard];
    for (const SafetensorsTensorInfo& info : shard.tensors()) {
      const auto found = checkpoint.shard_index_.find(info.name);
      if (found == checkpoint.shard_index_.end()) {
        raise(ErrorKind::kInvalidArgument, "{}: shard {} holds '{}', which the weight_map omits",
              path, shard.path(), info.name);
      }
      if (found->second != index_of_shard) {
        raise(ErrorKind::kInvalidArgument,
              "{}: '{}' is in both {} and {} (the weight_map names the second)", path, info.name,
              shard.path(), checkpoint.shards_[found->second].path());
      }
    }
  }
  return checkpoint;
}

const std::string& SafetensorsCheckpoint::path() const noexcept {
  return path_;
}

const std::vector<SafetensorsFile>& SafetensorsCheckpoint::shards() const noexcept {
  return shards_;
}

std::optional<uint64_t> SafetensorsCheckpoint::total_size() const noexcept {
  return total_size_;
}

std::vector<std::string> SafetensorsCheckpoint::tensor_names() const {
  std::vector<std::string> names;
  for (const auto& [name, shard] : shard_index_) names.push_back(name);
  return names;
}

const SafetensorsTensorInfo* SafetensorsCheckpoint::find_tensor(
    std::string_view name) const noexcept {
  const auto found = shard_index_.find(name);
  return found == shard_index_.end() ? nullptr : shards_[found->second].find_tensor(name);
}

const SafetensorsTensorInfo& SafetensorsCheckpoint::tensor_info(std::string_view name) const {
  return shard_of(name).tensor_info(name);
}

const SafetensorsFile& SafetensorsCheckpoint::shard_of(std::string_view name) const {
  const auto found = shard_index_.find(name);
  if (found == shard_index_.end()) {
    raise(ErrorKind::kInvalidArgument, "{}: no tensor named '{}' in the checkpoint ({} tensors)",
          path_, name, shard_index_.size());
  }
  return shards_[found->second];
}

Tensor SafetensorsCheckpoint::tensor(std::string_view name) const {
  return shard_of(name).tensor(name);
}

}  // namespace bitnet

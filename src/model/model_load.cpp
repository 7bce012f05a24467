// Model::load: a folder is a Hugging Face model, a file a GGUF model.
#include <filesystem>

#include "bitnet/model.h"
#include "core/raise.h"
#include "model/model_loaders.h"

namespace bitnet {

Model Model::load(const std::string& path, const LoadOptions& options) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (std::filesystem::is_directory(status)) return load_hugging_face_folder(path, options);
  if (std::filesystem::is_regular_file(status)) return load_gguf_model(path, options);
  raise(ErrorKind::kIo,
        "model: {} is neither a Hugging Face model folder (with config.json) nor a GGUF file",
        path);
}

}  // namespace bitnet

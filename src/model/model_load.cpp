// Model::load: a folder is a Hugging Face model, a file a GGUF model.
#include <filesystem>

#include "bitnet/model.h"
#include "core/raise.h"
#include "model/model_loaders.h"

namespace bitnet {
namespace {

// The model with its float tensors copied out of the file's mapping (a tied head stays the
// embedding itself); the ternary projections are shared, already in the process's memory.
Model in_process_memory(const Model& model) {
  ModelWeights weights = model.weights();
  const bool tied = weights.head.data() == weights.embedding.data();
  weights.embedding = weights.embedding.clone();
  weights.head = tied ? weights.embedding : weights.head.clone();
  weights.final_norm = weights.final_norm.clone();
  for (LayerWeights& layer : weights.layers) {
    for (Tensor* norm : {&layer.input_norm, &layer.attention_sub_norm, &layer.post_attention_norm,
                         &layer.ffn_sub_norm}) {
      *norm = norm->clone();
    }
  }
  return Model::from_weights(model.config(), std::move(weights));
}

}  // namespace

Model Model::load(const std::string& path, const LoadOptions& options) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (std::filesystem::is_directory(status)) {
    Model model = load_hugging_face_folder(path, options);
    return options.map_weights ? model : in_process_memory(model);
  }
  // The GGUF loader copies (or keeps views) tensor by tensor itself.
  if (std::filesystem::is_regular_file(status)) return load_gguf(GgufFile::open(path), options);
  raise(ErrorKind::kIo,
        "model: {} is neither a Hugging Face model folder (with config.json) nor a GGUF file",
        path);
}

Model Model::load_gguf(GgufFile file, const LoadOptions& options) {
  return load_gguf_model(std::move(file), options);
}

}  // namespace bitnet

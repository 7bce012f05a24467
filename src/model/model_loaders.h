// The model loaders behind Model::load, one per kind of source.
#pragma once

#include <string>

#include "bitnet/io.h"
#include "bitnet/model.h"

namespace bitnet {

// A Hugging Face folder: config.json and a safetensors checkpoint.
[[nodiscard]] Model load_hugging_face_folder(const std::string& path, const LoadOptions& options);
// A GGUF file of architecture "bitnet" or "bitnet-b1.58" (opened or in memory).
[[nodiscard]] Model load_gguf_model(GgufFile file, const LoadOptions& options);

}  // namespace bitnet

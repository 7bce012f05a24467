// `bitnet info FILE`: a model file's metadata and tensor table.
#pragma once

#include <string>

namespace bitnet::cli {

// Prints FILE (GGUF, safetensors, or a checkpoint's index or directory) and returns 0; a file that
// fails validation throws the reader's Error, which main() prints on stderr with status 1. With
// `repack`, every ternary tensor is also repacked into t2 and the time and memory reported.
int run_file_info(const std::string& path, bool repack);

}  // namespace bitnet::cli

// Random-weight BitNet b1.58 models for the model suite, written by our own GGUF writer
// (save_gguf) in llama.cpp's `bitnet` layout with a placeholder vocabulary, so that llama.cpp
// loads the very file we time. Decoding speed depends on the shapes and formats, not on the
// weights' values, so random ternary weights time like trained ones.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "bitnet/quant.h"

namespace bitnet::bench {

struct ModelShape {
  std::string name;  // in file and case names: "2b4t", "small"
  int64_t layers;
  int64_t hidden;
  int64_t intermediate;
  int64_t heads;
  int64_t kv_heads;
  int64_t head_dim;
  int64_t vocabulary;
};

// BitNet b1.58 2B4T's shapes: 30 layers, hidden 2560, FFN 6912, 20 heads, 5 kv heads of 128,
// vocabulary 128256 (LLaMA-3's), tied f16 embedding, relu^2.
[[nodiscard]] ModelShape bitnet_2b4t_shape();
// Two layers of hidden 256, FFN 768, 4 heads, 1 kv head, vocabulary 1024: a file of about 1 MB
// for the CI smoke run, where only the checks and the peer's presence matter.
[[nodiscard]] ModelShape small_model_shape();

// The GGUF file of `shape` with projections in `format` (kTQ2_0 or kTQ1_0), in the cache folder
// (bench_cache_dir("model-bench")). Written on first use (a minute or so for 2B4T; a note on
// stderr says so) and reused while its tensor table and size are those of the shape; a file of
// another size (an older writer, another shape under the name) is written again. The writer
// writes a temporary file and renames it, so an interrupted write is never reused.
[[nodiscard]] std::filesystem::path synthetic_model_file(const ModelShape& shape,
                                                         TernaryFormat format);

}  // namespace bitnet::bench

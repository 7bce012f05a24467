#include "bench/synthetic_model.h"

#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "bench/external_peers.h"
#include "bitnet/error.h"
#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/ops.h"

namespace bitnet::bench {
namespace {

namespace fs = std::filesystem;

// Rows of the embedding generated at a time: the f32 draw of a chunk is 42 MB at 2B4T's width,
// where the whole table in f32 would be 1.3 GB on top of the f16 copy kept.
constexpr int64_t kEmbeddingChunkRows = 4096;

// xorshift64*: the same weights on every machine, and fast enough for 2 G trits.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

 private:
  uint64_t state_;
};

// A [rows, cols] projection of random trits with one scale, 1 / sqrt(cols), which keeps each
// output near unit size for the unit-size (normalised) inputs every projection gets.
TernaryTensor random_projection(int64_t rows, int64_t cols, uint64_t seed) {
  Tensor trits = Tensor::empty({rows, cols}, DType::kI8);
  auto* values = trits.data_as<int8_t>();
  Random random(seed);
  const int64_t count = rows * cols;
  for (int64_t index = 0; index < count;) {
    uint64_t bits = random.next();
    // Each byte maps to 0, 1 or 2 by multiply-shift (86/85/85 of 256: near enough to uniform).
    for (int byte = 0; byte < 8 && index < count; ++byte, ++index, bits >>= 8) {
      values[index] = static_cast<int8_t>(static_cast<int>(((bits & 0xFF) * 3) >> 8) - 1);
    }
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(cols));
  return TernaryTensor::from_trits(trits, Tensor::full({1}, scale));
}

Tensor random_norm(int64_t size, uint64_t seed) {
  return Tensor::uniform({size}, seed, 0.5, 1.5);
}

// f16 [vocabulary, hidden], drawn a chunk of rows at a time.
Tensor random_embedding(int64_t vocabulary, int64_t hidden) {
  const Tensor table = Tensor::empty({vocabulary, hidden}, DType::kF16);
  for (int64_t start = 0; start < vocabulary; start += kEmbeddingChunkRows) {
    const int64_t stop = std::min(vocabulary, start + kEmbeddingChunkRows);
    const Tensor chunk =
        Tensor::normal({stop - start, hidden}, 1 + static_cast<uint64_t>(start), 0.0, 0.05);
    table.slice(0, start, stop).copy_from(cast(chunk, DType::kF16));
  }
  return table;
}

ModelConfig config_of(const ModelShape& shape) {
  ModelConfig config;
  config.architecture = "BitNetForCausalLM";
  config.vocab_size = shape.vocabulary;
  config.hidden_size = shape.hidden;
  config.intermediate_size = shape.intermediate;
  config.num_layers = shape.layers;
  config.num_heads = shape.heads;
  config.num_kv_heads = shape.kv_heads;
  config.head_dim = shape.head_dim;
  config.max_position_embeddings = 4096;
  config.rms_norm_eps = 1e-5;
  config.rope_theta = 500000.0;
  config.activation = FfnActivation::kRelu2;
  config.tied_embeddings = true;
  return config;
}

// The model in memory as save_gguf needs it: projections in t2 (2 bits a weight; save_gguf
// converts one tensor at a time) and the f16 embedding, about the size of the file. Projections
// are drawn one at a time, so no f32 copy of a layer ever exists.
Model random_model(const ModelShape& shape) {
  ModelConfig config = config_of(shape);
  ModelWeights weights;
  weights.embedding = random_embedding(shape.vocabulary, shape.hidden);
  // save_gguf writes a tied model's embedding and never reads its head, which Model wants as f32
  // [vocabulary, hidden] (1.3 GB at 2B4T's size): a broadcast view of one zero row stands in.
  weights.head = Tensor::zeros({1, shape.hidden}).expand({shape.vocabulary, shape.hidden});
  weights.final_norm = random_norm(shape.hidden, 2);
  const int64_t attention_width = shape.heads * shape.head_dim;
  const int64_t kv_width = shape.kv_heads * shape.head_dim;
  for (int64_t index = 0; index < shape.layers; ++index) {
    const uint64_t seed = 100 + 20 * static_cast<uint64_t>(index);
    LayerWeights layer;
    layer.input_norm = random_norm(shape.hidden, seed);
    layer.q = random_projection(attention_width, shape.hidden, seed + 1);
    layer.k = random_projection(kv_width, shape.hidden, seed + 2);
    layer.v = random_projection(kv_width, shape.hidden, seed + 3);
    layer.attention_sub_norm = random_norm(attention_width, seed + 4);
    layer.o = random_projection(shape.hidden, attention_width, seed + 5);
    layer.post_attention_norm = random_norm(shape.hidden, seed + 6);
    layer.gate = random_projection(shape.intermediate, shape.hidden, seed + 7);
    layer.up = random_projection(shape.intermediate, shape.hidden, seed + 8);
    layer.ffn_sub_norm = random_norm(shape.intermediate, seed + 9);
    layer.down = random_projection(shape.hidden, shape.intermediate, seed + 10);
    weights.layers.push_back(std::move(layer));
  }
  return Model::from_weights(std::move(config), std::move(weights));
}

// A placeholder LLaMA (SentencePiece) vocabulary of the model's size: <unk>, <s>, </s>, the 256
// byte tokens, then unused pieces. llama.cpp takes the vocabulary size from the tokenizer and
// checks the embedding against it, and refuses a file without one; the suite feeds token ids, so
// no real vocabulary is needed.
std::vector<GgufMetadataEntry> placeholder_vocabulary(int64_t size) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};  // unknown, control, control
  for (int byte = 0; byte < 256; ++byte) {
    tokens.push_back(fmt::format("<0x{:02X}>", byte));
    types.push_back(6);  // byte
  }
  while (static_cast<int64_t>(tokens.size()) < size) {
    tokens.push_back(fmt::format("<unused{}>", tokens.size()));
    types.push_back(5);  // unused
  }
  const size_t count = tokens.size();
  return {
      {"general.name", GgufValue(std::string("bitnet-core model bench (random weights)"))},
      {"tokenizer.ggml.model", GgufValue(std::string("llama"))},
      {"tokenizer.ggml.tokens", GgufValue::array(std::move(tokens))},
      {"tokenizer.ggml.scores", GgufValue::array(std::vector<float>(count, 0.0f))},
      {"tokenizer.ggml.token_type", GgufValue::array(types)},
      {"tokenizer.ggml.unknown_token_id", GgufValue(uint32_t{0})},
      {"tokenizer.ggml.bos_token_id", GgufValue(uint32_t{1})},
      {"tokenizer.ggml.eos_token_id", GgufValue(uint32_t{2})},
      {"tokenizer.ggml.add_bos_token", GgufValue(false)},
  };
}

struct ExpectedTensor {
  std::string name;
  GgmlType type;
  Shape shape;
};

// What save_gguf writes for the shape: names, types and shapes, in its order.
std::vector<ExpectedTensor> expected_tensors(const ModelShape& shape, GgmlType ternary) {
  const int64_t attention_width = shape.heads * shape.head_dim;
  const int64_t kv_width = shape.kv_heads * shape.head_dim;
  std::vector<ExpectedTensor> tensors = {
      {"token_embd.weight", GgmlType::kF16, {shape.vocabulary, shape.hidden}},
      {"output_norm.weight", GgmlType::kF32, {shape.hidden}}};
  for (int64_t index = 0; index < shape.layers; ++index) {
    const std::string block = "blk." + std::to_string(index) + ".";
    const auto add = [&](const char* name, GgmlType type, Shape tensor_shape) {
      tensors.push_back({block + name, type, std::move(tensor_shape)});
    };
    add("attn_norm.weight", GgmlType::kF32, {shape.hidden});
    add("attn_q.weight", ternary, {attention_width, shape.hidden});
    add("attn_k.weight", ternary, {kv_width, shape.hidden});
    add("attn_v.weight", ternary, {kv_width, shape.hidden});
    add("attn_sub_norm.weight", GgmlType::kF32, {attention_width});
    add("attn_output.weight", ternary, {shape.hidden, attention_width});
    add("ffn_norm.weight", GgmlType::kF32, {shape.hidden});
    add("ffn_gate.weight", ternary, {shape.intermediate, shape.hidden});
    add("ffn_up.weight", ternary, {shape.intermediate, shape.hidden});
    add("ffn_sub_norm.weight", GgmlType::kF32, {shape.intermediate});
    add("ffn_down.weight", ternary, {shape.hidden, shape.intermediate});
  }
  return tensors;
}

// Whether `path` is a complete file of the shape: the same tensor table, a vocabulary of the
// embedding's size, and exactly the bytes that table implies (data aligned and padded, as
// GgufWriter lays it out).
bool usable(const fs::path& path, const ModelShape& shape, GgmlType ternary) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return false;
  try {
    const GgufFile file = GgufFile::open(path.string());
    const std::vector<ExpectedTensor> expected = expected_tensors(shape, ternary);
    if (file.tensors().size() != expected.size()) return false;
    const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
    if (tokens == nullptr || !tokens->is_array() ||
        static_cast<int64_t>(tokens->size()) != shape.vocabulary) {
      return false;
    }
    uint64_t data_bytes = 0;
    for (const ExpectedTensor& tensor : expected) {
      const GgufTensorInfo* info = file.find_tensor(tensor.name);
      if (info == nullptr || info->type != tensor.type || info->shape != tensor.shape) return false;
      const GgmlTypeTraits& traits = ggml_type_traits(tensor.type);
      const auto bytes =
          static_cast<uint64_t>(info->numel / traits.block_size * traits.block_bytes);
      data_bytes += (bytes + file.alignment() - 1) / file.alignment() * file.alignment();
    }
    return file.file_size() == file.data_offset() + data_bytes;
  } catch (const Error&) {
    return false;
  }
}

GgmlType ggml_type_of(TernaryFormat format) {
  if (format == TernaryFormat::kTQ2_0) return GgmlType::kTQ2_0;
  if (format == TernaryFormat::kTQ1_0) return GgmlType::kTQ1_0;
  throw Error(ErrorKind::kInvalidArgument,
              fmt::format("bench model: synthetic models are written in tq2_0 or tq1_0, not {}",
                          ternary_format_traits(format).name));
}

}  // namespace

ModelShape bitnet_2b4t_shape() {
  return {"2b4t", 30, 2560, 6912, 20, 5, 128, 128256};
}

ModelShape small_model_shape() {
  return {"small", 2, 256, 768, 4, 1, 64, 1024};
}

fs::path synthetic_model_file(const ModelShape& shape, TernaryFormat format) {
  const GgmlType type = ggml_type_of(format);
  const fs::path dir = bench_cache_dir("model-bench");
  const fs::path path =
      dir / fmt::format("bitnet-{}-{}.gguf", shape.name, ternary_format_traits(format).name);
  if (usable(path, shape, type)) return path;
  std::error_code error;
  fs::create_directories(dir, error);
  // On a line of its own: the progress line may be showing.
  fmt::print(stderr, "\nbench model: writing {} (random weights, once)\n", path.string());
  std::fflush(stderr);
  const Model model = random_model(shape);
  save_gguf(model, path.string(), format, placeholder_vocabulary(shape.vocabulary));
  if (!usable(path, shape, type)) {
    throw Error(ErrorKind::kInternal,
                fmt::format("bench model: {} does not read back as the {} shape it was written as",
                            path.string(), shape.name));
  }
  return path;
}

}  // namespace bitnet::bench

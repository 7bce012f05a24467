// The model loader for GGUF files of architecture "bitnet" (llama.cpp's, written for the 1bitLLM
// b1.58 models by convert_hf_to_gguf.py) and "bitnet-b1.58" (bitnet.cpp's 2B4T), and our own
// writer's files. Tensor names follow llama.cpp (token_embd, blk.N.attn_q, ...). Both peers rotate
// q and k with NeoX-style RoPE (pairs n_rot / 2 apart), as Hugging Face's rotate_half does, and
// their converters do not permute q/k rows, so rows are used as stored.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/ops.h"
#include "core/raise.h"
#include "model/model_loaders.h"

namespace bitnet {
namespace {

// 2B4T's shapes: a `bitnet` file with them most likely wants relu^2, not the architecture's SiLU.
constexpr int64_t k2B4TVocabulary = 128256;
constexpr int64_t k2B4THeads = 20;
constexpr int64_t k2B4TKvHeads = 5;

// GGUF stores hyperparameters as f32: the shortest decimal that gives back the same f32 (1e-05,
// 10000, 500000) is what the writer had, so the double is parsed from it.
double widen(float value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  *result.ptr = '\0';
  return std::strtod(text, nullptr);
}

class GgufModelReader {
 public:
  // `copy`: float tensors are copied into the process's memory (LoadOptions::map_weights off).
  // Either way each tensor's mapped pages are handed back once it has been copied or repacked, so
  // the file is never resident as a whole next to the weights made from it.
  GgufModelReader(GgufFile file, bool copy) : file_(std::move(file)), copy_(copy) {}

  [[nodiscard]] const GgufValue* find(const std::string& key) const { return file_.find(key); }

  [[nodiscard]] int64_t integer(const std::string& key) const {
    const GgufValue* value = require(key);
    try {
      return value->as_int();
    } catch (const Error&) {
      raise(ErrorKind::kInvalidArgument, "{}: metadata '{}' must be an integer, got {}", path(),
            key, value->type_string());
    }
  }
  [[nodiscard]] int64_t integer_or(const std::string& key, int64_t fallback) const {
    return find(key) == nullptr ? fallback : integer(key);
  }
  [[nodiscard]] double number_or(const std::string& key, double fallback) const {
    const GgufValue* value = find(key);
    if (value == nullptr) return fallback;
    if (value->type() == GgufType::kF32) return widen(value->as<float>());
    if (value->type() == GgufType::kF64) return value->as<double>();
    raise(ErrorKind::kInvalidArgument, "{}: metadata '{}' must be f32, got {}", path(), key,
          value->type_string());
  }
  [[nodiscard]] double number(const std::string& key) const {
    require(key);
    return number_or(key, 0);
  }

  [[nodiscard]] const GgufTensorInfo& tensor_info(const std::string& name) const {
    const GgufTensorInfo* info = file_.find_tensor(name);
    if (info == nullptr) {
      raise(ErrorKind::kInvalidArgument, "{}: tensor '{}' is missing", path(), name);
    }
    return *info;
  }
  [[nodiscard]] bool has(const std::string& name) const {
    return file_.find_tensor(name) != nullptr;
  }

  void expect_shape(const GgufTensorInfo& info, const Shape& expected) const {
    if (info.shape != expected) {
      raise(ErrorKind::kShapeMismatch, "{}: tensor '{}' has shape {}, expected {}", path(),
            info.name, to_string(info.shape), to_string(expected));
    }
  }

  // A float table or vector: F32, F16, BF16 as stored (views of the mapping); Q8_0, Q4_K, Q6_K
  // dequantized to f32.
  [[nodiscard]] Tensor float_tensor(const std::string& name, const Shape& shape) const {
    const GgufTensorInfo& info = tensor_info(name);
    expect_shape(info, shape);
    switch (info.type) {
      case GgmlType::kF32:
      case GgmlType::kF16:
      case GgmlType::kBF16:
      case GgmlType::kQ8_0:
      case GgmlType::kQ4_K:
      case GgmlType::kQ6_K: {
        const bool view = info.type == GgmlType::kF32 || info.type == GgmlType::kF16 ||
                          info.type == GgmlType::kBF16;
        if (view && copy_) return file_.copy_tensor(name);
        Tensor tensor = file_.tensor(name);
        if (!view) file_.release_pages(name);  // dequantized into a fresh tensor
        return tensor;
      }
      default:
        raise(ErrorKind::kUnsupported,
              "{}: tensor '{}' has type {}, which a model cannot take here (supported: f32, f16, "
              "bf16, q8_0, q4_K, q6_K)",
              path(), name, ggml_type_traits(info.type).name);
    }
  }
  [[nodiscard]] Tensor norm(const std::string& name, int64_t size) const {
    const GgufTensorInfo& info = tensor_info(name);
    if (info.type != GgmlType::kF32 && info.type != GgmlType::kF16 &&
        info.type != GgmlType::kBF16) {
      raise(ErrorKind::kUnsupported,
            "{}: tensor '{}' has type {}; a norm weight must be f32, f16 or bf16", path(), name,
            ggml_type_traits(info.type).name);
    }
    return cast(float_tensor(name, {size}), DType::kF32).contiguous();
  }

  // A projection [rows, cols]: ternary types repacked; float types taken as they are when every
  // row already holds scale * {-1, 0, 1} (what llama.cpp's converter writes), ternarized by
  // absmean otherwise. An optional "<name>.scale" [1] (llama.cpp's BitNet models) multiplies it.
  [[nodiscard]] TernaryTensor projection(const std::string& stem, int64_t rows,
                                         int64_t cols) const {
    const std::string name = stem + ".weight";
    const GgufTensorInfo& info = tensor_info(name);
    expect_shape(info, {rows, cols});
    const GgmlTypeTraits& traits = ggml_type_traits(info.type);
    TernaryTensor weights;
    if (traits.ternary) {
      weights = file_.ternary(name, TernaryFormat::kT2);
    } else if (info.type == GgmlType::kF32 || info.type == GgmlType::kF16 ||
               info.type == GgmlType::kBF16 || info.type == GgmlType::kQ8_0) {
      weights = ternarize(cast(file_.tensor(name), DType::kF32).contiguous());
    } else {
      raise(ErrorKind::kUnsupported,
            "{}: tensor '{}' has type {}, which a ternary projection cannot take (supported: "
            "tq1_0, tq2_0, i2_s, f32, f16, bf16, q8_0)",
            path(), name, traits.name);
    }
    file_.release_pages(name);
    const std::string scale_name = stem + ".scale";
    if (has(scale_name)) {
      const GgufTensorInfo& scale_info = tensor_info(scale_name);
      if (scale_info.numel != 1 || scale_info.type != GgmlType::kF32) {
        raise(ErrorKind::kShapeMismatch, "{}: tensor '{}' must be one f32, got {} {}", path(),
              scale_name, ggml_type_traits(scale_info.type).name, to_string(scale_info.shape));
      }
      const float factor = file_.tensor(scale_name).to_vector<float>()[0];
      const Tensor scales = weights.scales() * Tensor::full({1}, factor);
      weights = TernaryTensor::from_trits(weights.trits(), scales.contiguous());
    }
    return weights;
  }

 private:
  [[nodiscard]] const std::string& path() const noexcept { return file_.path(); }
  bool copy_ = true;
  const GgufValue* require(const std::string& key) const {
    const GgufValue* value = find(key);
    if (value == nullptr) {
      raise(ErrorKind::kInvalidArgument, "{}: metadata '{}' is missing", path(), key);
    }
    return value;
  }

  // Rows of scale * {-1, 0, 1} keep their scale (one for the tensor when all rows agree);
  // anything else is quantized by absmean as transformers' online AutoBitLinear does.
  static TernaryTensor ternarize(const Tensor& weights) {
    const int64_t rows = weights.shape()[0];
    const int64_t cols = weights.shape()[1];
    const float* values = weights.data_as<float>();
    std::vector<float> scales(static_cast<size_t>(rows), 0.0f);
    std::vector<int8_t> trits(static_cast<size_t>(rows * cols), 0);
    bool shared = true;
    float first = 0;
    for (int64_t row = 0; row < rows; ++row) {
      const float* line = values + row * cols;
      float scale = 0;
      for (int64_t col = 0; col < cols; ++col) scale = std::fmax(scale, std::fabs(line[col]));
      for (int64_t col = 0; col < cols; ++col) {
        const float value = line[col];
        if (value == scale) {
          trits[row * cols + col] = 1;
        } else if (value == -scale) {
          trits[row * cols + col] = -1;
        } else if (value != 0.0f) {
          return TernaryTensor::quantize(weights, ScaleGranularity::kPerTensor, TernaryFormat::kT2);
        }
      }
      if (!std::isfinite(scale)) {
        return TernaryTensor::quantize(weights, ScaleGranularity::kPerTensor, TernaryFormat::kT2);
      }
      scales[row] = scale;
      if (scale != 0.0f) {
        if (first == 0.0f) first = scale;
        shared = shared && scale == first;
      }
    }
    const Tensor trit_tensor = Tensor::from_vector(trits, {rows, cols});
    if (shared) {
      return TernaryTensor::from_trits(
          trit_tensor, Tensor::from_vector(std::vector<float>{first == 0 ? 1 : first}, {1}));
    }
    for (float& scale : scales) scale = scale == 0.0f ? 1.0f : scale;
    return TernaryTensor::from_trits(trit_tensor, Tensor::from_vector(scales, {rows}));
  }

  GgufFile file_;
};

}  // namespace

Model load_gguf_model(GgufFile file, const LoadOptions& options) {
  const std::string path = file.path();
  const GgufModelReader reader(std::move(file), !options.map_weights);
  const GgufValue* architecture_value = reader.find("general.architecture");
  if (architecture_value == nullptr || architecture_value->type() != GgufType::kString) {
    raise(ErrorKind::kInvalidArgument,
          "{}: metadata 'general.architecture' is missing or not a "
          "string",
          path);
  }
  const std::string architecture = architecture_value->as_string();
  // bitnet.cpp's 2B4T converter (convert-ms-to-gguf-bitnet.py) names the same graph "bitnet-25".
  if (architecture != "bitnet" && architecture != "bitnet-b1.58" && architecture != "bitnet-25") {
    raise(ErrorKind::kUnsupported,
          "{}: general.architecture '{}' is not supported (supported: bitnet, bitnet-b1.58, "
          "bitnet-25)",
          path, architecture);
  }
  const std::string prefix = architecture + ".";

  ModelConfig config;
  config.architecture = "BitNetForCausalLM";
  config.hidden_size = reader.integer(prefix + "embedding_length");
  config.num_layers = reader.integer(prefix + "block_count");
  config.intermediate_size = reader.integer(prefix + "feed_forward_length");
  config.num_heads = reader.integer(prefix + "attention.head_count");
  config.num_kv_heads = reader.integer_or(prefix + "attention.head_count_kv", config.num_heads);
  config.max_position_embeddings = reader.integer(prefix + "context_length");
  config.rms_norm_eps = reader.number(prefix + "attention.layer_norm_rms_epsilon");
  config.rope_theta = reader.number_or(prefix + "rope.freq_base", 10000.0);
  if (config.num_heads <= 0) {
    raise(ErrorKind::kInvalidArgument, "{}: metadata '{}attention.head_count' is {}", path, prefix,
          config.num_heads);
  }
  config.head_dim =
      reader.integer_or(prefix + "attention.key_length", config.hidden_size / config.num_heads);

  const GgufTensorInfo& embedding_info = reader.tensor_info("token_embd.weight");
  if (embedding_info.shape.size() != 2 || embedding_info.shape[1] != config.hidden_size) {
    raise(ErrorKind::kShapeMismatch,
          "{}: tensor 'token_embd.weight' has shape {}, expected "
          "[vocab, {}]",
          path, to_string(embedding_info.shape), config.hidden_size);
  }
  config.vocab_size = embedding_info.shape[0];
  if (reader.find(prefix + "vocab_size") != nullptr) {
    const int64_t stated = reader.integer(prefix + "vocab_size");
    if (stated != config.vocab_size) {
      raise(ErrorKind::kShapeMismatch,
            "{}: metadata '{}vocab_size' is {}, but tensor 'token_embd.weight' has {} rows", path,
            prefix, stated, config.vocab_size);
    }
  }
  if (const GgufValue* tokens = reader.find("tokenizer.ggml.tokens");
      tokens != nullptr && tokens->is_array() &&
      static_cast<int64_t>(tokens->size()) != config.vocab_size) {
    raise(ErrorKind::kShapeMismatch,
          "{}: the tokenizer has {} tokens (tokenizer.ggml.tokens), but tensor "
          "'token_embd.weight' has {} rows",
          path, tokens->size(), config.vocab_size);
  }

  const std::string activation_key = prefix + std::string(kGgufFfnActivationKey);
  bool stated_activation = false;
  config.activation = architecture == "bitnet" ? FfnActivation::kSilu : FfnActivation::kRelu2;
  if (const GgufValue* value = reader.find(activation_key)) {
    const auto activation = value->type() == GgufType::kString
                                ? ffn_activation_from_name(value->as_string())
                                : std::nullopt;
    if (!activation) {
      raise(ErrorKind::kUnsupported, "{}: metadata '{}' is {}, not \"relu2\" or \"silu\"", path,
            activation_key, value->to_string());
    }
    config.activation = *activation;
    stated_activation = true;
  }
  if (options.ffn_activation) {
    config.activation = *options.ffn_activation;
  } else if (!stated_activation && architecture == "bitnet" &&
             config.vocab_size == k2B4TVocabulary && config.num_heads == k2B4THeads &&
             config.num_kv_heads == k2B4TKvHeads) {
    std::fprintf(stderr,
                 "bitnet: warning: %s has the shapes of BitNet b1.58 2B4T (vocabulary %lld, %lld "
                 "heads, %lld kv heads) but architecture 'bitnet', whose default FFN activation "
                 "SiLU is probably wrong for it: 2B4T was trained with relu2 (transformers' "
                 "hidden_act). Loading with SiLU as llama.cpp does; override the activation to "
                 "use relu2.\n",
                 path.c_str(), static_cast<long long>(config.vocab_size),
                 static_cast<long long>(config.num_heads),
                 static_cast<long long>(config.num_kv_heads));
    std::fflush(stderr);
  }
  config.validate(path);

  const int64_t hidden = config.hidden_size;
  const int64_t attention_width = config.num_heads * config.head_dim;
  const int64_t kv_width = config.num_kv_heads * config.head_dim;
  const int64_t ffn = config.intermediate_size;

  ModelWeights weights;
  weights.embedding = reader.float_tensor("token_embd.weight", {config.vocab_size, hidden});
  weights.final_norm = reader.norm("output_norm.weight", hidden);
  config.tied_embeddings = !reader.has("output.weight");
  // The head keeps its stored float dtype (a tied one is the embedding itself): linear() reads it
  // a row at a time, and a copy widened to f32 would double the bytes each token reads.
  weights.head = config.tied_embeddings
                     ? weights.embedding
                     : reader.float_tensor("output.weight", {config.vocab_size, hidden});
  for (int64_t index = 0; index < config.num_layers; ++index) {
    const std::string block = "blk." + std::to_string(index) + ".";
    LayerWeights layer;
    layer.input_norm = reader.norm(block + "attn_norm.weight", hidden);
    layer.q = reader.projection(block + "attn_q", attention_width, hidden);
    layer.k = reader.projection(block + "attn_k", kv_width, hidden);
    layer.v = reader.projection(block + "attn_v", kv_width, hidden);
    layer.attention_sub_norm = reader.norm(block + "attn_sub_norm.weight", attention_width);
    layer.o = reader.projection(block + "attn_output", hidden, attention_width);
    layer.post_attention_norm = reader.norm(block + "ffn_norm.weight", hidden);
    layer.gate = reader.projection(block + "ffn_gate", ffn, hidden);
    layer.up = reader.projection(block + "ffn_up", ffn, hidden);
    layer.ffn_sub_norm = reader.norm(block + "ffn_sub_norm.weight", ffn);
    layer.down = reader.projection(block + "ffn_down", hidden, ffn);
    weights.layers.push_back(std::move(layer));
  }
  return Model::from_weights(std::move(config), std::move(weights));
}

}  // namespace bitnet

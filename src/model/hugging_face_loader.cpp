// The model loader for a Hugging Face BitNet folder: config.json and a safetensors checkpoint
// (single or sharded). Ternary projections are either packed (the 2B4T layout: u8 weight +
// weight_scale, transformers' BitLinear) or float, ternarized here as transformers' online
// AutoBitLinear does (absmean per tensor). Embeddings, norms and the head stay float.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/ops.h"
#include "core/raise.h"
#include "model/model_loaders.h"

namespace bitnet {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) raise(ErrorKind::kIo, "model: cannot open {}", path.string());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// How the folder stores its BitLinear weights, from config.json's quantization_config.
struct QuantizationLayout {
  bool packed_allowed = true;  // transformers' BitLinear: y = acc / (x_scale * weight_scale)
};

QuantizationLayout quantization_layout(const std::string& config_text, const std::string& source) {
  const nlohmann::json root = nlohmann::json::parse(config_text);
  QuantizationLayout layout;
  const auto found = root.find("quantization_config");
  if (found == root.end() || !found->is_object()) return layout;
  const std::string method = found->value("quant_method", std::string("bitnet"));
  if (method != "bitnet") {
    raise(ErrorKind::kUnsupported,
          "{}: quantization_config.quant_method '{}' is not supported (supported: bitnet)", source,
          method);
  }
  const std::string linear_class = found->value("linear_class", std::string("bitlinear"));
  const std::string mode = found->value("quantization_mode", std::string("offline"));
  if (linear_class != "bitlinear" && linear_class != "autobitlinear") {
    raise(ErrorKind::kUnsupported,
          "{}: quantization_config.linear_class '{}' is not supported (bitlinear, autobitlinear)",
          source, linear_class);
  }
  if (found->value("use_rms_norm", false)) {
    raise(ErrorKind::kUnsupported,
          "{}: quantization_config.use_rms_norm true (a norm inside every BitLinear) is not "
          "supported",
          source);
  }
  // AutoBitLinear in offline mode multiplies by its weight_scale where BitLinear divides: the same
  // tensor name with the opposite meaning. Only its online (float weight) form is read.
  layout.packed_allowed = !(linear_class == "autobitlinear" && mode == "offline");
  return layout;
}

class FolderReader {
 public:
  FolderReader(const std::string& folder, const QuantizationLayout& layout)
      : checkpoint_(SafetensorsCheckpoint::open(folder)), layout_(layout) {}

  [[nodiscard]] Tensor float_tensor(const std::string& name) const {
    require(name);
    return cast(checkpoint_.tensor(name), DType::kF32).contiguous();
  }
  [[nodiscard]] Tensor stored_tensor(const std::string& name) const {
    require(name);
    return checkpoint_.tensor(name);
  }
  [[nodiscard]] TernaryTensor ternary(const std::string& name) const {
    require(name);
    if (is_hf_bitnet_weight(checkpoint_, name)) {
      if (!layout_.packed_allowed) {
        raise(ErrorKind::kUnsupported,
              "{}: '{}' is packed with a weight_scale, but the config's autobitlinear/offline "
              "layout gives weight_scale the inverse meaning of the 2B4T checkpoints; not "
              "supported",
              checkpoint_.path(), name);
      }
      return load_hf_bitnet_weight(checkpoint_, name);
    }
    const Tensor weights = float_tensor(name);
    if (weights.rank() != 2) {
      raise(ErrorKind::kShapeMismatch, "{}: '{}' must be a matrix, got {}", checkpoint_.path(),
            name, to_string(weights.shape()));
    }
    return TernaryTensor::quantize(weights, ScaleGranularity::kPerTensor, TernaryFormat::kT2);
  }
  [[nodiscard]] bool has(const std::string& name) const {
    return checkpoint_.find_tensor(name) != nullptr;
  }

 private:
  void require(const std::string& name) const {
    if (!has(name)) {
      raise(ErrorKind::kInvalidArgument, "{}: tensor '{}' is missing", checkpoint_.path(), name);
    }
  }
  SafetensorsCheckpoint checkpoint_;
  QuantizationLayout layout_;
};

}  // namespace

Model load_hugging_face_folder(const std::string& path, const LoadOptions& options) {
  const std::filesystem::path folder(path);
  if (!std::filesystem::is_directory(folder)) {
    raise(ErrorKind::kIo,
          "model: {} is not a folder (a Hugging Face model folder with config.json is expected)",
          path);
  }
  const std::filesystem::path config_path = folder / "config.json";
  const std::string config_text = read_text(config_path);
  ModelConfig config = ModelConfig::from_hugging_face_json(config_text, config_path.string());
  if (options.ffn_activation) config.activation = *options.ffn_activation;
  const FolderReader reader(path, quantization_layout(config_text, config_path.string()));

  ModelWeights weights;
  weights.embedding = reader.stored_tensor("model.embed_tokens.weight");
  if (weights.embedding.dtype() != DType::kF32 && weights.embedding.dtype() != DType::kF16 &&
      weights.embedding.dtype() != DType::kBF16) {
    weights.embedding = cast(weights.embedding, DType::kF32);
  }
  weights.final_norm = reader.float_tensor("model.norm.weight");
  if (config.tied_embeddings || !reader.has("lm_head.weight")) {
    // The embedding itself, in its dtype: linear() reads f16/bf16 rows as they are.
    weights.head = weights.embedding;
  } else {
    weights.head = reader.stored_tensor("lm_head.weight");
    if (weights.head.dtype() != DType::kF16 && weights.head.dtype() != DType::kBF16) {
      weights.head = reader.float_tensor("lm_head.weight");
    }
  }
  for (int64_t index = 0; index < config.num_layers; ++index) {
    const std::string prefix = "model.layers." + std::to_string(index) + ".";
    LayerWeights layer;
    layer.input_norm = reader.float_tensor(prefix + "input_layernorm.weight");
    layer.q = reader.ternary(prefix + "self_attn.q_proj.weight");
    layer.k = reader.ternary(prefix + "self_attn.k_proj.weight");
    layer.v = reader.ternary(prefix + "self_attn.v_proj.weight");
    layer.attention_sub_norm = reader.float_tensor(prefix + "self_attn.attn_sub_norm.weight");
    layer.o = reader.ternary(prefix + "self_attn.o_proj.weight");
    layer.post_attention_norm = reader.float_tensor(prefix + "post_attention_layernorm.weight");
    layer.gate = reader.ternary(prefix + "mlp.gate_proj.weight");
    layer.up = reader.ternary(prefix + "mlp.up_proj.weight");
    layer.ffn_sub_norm = reader.float_tensor(prefix + "mlp.ffn_sub_norm.weight");
    layer.down = reader.ternary(prefix + "mlp.down_proj.weight");
    weights.layers.push_back(std::move(layer));
  }
  return Model::from_weights(std::move(config), std::move(weights));
}

}  // namespace bitnet

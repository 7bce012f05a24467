// save_gguf: a model as a GGUF file of llama.cpp's "bitnet" architecture (its tensor names and
// hyperparameter keys, counts as u32 and reals as f32 as its converter writes them), plus the FFN
// activation under bitnet.ffn_activation. q and k rows are written as they are: llama.cpp rotates
// BitNet's q/k NeoX-style (pairs head_dim / 2 apart), as we and transformers do.
#include <string>

#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/ops.h"
#include "core/raise.h"

namespace bitnet {
namespace {

constexpr std::string_view kArchitecture = "bitnet";

GgmlType ggml_type_of(TernaryFormat format) {
  switch (format) {
    case TernaryFormat::kTQ2_0:
      return GgmlType::kTQ2_0;
    case TernaryFormat::kTQ1_0:
      return GgmlType::kTQ1_0;
    case TernaryFormat::kI2S:
      return GgmlType::kI2_S;
    default:
      raise(ErrorKind::kInvalidArgument,
            "save_gguf: weights must be tq2_0, tq1_0 or i2_s, not {} (a layout of our own, which "
            "no GGUF reader knows)",
            ternary_format_traits(format).name);
  }
}

uint32_t count(int64_t value, const char* what) {
  if (value < 0 || value > static_cast<int64_t>(UINT32_MAX)) {
    raise(ErrorKind::kOverflow, "save_gguf: {} {} does not fit a GGUF u32", what, value);
  }
  return static_cast<uint32_t>(value);
}

// The projection in `type`, or as f32 scale * trits when its rows are not whole blocks of it.
void add_projection(GgufWriter& writer, const std::string& name, const TernaryTensor& weights,
                    GgmlType type) {
  if (weights.cols() % ggml_type_traits(type).block_size == 0) {
    writer.add_ternary(name, weights, type);
  } else {
    writer.add_tensor(name, weights.dequantize().contiguous());
  }
}

}  // namespace

void save_gguf(const Model& model, const std::string& path, TernaryFormat weights,
               std::span<const GgufMetadataEntry> metadata,
               const std::function<void(int64_t, int64_t)>& progress) {
  const GgmlType type = ggml_type_of(weights);
  const ModelConfig& config = model.config();
  const ModelWeights& parts = model.weights();
  const std::string prefix = std::string(kArchitecture) + ".";
  const auto steps = static_cast<int64_t>(parts.layers.size()) + 1;

  GgufWriter writer;
  writer.set("general.architecture", std::string(kArchitecture));
  writer.set("general.name", std::string("bitnet-core export"));
  writer.set(prefix + "context_length", count(config.max_position_embeddings, "context"));
  writer.set(prefix + "embedding_length", count(config.hidden_size, "hidden size"));
  writer.set(prefix + "block_count", count(config.num_layers, "layer count"));
  writer.set(prefix + "feed_forward_length", count(config.intermediate_size, "FFN size"));
  writer.set(prefix + "attention.head_count", count(config.num_heads, "head count"));
  writer.set(prefix + "attention.head_count_kv", count(config.num_kv_heads, "kv head count"));
  writer.set(prefix + "rope.dimension_count", count(config.head_dim, "head size"));
  if (config.head_dim * config.num_heads != config.hidden_size) {
    writer.set(prefix + "attention.key_length", count(config.head_dim, "head size"));
    writer.set(prefix + "attention.value_length", count(config.head_dim, "head size"));
  }
  writer.set(prefix + "rope.freq_base", static_cast<float>(config.rope_theta));
  writer.set(prefix + "attention.layer_norm_rms_epsilon", static_cast<float>(config.rms_norm_eps));
  writer.set(prefix + "vocab_size", count(config.vocab_size, "vocabulary"));
  writer.set(prefix + std::string(kGgufFfnActivationKey),
             std::string(ffn_activation_name(config.activation)));
  for (const GgufMetadataEntry& entry : metadata) writer.set(entry.key, entry.value);

  writer.add_tensor("token_embd.weight", parts.embedding.contiguous());
  writer.add_tensor("output_norm.weight", parts.final_norm);
  if (!config.tied_embeddings) writer.add_tensor("output.weight", parts.head.contiguous());
  for (size_t index = 0; index < parts.layers.size(); ++index) {
    const LayerWeights& layer = parts.layers[index];
    const std::string block = "blk." + std::to_string(index) + ".";
    writer.add_tensor(block + "attn_norm.weight", layer.input_norm);
    add_projection(writer, block + "attn_q.weight", layer.q, type);
    add_projection(writer, block + "attn_k.weight", layer.k, type);
    add_projection(writer, block + "attn_v.weight", layer.v, type);
    writer.add_tensor(block + "attn_sub_norm.weight", layer.attention_sub_norm);
    add_projection(writer, block + "attn_output.weight", layer.o, type);
    writer.add_tensor(block + "ffn_norm.weight", layer.post_attention_norm);
    add_projection(writer, block + "ffn_gate.weight", layer.gate, type);
    add_projection(writer, block + "ffn_up.weight", layer.up, type);
    writer.add_tensor(block + "ffn_sub_norm.weight", layer.ffn_sub_norm);
    add_projection(writer, block + "ffn_down.weight", layer.down, type);
    if (progress) progress(static_cast<int64_t>(index) + 1, steps);
  }
  writer.write(path);
  if (progress) progress(steps, steps);
}

}  // namespace bitnet

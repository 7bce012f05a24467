// BitNet b1.58 transformer models: configuration, weights and the forward pass on the public ops
// (so that every backend runs the same model code).
//
// The architecture is Hugging Face transformers' BitNetForCausalLM (microsoft/bitnet-b1.58-2B-4T):
// token embedding; per layer RMSNorm -> q/k/v BitLinear -> RoPE -> causal grouped-query attention
// -> RMSNorm (attn_sub_norm) -> o BitLinear -> residual add; RMSNorm -> gate and up BitLinear ->
// act(gate) * up -> RMSNorm (ffn_sub_norm) -> down BitLinear -> residual add; final RMSNorm; a
// float head (tied to the embedding or separate). Every BitLinear quantizes its input per token to
// int8 (absmax) and holds ternary weights with one scale.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bitnet/io.h"
#include "bitnet/quant.h"
#include "bitnet/tensor.h"

namespace bitnet {

// The FFN's activation: relu(x)^2 for BitNet b1.58 2B4T, SiLU for the 1bitLLM reproductions.
enum class FfnActivation { kRelu2, kSilu };
[[nodiscard]] std::string_view ffn_activation_name(FfnActivation activation) noexcept;
// "relu2" -> kRelu2, "silu" (or "swish") -> kSilu; nullopt for any other name.
[[nodiscard]] std::optional<FfnActivation> ffn_activation_from_name(std::string_view name) noexcept;

struct ModelConfig {
  std::string architecture;  // "BitNetForCausalLM"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;  // hidden_size / num_heads unless given
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-5;
  double rope_theta = 10000.0;
  FfnActivation activation = FfnActivation::kRelu2;
  bool tied_embeddings = true;

  // Reads a Hugging Face config.json (rope_theta at the top level or in rope_parameters). Every
  // missing, mistyped or inconsistent key is an Error naming it and the file.
  [[nodiscard]] static ModelConfig from_hugging_face_json(const std::string& json_text,
                                                          const std::string& source_name);
  // Checks the sizes against each other (heads divide the hidden size, kv heads divide the heads,
  // head_dim even, everything positive); throws an Error naming the first that does not hold.
  void validate(const std::string& source_name) const;
};

// One transformer layer's weights.
struct LayerWeights {
  Tensor input_norm;           // f32 [hidden]
  TernaryTensor q, k, v;       // [heads * head_dim, hidden], [kv_heads * head_dim, hidden] x2
  Tensor attention_sub_norm;   // f32 [hidden]
  TernaryTensor o;             // [hidden, heads * head_dim]
  Tensor post_attention_norm;  // f32 [hidden]
  TernaryTensor gate, up;      // [intermediate, hidden]
  Tensor ffn_sub_norm;         // f32 [intermediate]
  TernaryTensor down;          // [hidden, intermediate]
};

struct ModelWeights {
  Tensor embedding;   // [vocab, hidden], f32/f16/bf16 as loaded
  Tensor final_norm;  // f32 [hidden]
  Tensor head;        // [vocab, hidden], f32/f16/bf16 (the embedding itself when tied)
  std::vector<LayerWeights> layers;
};

class Session;

// The GGUF metadata key (after "<architecture>.") where save_gguf records the FFN activation:
// "relu2" or "silu".
inline constexpr std::string_view kGgufFfnActivationKey = "ffn_activation";

struct LoadOptions {
  // Replaces the FFN activation the model states (config.json's hidden_act, the GGUF activation
  // key) or its GGUF architecture implies.
  std::optional<FfnActivation> ffn_activation;
  // Keep the float tensors (embedding, head, norms) as views of the file's memory mapping: less
  // memory, pages shared with the page cache. Off by default: they are copied into the process's
  // own memory, because on machines whose reclaim daemon evicts mapped pages during long runs,
  // decoding slows down as the head is read back from the page cache. (Ternary projections are
  // repacked into the process's memory either way.)
  bool map_weights = false;
};

class Model {
 public:
  // `path` is either
  // - a Hugging Face folder (config.json + model.safetensors, single or sharded): packed 2B4T
  //   ternary weights with weight_scale, or float weights ternarized on load as transformers'
  //   online AutoBitLinear does (absmean per tensor); or
  // - a GGUF file of architecture "bitnet" (llama.cpp's; FFN SiLU unless the file's
  //   <arch>.ffn_activation says otherwise) or "bitnet-b1.58" / "bitnet-25" (bitnet.cpp's 2B4T;
  //   relu^2), with llama.cpp's tensor names. Projections in TQ1_0, TQ2_0 or I2_S are repacked;
  //   float ones (F32, F16, BF16, Q8_0) that already hold scale * {-1, 0, 1} per row keep that
  //   scale, others are ternarized by absmean; an optional "<name>.scale" [1] multiplies the
  //   weight. The embedding and head may be F32, F16, BF16, Q8_0, Q4_K or Q6_K. A "bitnet" file
  //   with 2B4T's shapes (vocabulary 128256, 20 heads, 5 kv heads) and no activation key loads with
  //   SiLU and a warning on stderr. Every bad file is an Error naming the key or tensor.
  [[nodiscard]] static Model load(const std::string& path, const LoadOptions& options = {});
  // The same from a GGUF file already opened or held in memory (GgufFile::from_bytes).
  [[nodiscard]] static Model load_gguf(GgufFile file, const LoadOptions& options = {});
  // A model from parts already in memory (tests, converters); validates shapes.
  [[nodiscard]] static Model from_weights(ModelConfig config, ModelWeights weights);

  [[nodiscard]] const ModelConfig& config() const noexcept { return state_->config; }
  [[nodiscard]] const ModelWeights& weights() const noexcept { return state_->weights; }

  // Logits f32 [ids.size(), vocab] for a fresh sequence (one position per id).
  [[nodiscard]] Tensor logits(std::span<const int32_t> ids) const;

 private:
  struct State {
    ModelConfig config;
    ModelWeights weights;
  };
  explicit Model(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
  friend class Session;
};

// Writes `model` as a GGUF file of architecture "bitnet" with llama.cpp's tensor names and its
// activation under <arch>.ffn_activation, so that llama.cpp loads it (I2_S only bitnet.cpp reads).
// Projections go in `weights` (kTQ2_0, kTQ1_0 or kI2S); one whose row length is not a whole
// number of that format's blocks (256 weights, 128 for I2_S) is written as F32 scale * trits
// instead, which loads back exactly. TQ1_0/TQ2_0 keep one f16 scale per block, so their scales
// come back rounded to f16; I2_S and F32 keep f32 scales. The embedding keeps its dtype; an untied
// head is written as "output.weight" in its dtype. `metadata` is added after the model's own keys
// (and replaces one of the same name): a vocabulary under tokenizer.ggml.*, which llama.cpp needs
// to load the file at all, or a general.name.
// `progress`, when set, is called with (steps done, steps) after each layer and after the file is
// written (steps = layers + 1).
void save_gguf(const Model& model, const std::string& path,
               TernaryFormat weights = TernaryFormat::kTQ2_0,
               std::span<const GgufMetadataEntry> metadata = {},
               const std::function<void(int64_t, int64_t)>& progress = {});

// A sequence being decoded: the key/value cache of every layer, sized to the context.
class Session {
 public:
  // `context`: positions the cache holds (0: the model's max_position_embeddings). The cache holds
  // keys and values in `cache_dtype`: f32 (the default: logits within 1.2e-6 of transformers' on
  // its fixtures) or f16 (half the memory and traffic; on the random-weight fixtures, whose keys
  // are large, the logits moved by up to 0.047 of a largest logit of 2.1, and greedy decoding
  // diverged after one token, so it is opt-in).
  explicit Session(Model model, int64_t context = 0, DType cache_dtype = DType::kF32);

  // Runs `ids` at the next positions, appends their keys and values to the cache and returns the
  // logits f32 [ids.size(), vocab]. More positions than the context is an Error; the session is
  // unchanged then.
  [[nodiscard]] Tensor forward(std::span<const int32_t> ids);
  // The logits of the last position only: f32 [vocab].
  [[nodiscard]] Tensor forward_last(std::span<const int32_t> ids);

  [[nodiscard]] int64_t position() const noexcept { return position_; }
  [[nodiscard]] int64_t context() const noexcept { return context_; }
  void reset() noexcept { position_ = 0; }
  // Forgets the positions from `position` on (0 <= position <= position(); else an Error), so
  // that a conversation can re-run what changed after a shared prefix; the cache before stays.
  void rewind(int64_t position);

 private:
  [[nodiscard]] Tensor hidden_states(std::span<const int32_t> ids);
  Model model_;
  int64_t context_ = 0;
  int64_t position_ = 0;
  std::vector<Tensor> keys_;    // per layer [context, kv_heads, head_dim], f16 or f32
  std::vector<Tensor> values_;  // per layer [context, kv_heads, head_dim], f16 or f32
};

}  // namespace bitnet

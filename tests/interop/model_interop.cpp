// model_interop: our side of the model check against llama.cpp (tests/interop/model/run.sh).
//
//   model_interop write OUT.gguf FORMAT [bytes] [permuted]
//       a random-weight SiLU BitNet model (2 layers, hidden 256, FFN 512, 4 heads, 2 kv heads,
//       vocabulary 512) through save_gguf in FORMAT (tq2_0 or tq1_0). "bytes": a placeholder LLaMA
//       vocabulary (<unk>, <s>, </s>, the 256 byte tokens, then unused pieces) is added to its
//       metadata, because llama.cpp's loader takes its vocabulary size from the tokenizer, not
//       from the embedding; the check feeds token ids, never text. "permuted": q and k rows
//       reordered as LLaMA converters do for interleaved RoPE (within each head, row 2i + j takes
//       row j * head_dim / 2 + i), the negative control for the RoPE pairing
//   model_interop compare MODEL.gguf THEIRS.json MAX_ERROR [ACTIVATION]
//       THEIRS.json: {"ids": [...], "probabilities": [[p(0), p(1), ...] per position]}, llama.cpp's
//       next-token distributions for the prefixes of ids; ours for the same ids must be within
//       MAX_ERROR (largest absolute difference of a probability) at every position, and the most
//       likely tokens must agree where ours leads by more than that. ACTIVATION (relu2 or silu)
//       overrides the model's, for the negative control: the wrong activation must fail.
//
// Exit status 0 when the check passes; otherwise 1 with the differences on stderr.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/ops.h"

namespace bitnet::interop {
namespace {

constexpr int64_t kVocabulary = 512;
constexpr int64_t kHidden = 256;
constexpr int64_t kFfn = 512;
constexpr int64_t kHeads = 4;
constexpr int64_t kKvHeads = 2;
constexpr int64_t kLayers = 2;

TernaryTensor projection(int64_t rows, int64_t cols, uint64_t seed, double deviation = 0.02) {
  return TernaryTensor::quantize(Tensor::normal({rows, cols}, seed, 0.0, deviation));
}

Tensor norm(int64_t size, uint64_t seed) {
  return Tensor::uniform({size}, seed, 0.5, 1.5);
}

// Within each head, row 2i + j takes row j * head_dim / 2 + i.
TernaryTensor interleave_heads(const TernaryTensor& weights, int64_t head_dim) {
  const Tensor trits = weights.trits();
  const int64_t rows = weights.rows();
  const int64_t cols = weights.cols();
  std::vector<int8_t> source = trits.to_vector<int8_t>();
  std::vector<int8_t> target(source.size());
  for (int64_t head = 0; head < rows / head_dim; ++head) {
    for (int64_t i = 0; i < head_dim / 2; ++i) {
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t to = head * head_dim + 2 * i + j;
        const int64_t from = head * head_dim + j * (head_dim / 2) + i;
        std::copy_n(source.begin() + from * cols, cols, target.begin() + to * cols);
      }
    }
  }
  return TernaryTensor::from_trits(Tensor::from_vector(target, {rows, cols}), weights.scales());
}

Model permuted(const Model& model) {
  ModelWeights weights = model.weights();
  for (LayerWeights& layer : weights.layers) {
    layer.q = interleave_heads(layer.q, model.config().head_dim);
    layer.k = interleave_heads(layer.k, model.config().head_dim);
  }
  return Model::from_weights(model.config(), std::move(weights));
}

Model random_model() {
  ModelConfig config;
  config.architecture = "BitNetForCausalLM";
  config.vocab_size = kVocabulary;
  config.hidden_size = kHidden;
  config.intermediate_size = kFfn;
  config.num_layers = kLayers;
  config.num_heads = kHeads;
  config.num_kv_heads = kKvHeads;
  config.head_dim = kHidden / kHeads;
  config.max_position_embeddings = 128;
  config.rms_norm_eps = 1e-5;
  config.rope_theta = 10000.0;
  config.activation = FfnActivation::kSilu;  // llama.cpp's graph for "bitnet"
  ModelWeights weights;
  // Small enough that the tied head spreads probability over many tokens (a token's own row
  // would otherwise take all of it).
  weights.embedding = Tensor::normal({kVocabulary, kHidden}, 1, 0.0, 0.1);
  weights.head = weights.embedding;
  weights.final_norm = norm(kHidden, 2);
  const int64_t kv_width = kKvHeads * config.head_dim;
  for (int64_t index = 0; index < kLayers; ++index) {
    const uint64_t seed = 100 + 20 * static_cast<uint64_t>(index);
    LayerWeights layer;
    layer.input_norm = norm(kHidden, seed);
    // Large enough q and k scales that attention is sharp: with the scales of the other
    // projections it would be nearly uniform, and the check blind to RoPE and masking.
    layer.q = projection(kHidden, kHidden, seed + 1, 0.3);
    layer.k = projection(kv_width, kHidden, seed + 2, 0.3);
    layer.v = projection(kv_width, kHidden, seed + 3);
    layer.attention_sub_norm = norm(kHidden, seed + 4);
    layer.o = projection(kHidden, kHidden, seed + 5);
    layer.post_attention_norm = norm(kHidden, seed + 6);
    layer.gate = projection(kFfn, kHidden, seed + 7);
    layer.up = projection(kFfn, kHidden, seed + 8);
    layer.ffn_sub_norm = norm(kFfn, seed + 9);
    layer.down = projection(kHidden, kFfn, seed + 10);
    weights.layers.push_back(std::move(layer));
  }
  return Model::from_weights(std::move(config), std::move(weights));
}

// The file again with a placeholder LLaMA (SentencePiece) vocabulary in its metadata.
void add_placeholder_vocabulary(const std::string& path) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};  // unknown, control, control
  for (int byte = 0; byte < 256; ++byte) {
    tokens.push_back(fmt::format("<0x{:02X}>", byte));
    types.push_back(6);  // byte
  }
  while (static_cast<int64_t>(tokens.size()) < kVocabulary) {
    tokens.push_back(fmt::format("<unused{}>", tokens.size()));
    types.push_back(5);  // unused
  }
  const GgufFile file = GgufFile::open(path);
  GgufWriter writer;
  for (const auto& entry : file.metadata()) writer.set(entry.key, entry.value);
  writer.set("tokenizer.ggml.model", std::string("llama"));
  writer.set("tokenizer.ggml.tokens", GgufValue::array(tokens));
  writer.set("tokenizer.ggml.scores", GgufValue::array(std::vector<float>(tokens.size(), 0.0f)));
  writer.set("tokenizer.ggml.token_type", GgufValue::array(types));
  writer.set("tokenizer.ggml.unknown_token_id", uint32_t{0});
  writer.set("tokenizer.ggml.bos_token_id", uint32_t{1});
  writer.set("tokenizer.ggml.eos_token_id", uint32_t{2});
  writer.set("tokenizer.ggml.add_bos_token", false);
  for (const GgufTensorInfo& info : file.tensors()) {
    const auto bytes = file.tensor_bytes(info.name);
    writer.add_raw(info.name, info.type, info.shape,
                   std::vector<uint8_t>(bytes.begin(), bytes.end()));
  }
  writer.write(path);
}

int write(const std::vector<std::string>& args) {
  if (args.size() < 3) {
    throw Error(ErrorKind::kInvalidArgument, "write OUT.gguf FORMAT [bytes] [permuted]");
  }
  bool vocabulary = false;
  bool permute = false;
  for (size_t index = 3; index < args.size(); ++index) {
    if (args[index] == "bytes") {
      vocabulary = true;
    } else if (args[index] == "permuted") {
      permute = true;
    } else {
      throw Error(ErrorKind::kInvalidArgument, "write: unknown option " + args[index]);
    }
  }
  const Model model = random_model();
  save_gguf(permute ? permuted(model) : model, args[1], ternary_format_from_name(args[2]));
  if (vocabulary) add_placeholder_vocabulary(args[1]);
  return 0;
}

int compare(const std::vector<std::string>& args) {
  if (args.size() != 4 && args.size() != 5) {
    throw Error(ErrorKind::kInvalidArgument, "compare MODEL THEIRS MAX [ACTIVATION]");
  }
  LoadOptions options;
  if (args.size() == 5) options.ffn_activation = ffn_activation_from_name(args[4]);
  std::ifstream stream(args[2]);
  const nlohmann::json theirs = nlohmann::json::parse(stream);
  const double limit = std::stod(args[3]);
  std::vector<int32_t> ids;
  for (const auto& id : theirs.at("ids")) ids.push_back(id.get<int32_t>());
  const Model model = Model::load(args[1], options);
  const Tensor probabilities = softmax(model.logits(ids), -1).contiguous();
  const std::vector<float> ours = probabilities.to_vector<float>();
  const auto& rows = theirs.at("probabilities");
  if (rows.size() != ids.size()) {
    fmt::print(stderr, "mismatch: {} positions from llama.cpp, {} ids\n", rows.size(), ids.size());
    return 1;
  }
  int failures = 0;
  double worst = 0;
  double worst_divergence = 0;
  int agreeing_top = 0;
  for (size_t position = 0; position < ids.size(); ++position) {
    const auto& row = rows[position];
    if (static_cast<int64_t>(row.size()) != kVocabulary) {
      fmt::print(stderr, "mismatch: position {}: {} probabilities from llama.cpp\n", position,
                 row.size());
      return 1;
    }
    double row_worst = 0;
    double divergence = 0;  // KL(theirs || ours)
    size_t our_top = 0;
    size_t their_top = 0;
    double our_second = 0;
    for (size_t id = 0; id < row.size(); ++id) {
      const double mine = ours[position * kVocabulary + id];
      const double other = row[id].get<double>();
      row_worst = std::max(row_worst, std::abs(mine - other));
      if (other > 0 && mine > 0) divergence += other * std::log(other / mine);
      if (mine > ours[position * kVocabulary + our_top]) our_top = id;
      if (other > row[their_top].get<double>()) their_top = id;
    }
    for (size_t id = 0; id < row.size(); ++id) {
      if (id != our_top)
        our_second = std::max<double>(our_second, ours[position * kVocabulary + id]);
    }
    worst = std::max(worst, row_worst);
    worst_divergence = std::max(worst_divergence, divergence);
    agreeing_top += our_top == their_top ? 1 : 0;
    const double lead = ours[position * kVocabulary + our_top] - our_second;
    if (row_worst > limit || (our_top != their_top && lead > limit)) {
      fmt::print(stderr,
                 "mismatch: position {}: largest probability difference {:.3g} (limit {}); top "
                 "token ours {} theirs {} (our lead {:.3g})\n",
                 position, row_worst, limit, our_top, their_top, lead);
      ++failures;
    }
  }
  fmt::print(
      "{} positions: largest probability difference {:.3g} (limit {}), largest KL(llama.cpp || "
      "ours) {:.3g} nats, top token equal at {} of {}\n",
      ids.size(), worst, limit, worst_divergence, agreeing_top, ids.size());
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace bitnet::interop

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args[0] == "write") return bitnet::interop::write(args);
    if (!args.empty() && args[0] == "compare") return bitnet::interop::compare(args);
    std::fprintf(stderr, "usage: model_interop write|compare ...\n");
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "model_interop: error: %s\n", error.what());
    return 1;
  }
}

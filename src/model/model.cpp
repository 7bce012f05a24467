// Model: shape checks of the weights against the configuration, and whole-sequence logits.
#include "bitnet/model.h"

#include "bitnet/ops.h"
#include "core/raise.h"

namespace bitnet {
namespace {

void expect_vector(const Tensor& tensor, int64_t size, const std::string& name) {
  if (!tensor.defined() || tensor.rank() != 1 || tensor.shape()[0] != size ||
      tensor.dtype() != DType::kF32) {
    raise(ErrorKind::kShapeMismatch, "model: {} must be f32 [{}], got {}", name, size,
          tensor.defined()
              ? std::string(dtype_name(tensor.dtype())) + " " + to_string(tensor.shape())
              : std::string("nothing"));
  }
}

void expect_matrix(const TernaryTensor& weights, int64_t rows, int64_t cols,
                   const std::string& name) {
  if (!weights.defined() || weights.rows() != rows || weights.cols() != cols) {
    raise(ErrorKind::kShapeMismatch, "model: {} must be [{}, {}], got [{}, {}]", name, rows, cols,
          weights.rows(), weights.cols());
  }
}

void expect_table(const Tensor& tensor, int64_t rows, int64_t cols, const std::string& name) {
  if (!tensor.defined() || tensor.rank() != 2 || tensor.shape()[0] != rows ||
      tensor.shape()[1] != cols) {
    raise(ErrorKind::kShapeMismatch, "model: {} must be [{}, {}], got {}", name, rows, cols,
          tensor.defined() ? to_string(tensor.shape()) : std::string("nothing"));
  }
}

}  // namespace

Model Model::from_weights(ModelConfig config, ModelWeights weights) {
  config.validate("model");
  const int64_t hidden = config.hidden_size;
  const int64_t attention_width = config.num_heads * config.head_dim;
  const int64_t kv_width = config.num_kv_heads * config.head_dim;
  expect_table(weights.embedding, config.vocab_size, hidden, "the token embedding");
  expect_table(weights.head, config.vocab_size, hidden, "the output head");
  if (weights.head.dtype() != DType::kF32 && weights.head.dtype() != DType::kF16 &&
      weights.head.dtype() != DType::kBF16) {
    raise(ErrorKind::kDTypeMismatch, "model: the output head must be f32, f16 or bf16, got {}",
          dtype_name(weights.head.dtype()));
  }
  expect_vector(weights.final_norm, hidden, "the final norm");
  if (static_cast<int64_t>(weights.layers.size()) != config.num_layers) {
    raise(ErrorKind::kShapeMismatch, "model: {} layers of weights for num_hidden_layers {}",
          weights.layers.size(), config.num_layers);
  }
  for (size_t index = 0; index < weights.layers.size(); ++index) {
    const LayerWeights& layer = weights.layers[index];
    const std::string prefix = "layer " + std::to_string(index) + " ";
    expect_vector(layer.input_norm, hidden, prefix + "input norm");
    expect_matrix(layer.q, attention_width, hidden, prefix + "q");
    expect_matrix(layer.k, kv_width, hidden, prefix + "k");
    expect_matrix(layer.v, kv_width, hidden, prefix + "v");
    expect_vector(layer.attention_sub_norm, attention_width, prefix + "attention sub-norm");
    expect_matrix(layer.o, hidden, attention_width, prefix + "o");
    expect_vector(layer.post_attention_norm, hidden, prefix + "post-attention norm");
    expect_matrix(layer.gate, config.intermediate_size, hidden, prefix + "gate");
    expect_matrix(layer.up, config.intermediate_size, hidden, prefix + "up");
    expect_vector(layer.ffn_sub_norm, config.intermediate_size, prefix + "ffn sub-norm");
    expect_matrix(layer.down, hidden, config.intermediate_size, prefix + "down");
  }
  return Model(std::make_shared<const State>(State{std::move(config), std::move(weights)}));
}

Tensor Model::logits(std::span<const int32_t> ids) const {
  Session session(*this, static_cast<int64_t>(ids.size()));
  return session.forward(ids);
}

}  // namespace bitnet

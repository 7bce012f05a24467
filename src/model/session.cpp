// Session: the forward pass of BitNetForCausalLM over a key/value cache, on the public ops.
#include <cmath>

#include "bitnet/model.h"
#include "bitnet/ops.h"
#include "core/raise.h"

namespace bitnet {
namespace {

Tensor ffn_activation(const Tensor& gate, FfnActivation activation) {
  return activation == FfnActivation::kRelu2 ? relu2(gate) : silu(gate);
}

}  // namespace

Session::Session(Model model, int64_t context, DType cache_dtype) : model_(std::move(model)) {
  if (cache_dtype != DType::kF16 && cache_dtype != DType::kF32) {
    raise(ErrorKind::kDTypeMismatch, "session: the key/value cache must be f16 or f32, got {}",
          dtype_name(cache_dtype));
  }
  const ModelConfig& config = model_.config();
  context_ = context > 0 ? context : config.max_position_embeddings;
  // Left unwritten: attention reads only the positions already run, and a large cache's pages
  // then become resident as the conversation reaches them rather than all at once.
  for (int64_t layer = 0; layer < config.num_layers; ++layer) {
    keys_.push_back(Tensor::empty({context_, config.num_kv_heads, config.head_dim}, cache_dtype));
    values_.push_back(Tensor::empty({context_, config.num_kv_heads, config.head_dim}, cache_dtype));
  }
}

Tensor Session::hidden_states(std::span<const int32_t> ids) {
  const ModelConfig& config = model_.config();
  const ModelWeights& weights = model_.weights();
  const auto count = static_cast<int64_t>(ids.size());
  if (count == 0) raise(ErrorKind::kInvalidArgument, "forward: no token ids");
  if (position_ + count > context_) {
    raise(ErrorKind::kInvalidArgument,
          "forward: {} more tokens after {} exceed the context of {} positions", count, position_,
          context_);
  }
  const Tensor id_tensor = Tensor::from_data(ids.data(), ids.size_bytes(), {count}, DType::kI32);
  const Tensor positions = Tensor::arange(static_cast<double>(position_),
                                          static_cast<double>(position_ + count), 1.0, DType::kI64);
  const double eps = config.rms_norm_eps;
  const int64_t heads = config.num_heads;
  const int64_t kv_heads = config.num_kv_heads;
  const int64_t dim = config.head_dim;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));

  Tensor x = embedding(weights.embedding, id_tensor);  // [count, hidden]
  for (size_t index = 0; index < weights.layers.size(); ++index) {
    const LayerWeights& layer = weights.layers[index];
    const Tensor normed = rms_norm(x, layer.input_norm, eps);
    const Tensor q = rope(ternary_matmul(normed, layer.q).reshape({count, heads, dim}), positions,
                          config.rope_theta);
    const Tensor k = rope(ternary_matmul(normed, layer.k).reshape({count, kv_heads, dim}),
                          positions, config.rope_theta);
    const Tensor v = ternary_matmul(normed, layer.v).reshape({count, kv_heads, dim});
    keys_[index].slice(0, position_, position_ + count).copy_from(k);
    values_[index].slice(0, position_, position_ + count).copy_from(v);
    const Tensor attended =
        attention(q, keys_[index].slice(0, 0, position_ + count),
                  values_[index].slice(0, 0, position_ + count), position_, scale)
            .reshape({count, heads * dim});
    x = x + ternary_matmul(rms_norm(attended, layer.attention_sub_norm, eps), layer.o);

    const Tensor ffn_input = rms_norm(x, layer.post_attention_norm, eps);
    const Tensor gated = ffn_activation(ternary_matmul(ffn_input, layer.gate), config.activation) *
                         ternary_matmul(ffn_input, layer.up);
    x = x + ternary_matmul(rms_norm(gated, layer.ffn_sub_norm, eps), layer.down);
  }
  position_ += count;
  return rms_norm(x, weights.final_norm, eps);
}

Tensor Session::forward(std::span<const int32_t> ids) {
  const Tensor hidden = hidden_states(ids);
  return linear(hidden, model_.weights().head);
}

Tensor Session::forward_last(std::span<const int32_t> ids) {
  const Tensor hidden = hidden_states(ids);
  const int64_t last = hidden.shape()[0] - 1;
  return linear(hidden.select(0, last), model_.weights().head);
}

void Session::rewind(int64_t position) {
  if (position < 0 || position > position_) {
    raise(ErrorKind::kIndexOutOfRange, "rewind: position {} is outside the session's 0..{}",
          position, position_);
  }
  position_ = position;
}

}  // namespace bitnet

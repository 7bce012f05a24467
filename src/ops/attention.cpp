// attention(): causal scaled dot-product attention with grouped query heads, softmax in f32. One
// task per (query, head): scores over the visible keys, the row maximum subtracted before exp.
#include <algorithm>
#include <cmath>
#include <vector>

#include "bitnet/half.h"
#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "core/raise.h"

namespace bitnet {
namespace {

// Key or value row `index` of kv head `head` as f32 (f16 rows are widened into `scratch`).
const float* kv_row(const Tensor& cache, int64_t index, int64_t head, int64_t kv_heads, int64_t dim,
                    float* scratch) {
  const int64_t offset = (index * kv_heads + head) * dim;
  if (cache.dtype() == DType::kF32) return cache.data_as<float>() + offset;
  const auto* bits = static_cast<const uint16_t*>(cache.data()) + offset;
  for (int64_t i = 0; i < dim; ++i) scratch[i] = f16_bits_to_float(bits[i]);
  return scratch;
}

void check_kv(const Tensor& cache, const char* name, int64_t dim) {
  if (cache.rank() != 3 || (cache.dtype() != DType::kF32 && cache.dtype() != DType::kF16)) {
    raise(ErrorKind::kShapeMismatch,
          "attention: {} must be f32 or f16 [keys, kv_heads, {}], got {} {}", name, dim,
          dtype_name(cache.dtype()), to_string(cache.shape()));
  }
}

}  // namespace

Tensor attention(const Tensor& q, const Tensor& keys, const Tensor& values, int64_t first_position,
                 double scale) {
  if (q.rank() != 3 || q.dtype() != DType::kF32) {
    raise(ErrorKind::kShapeMismatch, "attention: q must be f32 [queries, heads, dim], got {} {}",
          dtype_name(q.dtype()), to_string(q.shape()));
  }
  const int64_t queries = q.shape()[0];
  const int64_t heads = q.shape()[1];
  const int64_t dim = q.shape()[2];
  check_kv(keys, "keys", dim);
  check_kv(values, "values", dim);
  if (!(keys.shape() == values.shape()) || keys.shape()[2] != dim) {
    raise(ErrorKind::kShapeMismatch,
          "attention: keys {} and values {} must both be [keys, kv_heads, {}]",
          to_string(keys.shape()), to_string(values.shape()), dim);
  }
  const int64_t kv_heads = keys.shape()[1];
  if (kv_heads == 0 || heads % kv_heads != 0) {
    raise(ErrorKind::kShapeMismatch, "attention: {} query heads are not a multiple of {} kv heads",
          heads, kv_heads);
  }
  if (first_position < 0 || first_position + queries > keys.shape()[0]) {
    raise(ErrorKind::kIndexOutOfRange,
          "attention: queries at positions {}..{} need that many keys, there are {}",
          first_position, first_position + queries - 1, keys.shape()[0]);
  }
  const Tensor query = q.contiguous();
  const Tensor key_rows = keys.contiguous();
  const Tensor value_rows = values.contiguous();
  Tensor out = Tensor::empty(q.shape(), DType::kF32);
  const int64_t group = heads / kv_heads;
  const auto scale_f = static_cast<float>(scale);
  const int64_t tasks = queries * heads;
  parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(first_position + queries));
    std::vector<float> scratch(static_cast<size_t>(dim));
    std::vector<float> accumulator(static_cast<size_t>(dim));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t index = task / heads;
      const int64_t head = task % heads;
      const int64_t kv_head = head / group;
      const int64_t visible = first_position + index + 1;
      const float* query_row = query.data_as<float>() + (index * heads + head) * dim;
      float maximum = -INFINITY;
      for (int64_t key = 0; key < visible; ++key) {
        const float* key_row = kv_row(key_rows, key, kv_head, kv_heads, dim, scratch.data());
        float dot = 0;
        for (int64_t i = 0; i < dim; ++i) dot += query_row[i] * key_row[i];
        scores[static_cast<size_t>(key)] = dot * scale_f;
        maximum = std::max(maximum, scores[static_cast<size_t>(key)]);
      }
      float total = 0;
      for (int64_t key = 0; key < visible; ++key) {
        float& score = scores[static_cast<size_t>(key)];
        score = std::exp(score - maximum);
        total += score;
      }
      std::fill(accumulator.begin(), accumulator.end(), 0.0f);
      for (int64_t key = 0; key < visible; ++key) {
        const float weight = scores[static_cast<size_t>(key)] / total;
        const float* value_row = kv_row(value_rows, key, kv_head, kv_heads, dim, scratch.data());
        for (int64_t i = 0; i < dim; ++i)
          accumulator[static_cast<size_t>(i)] += weight * value_row[i];
      }
      std::copy(accumulator.begin(), accumulator.end(),
                out.data_as<float>() + (index * heads + head) * dim);
    }
  });
  return out;
}

}  // namespace bitnet

// attention(): causal scaled dot-product attention with grouped query heads, softmax in f32.
// Two paths with one result up to rounding:
// - few queries (decoding): one task per (query, head); scores by the SIMD dot kernel over the
//   visible keys (f16 keys widened a row at a time), the row maximum subtracted before exp;
// - many queries (a prompt): one task per (head, block of queries) against the keys the block can
//   see, as two single-threaded BLAS products (q k^T, then p v) around a masked softmax. The block
//   bound keeps the masked upper triangle, which a whole-square product would compute and throw
//   away, to a sliver. Both paths give the same bits for any number of threads.
#include <algorithm>
#include <cmath>
#include <vector>

#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "blas/blas.h"
#include "core/raise.h"
#include "cpu/kernels.h"

namespace bitnet {
namespace {

// Queries at or above which the BLAS path runs.
constexpr int64_t kBlockedQueries = 16;
// Queries per BLAS block.
constexpr int64_t kQueryBlock = 64;

void check_kv(const Tensor& cache, const char* name, int64_t dim) {
  if (cache.rank() != 3 || (cache.dtype() != DType::kF32 && cache.dtype() != DType::kF16)) {
    raise(ErrorKind::kShapeMismatch,
          "attention: {} must be f32 or f16 [keys, kv_heads, {}], got {} {}", name, dim,
          dtype_name(cache.dtype()), to_string(cache.shape()));
  }
}

// Key or value row `index` of kv head `head` as f32 (f16 rows are widened into `scratch`).
const float* kv_row(const Tensor& cache, int64_t index, int64_t head, int64_t kv_heads, int64_t dim,
                    float* scratch) {
  const int64_t offset = (index * kv_heads + head) * dim;
  if (cache.dtype() == DType::kF32) return cache.data_as<float>() + offset;
  cpu::kernels().f16_to_f32(static_cast<const uint16_t*>(cache.data()) + offset, scratch, dim);
  return scratch;
}

struct AttentionShape {
  int64_t queries, heads, kv_heads, dim, first_position;
  float scale;
};

void attend_by_dot(const AttentionShape& s, const Tensor& query, const Tensor& keys,
                   const Tensor& values, const Tensor& out) {
  const int64_t group = s.heads / s.kv_heads;
  const int64_t dim = s.dim;
  parallel_for(0, s.queries * s.heads, 1, [&](int64_t begin, int64_t end) {
    const cpu::CpuKernels& kernels = cpu::kernels();
    std::vector<float> scores(static_cast<size_t>(s.first_position + s.queries));
    std::vector<float> scratch(static_cast<size_t>(dim));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t index = task / s.heads;
      const int64_t head = task % s.heads;
      const int64_t kv_head = head / group;
      const int64_t visible = s.first_position + index + 1;
      const float* query_row = query.data_as<float>() + (index * s.heads + head) * dim;
      for (int64_t key = 0; key < visible; ++key) {
        const float* key_row = kv_row(keys, key, kv_head, s.kv_heads, dim, scratch.data());
        scores[static_cast<size_t>(key)] = kernels.dot(query_row, key_row, dim) * s.scale;
      }
      kernels.softmax(scores.data(), scores.data(), visible);
      float* accumulator = out.data_as<float>() + (index * s.heads + head) * dim;
      std::fill(accumulator, accumulator + dim, 0.0f);
      for (int64_t key = 0; key < visible; ++key) {
        const float weight = scores[static_cast<size_t>(key)];
        const float* value_row = kv_row(values, key, kv_head, s.kv_heads, dim, scratch.data());
        for (int64_t i = 0; i < dim; ++i) accumulator[i] += weight * value_row[i];
      }
    }
  });
}

void attend_by_blocks(const AttentionShape& s, const Tensor& query, const Tensor& keys,
                      const Tensor& values, const Tensor& out) {
  const int64_t group = s.heads / s.kv_heads;
  // f32 [keys, kv_heads, dim] once (f16 caches); each head reads its rows with a stride.
  const Tensor wide_keys =
      (keys.dtype() == DType::kF32 ? keys : cast(keys, DType::kF32)).contiguous();
  const Tensor wide_values =
      (values.dtype() == DType::kF32 ? values : cast(values, DType::kF32)).contiguous();
  const float* q_data = query.data_as<float>();
  const float* k_data = wide_keys.data_as<float>();
  const float* v_data = wide_values.data_as<float>();
  float* out_data = out.data_as<float>();
  const int64_t q_stride = s.heads * s.dim;
  const int64_t kv_stride = s.kv_heads * s.dim;
  const int64_t blocks = (s.queries + kQueryBlock - 1) / kQueryBlock;
  const auto softmax = cpu::kernels().softmax;
  // One task per (head, block of queries), each with single-threaded BLAS calls: the same
  // arithmetic whatever the number of threads, so results do not depend on it (OpenBLAS's own
  // threading picks other kernels for other thread counts).
  const SingleThreadedBlas single_threaded;
  parallel_for(0, s.heads * blocks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t head = task / blocks;
      const int64_t start = (task % blocks) * kQueryBlock;
      const int64_t stop = std::min(s.queries, start + kQueryBlock);
      const int64_t rows = stop - start;
      const int64_t visible = s.first_position + stop;  // the block's last query sees these
      const int64_t kv_head = head / group;
      scores.resize(static_cast<size_t>(rows * visible));
      // scores [rows, visible] = q [rows, dim] x keys[0:visible]^T
      blas_gemm_f32(false, true, rows, visible, s.dim, q_data + start * q_stride + head * s.dim,
                    q_stride, k_data + kv_head * s.dim, kv_stride, scores.data(), visible);
      for (int64_t row = 0; row < rows; ++row) {
        float* line = scores.data() + row * visible;
        const int64_t seen = s.first_position + start + row + 1;
        for (int64_t key = 0; key < seen; ++key) line[key] *= s.scale;
        softmax(line, line, seen);
        std::fill(line + seen, line + visible, 0.0f);
      }
      // out [rows, dim] (strided into [queries, heads, dim]) = scores x values[0:visible]
      blas_gemm_f32(false, false, rows, s.dim, visible, scores.data(), visible,
                    v_data + kv_head * s.dim, kv_stride, out_data + start * q_stride + head * s.dim,
                    q_stride);
    }
  });
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
  Tensor out = Tensor::empty(q.shape(), DType::kF32);
  if (out.numel() == 0) return out;
  const AttentionShape shape{queries, heads,          kv_heads,
                             dim,     first_position, static_cast<float>(scale)};
  if (queries >= kBlockedQueries) {
    attend_by_blocks(shape, q.contiguous(), keys, values, out);
  } else {
    attend_by_dot(shape, q.contiguous(), keys.contiguous(), values.contiguous(), out);
  }
  return out;
}

}  // namespace bitnet

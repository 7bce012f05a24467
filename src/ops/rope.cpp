// rope(): rotary position embedding in the "rotate half" pairing (dimension i with i + dim/2), as
// Hugging Face's Llama and BitNet models apply it.
#include <cmath>
#include <vector>

#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "core/raise.h"

namespace bitnet {

Tensor rope(const Tensor& x, const Tensor& positions, double theta) {
  if (x.rank() != 3 || x.dtype() != DType::kF32) {
    raise(ErrorKind::kShapeMismatch, "rope: x must be f32 [tokens, heads, head_dim], got {} {}",
          dtype_name(x.dtype()), to_string(x.shape()));
  }
  const int64_t tokens = x.shape()[0];
  const int64_t heads = x.shape()[1];
  const int64_t dim = x.shape()[2];
  if (dim % 2 != 0) raise(ErrorKind::kShapeMismatch, "rope: head_dim {} is odd", dim);
  if (positions.rank() != 1 || positions.shape()[0] != tokens ||
      (positions.dtype() != DType::kI32 && positions.dtype() != DType::kI64)) {
    raise(ErrorKind::kShapeMismatch, "rope: positions must be i32/i64 [{}], got {} {}", tokens,
          dtype_name(positions.dtype()), to_string(positions.shape()));
  }
  if (!(theta > 0) || !std::isfinite(theta)) {
    raise(ErrorKind::kInvalidArgument, "rope: theta must be positive and finite, got {}", theta);
  }
  const Tensor source = x.contiguous();
  const Tensor where = positions.contiguous();
  Tensor out = Tensor::empty(x.shape(), DType::kF32);
  const int64_t half = dim / 2;
  // Hugging Face computes the inverse frequencies and the angles in f32:
  // inv_freq[i] = 1 / theta^(2i / dim), angle = position * inv_freq[i], then cos and sin in f32.
  std::vector<float> inverse_frequency(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    inverse_frequency[static_cast<size_t>(i)] = static_cast<float>(
        1.0 / std::pow(theta, static_cast<double>(2 * i) / static_cast<double>(dim)));
  }
  const auto* in = source.data_as<float>();
  auto* result = out.data_as<float>();
  parallel_for(0, tokens, 16, [&](int64_t begin, int64_t end) {
    std::vector<float> cosines(static_cast<size_t>(half));
    std::vector<float> sines(static_cast<size_t>(half));
    for (int64_t token = begin; token < end; ++token) {
      const int64_t position = where.dtype() == DType::kI32 ? where.data_as<int32_t>()[token]
                                                            : where.data_as<int64_t>()[token];
      for (int64_t i = 0; i < half; ++i) {
        const float angle =
            static_cast<float>(position) * inverse_frequency[static_cast<size_t>(i)];
        cosines[static_cast<size_t>(i)] = std::cos(angle);
        sines[static_cast<size_t>(i)] = std::sin(angle);
      }
      for (int64_t head = 0; head < heads; ++head) {
        const float* row = in + (token * heads + head) * dim;
        float* target = result + (token * heads + head) * dim;
        for (int64_t i = 0; i < half; ++i) {
          const float a = row[i];
          const float b = row[i + half];
          const float c = cosines[static_cast<size_t>(i)];
          const float s = sines[static_cast<size_t>(i)];
          target[i] = a * c - b * s;
          target[i + half] = b * c + a * s;
        }
      }
    }
  });
  return out;
}

}  // namespace bitnet

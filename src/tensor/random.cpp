// Counter-based random tensors: element i is a hash of (seed, i), so results do not depend on the
// thread count or on how the work is split.
#include <cmath>
#include <numbers>

#include "bitnet/parallel.h"
#include "bitnet/tensor.h"
#include "core/raise.h"
#include "tensor/convert.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"

namespace bitnet {
namespace {

// SplitMix64's finaliser: a bijective mix with full avalanche, a good hash of a counter.
uint64_t mix64(uint64_t value) {
  value ^= value >> 30;
  value *= 0xbf58476d1ce4e5b9ull;
  value ^= value >> 27;
  value *= 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

// Uniform double in [0, 1) from the 53 high bits of the hash of (seed, counter).
double unit_uniform(uint64_t seed, uint64_t counter) {
  const uint64_t bits = mix64(mix64(seed ^ 0x9e3779b97f4a7c15ull) + counter);
  return static_cast<double>(bits >> 11) * 0x1p-53;
}

template <typename Generate>
Tensor generate(const Shape& shape, DType dtype, Generate&& value_at) {
  Tensor tensor = allocate_tensor(shape, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* data = static_cast<T*>(tensor.data());
    parallel_for(0, tensor.numel(), 65536, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        data[i] = convert_element<T, double>(value_at(static_cast<uint64_t>(i)));
      }
    });
  });
  return tensor;
}

}  // namespace

Tensor Tensor::uniform(const Shape& shape, uint64_t seed, double low, double high, DType dtype) {
  if (!(low <= high) || !std::isfinite(low) || !std::isfinite(high)) {
    raise(ErrorKind::kInvalidArgument, "uniform: need finite low <= high, got [{}, {})", low, high);
  }
  return generate(shape, dtype,
                  [&](uint64_t i) { return low + (high - low) * unit_uniform(seed, i); });
}

Tensor Tensor::normal(const Shape& shape, uint64_t seed, double mean, double stddev, DType dtype) {
  if (!(stddev >= 0) || !std::isfinite(mean) || !std::isfinite(stddev)) {
    raise(ErrorKind::kInvalidArgument, "normal: need finite mean and stddev >= 0, got {} and {}",
          mean, stddev);
  }
  return generate(shape, dtype, [&](uint64_t i) {
    // Box-Muller on two uniforms drawn from counters 2i and 2i+1; 1 - u keeps log's argument > 0.
    const double radius = std::sqrt(-2.0 * std::log(1.0 - unit_uniform(seed, 2 * i)));
    const double angle = 2.0 * std::numbers::pi * unit_uniform(seed, 2 * i + 1);
    return mean + stddev * radius * std::cos(angle);
  });
}

}  // namespace bitnet

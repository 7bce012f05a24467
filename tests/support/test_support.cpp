#include "support/test_support.h"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "bitnet/half.h"

namespace bitnet::testing {

std::vector<uint64_t> test_seeds() {
  // BITNET_TEST_SEED=<seed printed by a failure> replays that seed in place of the drawn ones.
  if (const char* replay = std::getenv("BITNET_TEST_SEED"); replay != nullptr && *replay != 0) {
    return {1, 42, 20261126, std::strtoull(replay, nullptr, 10)};
  }
  const auto now =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return {1, 42, 20261126, now, now * 6364136223846793005ull + 1442695040888963407ull};
}

std::string seed_trace(uint64_t seed) {
  return "seed=" + std::to_string(seed);
}

std::vector<int64_t> unravel(const Shape& shape, int64_t linear) {
  std::vector<int64_t> index(shape.size());
  for (int d = shape.rank() - 1; d >= 0; --d) {
    index[d] = shape[d] == 0 ? 0 : linear % shape[d];
    linear = shape[d] == 0 ? 0 : linear / shape[d];
  }
  return index;
}

double element_at(const Tensor& tensor, int64_t linear) {
  const std::vector<int64_t> index = unravel(tensor.shape(), linear);
  int64_t element = 0;
  for (int d = 0; d < tensor.rank(); ++d) element += index[d] * tensor.strides()[d];
  const char* base = static_cast<const char*>(tensor.data()) +
                     element * static_cast<int64_t>(tensor.element_size());
  switch (tensor.dtype()) {
    case DType::kBool:
      return *reinterpret_cast<const uint8_t*>(base) != 0 ? 1.0 : 0.0;
    case DType::kU8:
      return *reinterpret_cast<const uint8_t*>(base);
    case DType::kI8:
      return *reinterpret_cast<const int8_t*>(base);
    case DType::kI32:
      return *reinterpret_cast<const int32_t*>(base);
    case DType::kI64:
      return static_cast<double>(*reinterpret_cast<const int64_t*>(base));
    case DType::kF16: {
      uint16_t bits;
      std::memcpy(&bits, base, 2);
      // Decoded here by formula, independently of the library's converter.
      const int exponent = (bits >> 10) & 0x1f;
      const int mantissa = bits & 0x3ff;
      const double sign = (bits & 0x8000) ? -1.0 : 1.0;
      if (exponent == 0) return sign * std::ldexp(mantissa, -24);
      if (exponent == 31) return mantissa ? std::nan("") : sign * INFINITY;
      return sign * std::ldexp(1024 + mantissa, exponent - 25);
    }
    case DType::kBF16: {
      uint16_t bits;
      std::memcpy(&bits, base, 2);
      uint32_t wide = static_cast<uint32_t>(bits) << 16;
      float value;
      std::memcpy(&value, &wide, 4);
      return value;
    }
    case DType::kF32:
      return *reinterpret_cast<const float*>(base);
    case DType::kF64:
      return *reinterpret_cast<const double*>(base);
  }
  return std::nan("");
}

std::vector<double> elements(const Tensor& tensor) {
  std::vector<double> values(static_cast<size_t>(tensor.numel()));
  for (int64_t i = 0; i < tensor.numel(); ++i)
    values[static_cast<size_t>(i)] = element_at(tensor, i);
  return values;
}

namespace {

Tensor random_contiguous(const Shape& shape, DType dtype, uint64_t seed, double low, double high) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  const int64_t numel = checked_numel(shape);
  std::vector<double> values(static_cast<size_t>(numel));
  for (double& value : values) {
    value = uniform(engine);
    if (dtype == DType::kBool)
      value = value > (low + high) / 2 ? 1.0 : 0.0;
    else if (!is_floating(dtype))
      value = std::round(value);
    if (dtype == DType::kU8) value = std::fabs(value);
  }
  return cast(Tensor::from_vector(values, shape), dtype);
}

}  // namespace

const std::vector<std::string>& layouts() {
  static const std::vector<std::string> names = {"contiguous", "transposed", "strided", "offset"};
  return names;
}

Tensor random_tensor(const Shape& shape, DType dtype, uint64_t seed, const std::string& layout,
                     double low, double high) {
  if (layout == "contiguous" || shape.rank() == 0) {
    return random_contiguous(shape, dtype, seed, low, high);
  }
  if (layout == "transposed") {
    if (shape.rank() < 2) return random_contiguous(shape, dtype, seed, low, high).slice(0, 0);
    Shape swapped = shape;
    std::swap(swapped[shape.rank() - 1], swapped[shape.rank() - 2]);
    return random_contiguous(swapped, dtype, seed, low, high).transpose(-1, -2);
  }
  if (layout == "strided") {
    Shape doubled = shape;
    doubled[shape.rank() - 1] *= 2;
    return random_contiguous(doubled, dtype, seed, low, high).slice(-1, 0, {}, 2);
  }
  // "offset": the tensor starts 3 elements into a flat buffer.
  const int64_t numel = checked_numel(shape);
  Tensor flat = random_contiguous({numel + 5}, dtype, seed, low, high);
  return flat.slice(0, 3, numel + 3).view(shape);
}

double nmse(const std::vector<double>& actual, const std::vector<double>& expected) {
  double error = 0, norm = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    error += (actual[i] - expected[i]) * (actual[i] - expected[i]);
    norm += expected[i] * expected[i];
  }
  if (norm == 0) return error;
  return error / norm;
}

void expect_same_values(const std::vector<double>& actual, const std::vector<double>& expected,
                        const std::string& context) {
  ASSERT_EQ(actual.size(), expected.size()) << context;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i]) && std::isnan(actual[i])) continue;
    ASSERT_EQ(actual[i], expected[i]) << context << " at element " << i;
  }
}

void expect_close(const std::vector<double>& actual, const std::vector<double>& expected,
                  double rel_tol, double abs_tol, const std::string& context) {
  ASSERT_EQ(actual.size(), expected.size()) << context;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (std::isnan(e) || std::isnan(a)) {
      ASSERT_TRUE(std::isnan(e) && std::isnan(a))
          << context << " at element " << i << ": got " << a << ", expected " << e;
      continue;
    }
    if (std::isinf(e) || std::isinf(a)) {
      ASSERT_EQ(a, e) << context << " at element " << i;
      continue;
    }
    ASSERT_LE(std::fabs(a - e), abs_tol + rel_tol * std::fabs(e))
        << context << " at element " << i << ": got " << a << ", expected " << e;
  }
}

TemporaryFolder::TemporaryFolder(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

TemporaryFolder::~TemporaryFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace bitnet::testing

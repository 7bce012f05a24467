// The contents of the safetensors interop files, as formulas: scripts/make_safetensors_fixtures.py
// writes tests/data/safetensors/ with Hugging Face's library from the same formulas, and
// scripts/check_safetensors_roundtrip.py checks files our writer made against them. Keep the three
// in step.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "bitnet/io.h"

namespace bitnet::testing {

struct FixtureTensor {
  std::string name;
  DType dtype;
  Shape shape;
};

// Every dtype, in one file "dtypes.safetensors".
inline const std::vector<FixtureTensor>& fixture_dtype_tensors() {
  static const std::vector<FixtureTensor> tensors = {
      {"f32", DType::kF32, {2, 3, 4}}, {"f32_special", DType::kF32, {6}},
      {"f16", DType::kF16, {5, 7}},    {"bf16", DType::kBF16, {4, 6}},
      {"f64", DType::kF64, {3}},       {"i8", DType::kI8, {16}},
      {"u8", DType::kU8, {2, 8}},      {"i32", DType::kI32, {6}},
      {"i64", DType::kI64, {4}},       {"bool", DType::kBool, {7}},
      {"empty", DType::kF32, {0, 3}},
  };
  return tensors;
}

// Element i (row-major) of fixture tensor `name`, as double (exact for every entry).
inline double fixture_value(const std::string& name, int64_t i) {
  const auto x = static_cast<double>(i);
  if (name == "f32") return (x - 12) * 0.5;
  if (name == "f32_special") {
    const double values[] = {std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN(),
                             std::ldexp(1.0, -149),  // the smallest f32 denormal
                             -0.0,
                             static_cast<double>(std::numeric_limits<float>::max())};
    return values[i];
  }
  if (name == "f16") return (x - 17) * 0.25;
  if (name == "bf16") return (x - 12) * 0.125;
  if (name == "f64") return x / 3;
  if (name == "i8") return x * 17 - 128;
  if (name == "u8") return static_cast<double>((i * 37) % 256);
  if (name == "i32") return (x - 3) * 1000003;
  if (name == "i64") return static_cast<double>((i - 2) * 1000000000000000LL + i);
  if (name == "bool") return i % 3 == 0 ? 1 : 0;
  if (name.rfind("layers.", 0) == 0) {  // layers.<k>.weight of the sharded checkpoint
    return x * 0.5 + std::stod(name.substr(7, name.find('.', 7) - 7));
  }
  return 0;
}

// The sharded checkpoint: layers.<k>.weight, f32 [4, 8], k = 0..3, two shards.
inline constexpr int kFixtureLayers = 4;
inline const Shape kFixtureLayerShape = {4, 8};

// The Hugging Face BitNet layout file "hf_bitnet.safetensors": one BitLinear of W_t [8, 16] with
// weight_scale 0.5 (bf16 [1]), so our scale is 2.
inline constexpr const char* kFixtureBitnetWeight = "model.layers.0.mlp.down_proj.weight";
inline constexpr int64_t kFixtureBitnetRows = 8;
inline constexpr int64_t kFixtureBitnetCols = 16;
inline constexpr float kFixtureBitnetWeightScale = 0.5f;
inline int fixture_trit(int64_t row, int64_t col) {
  return static_cast<int>((row * 7 + col * 3 + row / 2) % 3) - 1;
}

// A tensor of the fixture formula, for our writer.
inline Tensor fixture_tensor(const std::string& name, DType dtype, const Shape& shape) {
  Tensor values = Tensor::empty(shape, DType::kF64);
  auto* data = values.data_as<double>();
  for (int64_t index = 0; index < values.numel(); ++index) data[index] = fixture_value(name, index);
  return values.to(dtype);
}

}  // namespace bitnet::testing

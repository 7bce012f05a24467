// io_interop: our side of the interoperability checks with implementations we did not write.
//
//   io_interop gguf-write DIR                 GGUF files from our writer, for @huggingface/gguf
//   io_interop gguf-check-parsed FILE JSON    FILE as @huggingface/gguf parsed it (JSON) must
//                                             match what our reader finds
//   io_interop gguf-check-built FILE JSON [ORIGINAL]
//                                             a file @huggingface/gguf built (JSON: what it
//                                             serialized) must read back as that; with ORIGINAL,
//                                             its tensors' bytes must equal ORIGINAL's
//   io_interop safetensors-write DIR          safetensors files from our writer, for Hugging
//                                             Face's safetensors library
//                                             (scripts/check_safetensors_roundtrip.py)
//   io_interop fuzz-corpus DIR                seed files for fuzz/corpus/<target>/
//
// Exit status 0 when every check passes; otherwise 1 with the differences on stderr.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitnet/io.h"
#include "support/safetensors_fixture_values.h"

namespace bitnet::interop {
namespace {

using nlohmann::json;

int failures = 0;

template <typename... Args>
void mismatch(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "mismatch: {}\n", fmt::format(format, std::forward<Args>(args)...));
  ++failures;
}

json read_json(const std::string& path) {
  std::ifstream stream(path);
  if (!stream) throw Error(ErrorKind::kIo, "cannot open " + path);
  return json::parse(stream);
}

// ---- GGUF files we write ------------------------------------------------------------------------
GgufWriter metadata_writer(uint32_t version) {
  GgufWriter writer(version);
  writer.set("general.architecture", "bitnet");
  writer.set("general.name", std::string("interop \xe2\x9c\x93 \"quoted\""));
  writer.set("test.u8", uint8_t{255});
  writer.set("test.i8", int8_t{-128});
  writer.set("test.u16", uint16_t{65535});
  writer.set("test.i16", int16_t{-32768});
  writer.set("test.u32", uint32_t{4294967295u});
  writer.set("test.i32", int32_t{-2147483647 - 1});
  writer.set("test.f32", 0.1f);
  writer.set("test.bool", false);
  writer.set("test.u64", uint64_t{18446744073709551615ull});
  writer.set("test.i64", int64_t{-9223372036854775807ll - 1});
  writer.set("test.f64", -1e-300);
  writer.set("test.empty_string", std::string());
  writer.set("tokenizer.ggml.tokens",
             GgufValue::array(std::vector<std::string>{"<s>", "</s>", "\xe2\x96\x81hi", ""}));
  writer.set("tokenizer.ggml.scores", GgufValue::array(std::vector<float>{0.0f, -1.5f, 3.25f}));
  writer.set("tokenizer.ggml.token_type", GgufValue::array(std::vector<int32_t>{1, 3, 1, 6}));
  writer.set("test.bools", GgufValue::array(std::vector<bool>{true, false}));
  writer.set("test.u64s", GgufValue::array(std::vector<uint64_t>{0, 18446744073709551615ull}));
  writer.set("test.i16s", GgufValue::array(std::vector<int16_t>{}));
  writer.set("test.f64s", GgufValue::array(std::vector<double>{1.0 / 3.0, -2.5}));
  writer.set("test.nested",
             GgufValue::array_of_arrays(
                 {GgufValue::array(std::vector<uint8_t>{1, 2, 3}),
                  GgufValue::array(std::vector<std::string>{"x"}),
                  GgufValue::array_of_arrays({GgufValue::array(std::vector<int64_t>{-1, 1})})}));
  return writer;
}

void add_every_tensor_type(GgufWriter& writer) {
  writer.add_tensor("f32", Tensor::normal({3, 4}, 1));
  writer.add_tensor("f16", Tensor::normal({2, 5}, 2, 0, 1, DType::kF16));
  writer.add_tensor("bf16", Tensor::normal({7}, 3, 0, 1, DType::kBF16));
  writer.add_tensor("i8", Tensor::arange(-5, 5, 1, DType::kI8));
  writer.add_tensor("i32", Tensor::arange(0, 6, 1, DType::kI32).view({2, 3}));
  writer.add_tensor("i64", Tensor::arange(0, 4, 1, DType::kI64).view({2, 1, 2}));
  writer.add_tensor("f64", Tensor::normal({1, 1, 1, 3}, 4, 0, 1, DType::kF64));
  writer.add_tensor("q8_0", Tensor::normal({2, 64}, 5), GgmlType::kQ8_0);
  const TernaryTensor per_row =
      TernaryTensor::quantize(Tensor::normal({4, 256}, 6), ScaleGranularity::kPerRow);
  writer.add_ternary("tq2_0", per_row, GgmlType::kTQ2_0);
  writer.add_ternary("tq1_0", per_row, GgmlType::kTQ1_0);
  writer.add_ternary("i2_s", TernaryTensor::quantize(Tensor::normal({4, 256}, 7)), GgmlType::kI2_S);
  writer.add_raw("q4_k", GgmlType::kQ4_K, {1, 256}, std::vector<uint8_t>(144, 0x11));
}

void gguf_write(const std::string& directory) {
  std::filesystem::create_directories(directory);
  metadata_writer(3).write(directory + "/metadata_v3.gguf");
  metadata_writer(2).write(directory + "/metadata_v2.gguf");
  GgufWriter tensors(3);
  tensors.set("general.architecture", "bitnet");
  tensors.set("general.quantization_version", uint32_t{2});
  add_every_tensor_type(tensors);
  tensors.write(directory + "/tensors.gguf");
  GgufWriter aligned = metadata_writer(3);
  aligned.set_alignment(64);
  add_every_tensor_type(aligned);
  aligned.write(directory + "/everything_aligned64.gguf");
  GgufWriter empty(3);
  empty.write(directory + "/empty.gguf");
}

// ---- comparing with @huggingface/gguf's view ----------------------------------------------------
// Node prints u64/i64 as decimal strings (BigInt), non-finite floats as "NaN"/"Infinity".
bool same_scalar(GgufType type, const GgufValue& ours, const json& theirs) {
  switch (type) {
    case GgufType::kU64:
      return theirs.is_string() && theirs == std::to_string(ours.as<uint64_t>());
    case GgufType::kI64:
      return theirs.is_string() && theirs == std::to_string(ours.as<int64_t>());
    case GgufType::kBool:
      return theirs.is_boolean() && theirs.get<bool>() == ours.as<bool>();
    case GgufType::kString:
      return theirs.is_string() && theirs == ours.as_string();
    case GgufType::kF32:
    case GgufType::kF64: {
      const double value =
          type == GgufType::kF32 ? static_cast<double>(ours.as<float>()) : ours.as<double>();
      if (std::isnan(value)) return theirs == "NaN";
      if (std::isinf(value)) return theirs == (value > 0 ? "Infinity" : "-Infinity");
      return theirs.is_number() && theirs.get<double>() == value;
    }
    default:
      return theirs.is_number_integer() && theirs.get<int64_t>() == ours.as_int();
  }
}

bool same_value(const GgufValue& ours, const json& theirs) {
  if (!ours.is_array()) return same_scalar(ours.type(), ours, theirs);
  if (!theirs.is_array() || theirs.size() != ours.size()) return false;
  for (size_t index = 0; index < ours.size(); ++index) {
    if (!same_value(ours.element(index), theirs[index])) return false;
  }
  return true;
}

// `theirs`: {key: {"type": t, "subType": s, "value": v}} without the header pseudo-keys.
void compare_metadata(const GgufFile& file, const json& theirs) {
  if (theirs.size() != file.metadata().size()) {
    mismatch("{}: {} metadata entries, theirs has {}", file.path(), file.metadata().size(),
             theirs.size());
  }
  for (const GgufMetadataEntry& entry : file.metadata()) {
    if (!theirs.contains(entry.key)) {
      mismatch("{}: '{}' is missing from theirs", file.path(), entry.key);
      continue;
    }
    const json& their = theirs[entry.key];
    if (their["type"] != static_cast<uint32_t>(entry.value.type())) {
      mismatch("{}: '{}' type {} vs theirs {}", file.path(), entry.key,
               static_cast<uint32_t>(entry.value.type()), their["type"].dump());
    }
    if (entry.value.is_array() &&
        their.value("subType", -1) != static_cast<int>(entry.value.element_type())) {
      mismatch("{}: '{}' element type {} vs theirs {}", file.path(), entry.key,
               static_cast<int>(entry.value.element_type()), their.value("subType", -1));
    }
    if (!same_value(entry.value, their["value"])) {
      mismatch("{}: '{}' value {} vs theirs {}", file.path(), entry.key, entry.value.to_string(),
               their["value"].dump());
    }
  }
}

// `theirs`: [{"name", "shape": ["3", "2"], "dtype", "offset"}] with GGUF (ne) dimensions.
void compare_tensor_infos(const GgufFile& file, const json& theirs) {
  if (theirs.size() != file.tensors().size()) {
    mismatch("{}: {} tensors, theirs has {}", file.path(), file.tensors().size(), theirs.size());
    return;
  }
  for (size_t index = 0; index < theirs.size(); ++index) {
    const GgufTensorInfo& ours = file.tensors()[index];
    const json& their = theirs[index];
    json dims = json::array();
    for (const int64_t dim : ours.dims) dims.push_back(std::to_string(dim));
    if (their["name"] != ours.name || their["shape"] != dims ||
        their["dtype"] != static_cast<uint32_t>(ours.type) ||
        their["offset"] != std::to_string(ours.offset)) {
      mismatch("{}: tensor {} ours {} {} {} {} vs theirs {}", file.path(), index, ours.name,
               dims.dump(), static_cast<uint32_t>(ours.type), ours.offset, their.dump());
    }
  }
}

void gguf_check_parsed(const std::string& path, const std::string& json_path) {
  const GgufFile file = GgufFile::open(path);
  const json theirs = read_json(json_path);
  if (theirs["version"] != file.version()) mismatch("{}: version", path);
  if (theirs["tensorDataOffset"] != std::to_string(file.data_offset()) && !file.tensors().empty()) {
    mismatch("{}: data offset {} vs theirs {}", path, file.data_offset(),
             theirs["tensorDataOffset"].dump());
  }
  compare_metadata(file, theirs["metadata"]);
  compare_tensor_infos(file, theirs["tensors"]);
}

void gguf_check_built(const std::string& path, const std::string& json_path,
                      const std::string& original_path) {
  const GgufFile file = GgufFile::open(path);
  const json expected = read_json(json_path);
  compare_metadata(file, expected["metadata"]);
  compare_tensor_infos(file, expected["tensors"]);
  // Tensors node filled with known f32 values.
  const json known_values = expected.value("values", json::object());
  for (const auto& [name, values] : known_values.items()) {
    const std::vector<float> ours = file.tensor(name).to(DType::kF32).to_vector<float>();
    if (ours != values.get<std::vector<float>>()) mismatch("{}: values of '{}'", path, name);
  }
  if (!original_path.empty()) {
    const GgufFile original = GgufFile::open(original_path);
    for (const GgufTensorInfo& info : original.tensors()) {
      const std::span<const uint8_t> a = original.tensor_bytes(info.name);
      const std::span<const uint8_t> b = file.tensor_bytes(info.name);
      if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) {
        mismatch("{}: bytes of '{}' differ from {}", path, info.name, original_path);
      }
    }
  }
}

// ---- safetensors files we write -----------------------------------------------------------------
void safetensors_write(const std::string& directory) {
  std::filesystem::create_directories(directory + "/sharded");
  SafetensorsWriter dtypes;
  dtypes.set_metadata("format", "pt");
  dtypes.set_metadata("producer", "bitnet-core io_interop");
  for (const testing::FixtureTensor& fixture : testing::fixture_dtype_tensors()) {
    dtypes.add(fixture.name, testing::fixture_tensor(fixture.name, fixture.dtype, fixture.shape));
  }
  dtypes.write(directory + "/dtypes.safetensors");

  SafetensorsWriter sharded;
  sharded.set_metadata("format", "pt");
  for (int layer = 0; layer < testing::kFixtureLayers; ++layer) {
    const std::string name = "layers." + std::to_string(layer) + ".weight";
    sharded.add(name, testing::fixture_tensor(name, DType::kF32, testing::kFixtureLayerShape));
  }
  (void)sharded.write_sharded(directory + "/sharded", 256);  // 128 bytes a tensor: two shards

  Tensor trits =
      Tensor::empty({testing::kFixtureBitnetRows, testing::kFixtureBitnetCols}, DType::kI8);
  for (int64_t row = 0; row < testing::kFixtureBitnetRows; ++row) {
    for (int64_t col = 0; col < testing::kFixtureBitnetCols; ++col) {
      trits.data_as<int8_t>()[row * testing::kFixtureBitnetCols + col] =
          static_cast<int8_t>(testing::fixture_trit(row, col));
    }
  }
  const TernaryTensor weights =
      TernaryTensor::from_trits(trits, Tensor::full({1}, 1.0 / testing::kFixtureBitnetWeightScale));
  const HfBitnetPacked packed = pack_hf_bitnet_weight(weights, DType::kBF16);
  SafetensorsWriter bitnet;
  bitnet.set_metadata("format", "pt");
  bitnet.add(testing::kFixtureBitnetWeight, packed.weight);
  bitnet.add(std::string(testing::kFixtureBitnetWeight) + "_scale", packed.weight_scale);
  bitnet.write(directory + "/hf_bitnet.safetensors");
}

// ---- fuzz seeds ---------------------------------------------------------------------------------
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

void fuzz_corpus(const std::string& directory) {
  for (const char* target : {"gguf_fuzzer", "gguf_metadata_fuzzer", "safetensors_fuzzer"}) {
    std::filesystem::create_directories(directory + "/" + target);
  }
  // Small files only: seeds stay under a few KiB so mutations stay fast.
  GgufWriter tensors(3);
  tensors.set("general.architecture", "bitnet");
  tensors.add_tensor("f32", Tensor::normal({2, 3}, 1));
  tensors.add_tensor("f16", Tensor::normal({4}, 2, 0, 1, DType::kF16));
  tensors.add_tensor("bf16", Tensor::normal({2, 2}, 3, 0, 1, DType::kBF16));
  tensors.add_tensor("i8", Tensor::arange(-2, 2, 1, DType::kI8));
  tensors.add_tensor("q8_0", Tensor::normal({1, 32}, 4), GgmlType::kQ8_0);
  const TernaryTensor ternary = TernaryTensor::quantize(Tensor::normal({2, 256}, 5));
  tensors.add_ternary("tq2_0", ternary, GgmlType::kTQ2_0);
  tensors.add_ternary("tq1_0", ternary, GgmlType::kTQ1_0);
  tensors.add_ternary("i2_s", ternary, GgmlType::kI2_S);
  write_bytes(directory + "/gguf_fuzzer/tensors.gguf", tensors.to_bytes());
  GgufWriter aligned(2);
  aligned.set_alignment(8);
  aligned.add_tensor("a", Tensor::ones({3}));
  aligned.add_tensor("b", Tensor::zeros({0, 2}));
  aligned.add_raw("k", GgmlType::kQ4_K, {1, 256}, std::vector<uint8_t>(144, 1));
  write_bytes(directory + "/gguf_fuzzer/aligned_v2.gguf", aligned.to_bytes());

  GgufWriter metadata = metadata_writer(3);
  write_bytes(directory + "/gguf_metadata_fuzzer/metadata.gguf", metadata.to_bytes());
  write_bytes(directory + "/gguf_fuzzer/metadata.gguf", metadata.to_bytes());
  GgufWriter small(3);
  small.set("general.alignment", uint32_t{16});
  small.set("a.b", GgufValue::array(std::vector<std::string>{"x", "yy"}));
  small.set("c", GgufValue::array_of_arrays({GgufValue::array(std::vector<int8_t>{1})}));
  write_bytes(directory + "/gguf_metadata_fuzzer/small.gguf", small.to_bytes());

  SafetensorsWriter all;
  all.set_metadata("format", "pt");
  for (const testing::FixtureTensor& fixture : testing::fixture_dtype_tensors()) {
    all.add(fixture.name, testing::fixture_tensor(fixture.name, fixture.dtype, fixture.shape));
  }
  write_bytes(directory + "/safetensors_fuzzer/dtypes.safetensors", all.to_bytes());
  const TernaryTensor weights = TernaryTensor::quantize(Tensor::normal({8, 4}, 6));
  const HfBitnetPacked packed = pack_hf_bitnet_weight(weights);
  SafetensorsWriter bitnet;
  bitnet.add("l.weight", packed.weight);
  bitnet.add("l.weight_scale", packed.weight_scale);
  write_bytes(directory + "/safetensors_fuzzer/hf_bitnet.safetensors", bitnet.to_bytes());
}

int run(const std::vector<std::string>& arguments) {
  const std::string command = arguments.empty() ? "" : arguments[0];
  if (command == "gguf-write" && arguments.size() == 2) {
    gguf_write(arguments[1]);
  } else if (command == "gguf-check-parsed" && arguments.size() == 3) {
    gguf_check_parsed(arguments[1], arguments[2]);
  } else if (command == "gguf-check-built" && (arguments.size() == 3 || arguments.size() == 4)) {
    gguf_check_built(arguments[1], arguments[2], arguments.size() == 4 ? arguments[3] : "");
  } else if (command == "safetensors-write" && arguments.size() == 2) {
    safetensors_write(arguments[1]);
  } else if (command == "fuzz-corpus" && arguments.size() == 2) {
    fuzz_corpus(arguments[1]);
  } else {
    fmt::print(stderr,
               "usage: io_interop gguf-write DIR | gguf-check-parsed FILE JSON | "
               "gguf-check-built FILE JSON [ORIGINAL] | safetensors-write DIR | fuzz-corpus DIR\n");
    return 2;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace bitnet::interop

int main(int argc, char** argv) {
  try {
    return bitnet::interop::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& error) {
    fmt::print(stderr, "io_interop: error: {}\n", error.what());
    return 1;
  }
}

// The bodies of the libFuzzer targets (fuzz/*.cpp), shared with tests/fuzz_regression_test.cpp,
// which replays every input that ever crashed one of them (tests/data/fuzz_regressions/).
//
// Each body feeds arbitrary bytes to a reader and exercises everything reachable from the result.
// Only bitnet::Error may be thrown inside; anything else (a sanitizer report, another exception
// type, an allocation over the fuzzer's cap) is a finding. Each returns false when a round-trip
// invariant breaks, which the fuzzers turn into an abort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bitnet/io.h"

namespace bitnet::fuzz {

template <typename Action>
void tolerate(Action&& action) {
  try {
    action();
  } catch (const Error&) {
  }
}

// Reads every byte of a tensor so that an out-of-bounds view is caught by ASan.
inline uint64_t touch(const Tensor& tensor) {
  const Tensor dense = tensor.contiguous();
  const auto* bytes = static_cast<const uint8_t*>(dense.data());
  uint64_t sum = 0;
  for (int64_t index = 0; index < dense.nbytes(); ++index) sum += bytes[index];
  return sum;
}

// GgufFile on the bytes, then every tensor through tensor() or ternary().
inline bool gguf_target(const uint8_t* data, size_t size) {
  volatile uint64_t sink = 0;
  try {
    const GgufFile file =
        GgufFile::from_bytes(std::vector<uint8_t>(data, data + size), "fuzz.gguf");
    for (const GgufTensorInfo& info : file.tensors()) {
      for (const uint8_t byte : file.tensor_bytes(info.name)) sink = sink + byte;
      // Unreadable types and rows with mixed block scales are refused with an Error.
      tolerate([&] {
        if (ggml_type_traits(info.type).ternary) {
          const TernaryTensor weights = file.ternary(info.name);
          sink = sink + touch(weights.packed()) + touch(weights.scales());
        } else {
          sink = sink + touch(file.tensor(info.name));
        }
      });
    }
  } catch (const Error&) {
  }
  return true;
}

namespace detail {

inline void walk(const GgufValue& value) {
  (void)value.to_string(4);
  (void)value.type_string();
  if (!value.is_array()) {
    tolerate([&] { (void)value.as_int(); });
    return;
  }
  const size_t count = value.size();
  for (size_t index = 0; index < count && index < 4; ++index) walk(value.element(index));
  tolerate([&] { (void)value.element(count); });  // one past the end: an Error
}

template <typename T>
void read_as(const GgufFile& file, const std::string& key) {
  tolerate([&] { (void)file.get<T>(key); });
  tolerate([&] { (void)file.get_or<T>(key, T{}); });
  tolerate([&] { (void)file.get_array<T>(key); });
}

}  // namespace detail

// Every key through every typed accessor, then a write/read round trip of the whole metadata.
inline bool gguf_metadata_target(const uint8_t* data, size_t size) {
  std::optional<GgufFile> parsed;
  try {
    parsed.emplace(GgufFile::from_bytes(std::vector<uint8_t>(data, data + size), "fuzz.gguf"));
  } catch (const Error&) {
    return true;  // parse failures are gguf_target's ground
  }
  const GgufFile& file = *parsed;
  std::vector<std::string> keys;
  for (const GgufMetadataEntry& entry : file.metadata()) keys.push_back(entry.key);
  // A key that is most likely absent, taken from the input's second half.
  keys.emplace_back(reinterpret_cast<const char*>(data) + size / 2, size - size / 2);
  for (const std::string& key : keys) {
    detail::read_as<uint8_t>(file, key);
    detail::read_as<int8_t>(file, key);
    detail::read_as<uint16_t>(file, key);
    detail::read_as<int16_t>(file, key);
    detail::read_as<uint32_t>(file, key);
    detail::read_as<int32_t>(file, key);
    detail::read_as<float>(file, key);
    detail::read_as<bool>(file, key);
    detail::read_as<uint64_t>(file, key);
    detail::read_as<int64_t>(file, key);
    detail::read_as<double>(file, key);
    tolerate([&] { (void)file.get_string(key); });
    tolerate([&] { (void)file.get_int(key); });
    tolerate([&] { (void)file.get_strings(key); });
    tolerate([&] { (void)file.at(key).as_arrays(); });
    if (const GgufValue* value = file.find(key)) detail::walk(*value);
  }
  // Whatever the reader accepts, the writer writes and the reader reads back equal. An Error here
  // escapes on purpose: it is a finding.
  GgufWriter writer(file.version());
  for (const GgufMetadataEntry& entry : file.metadata()) writer.set(entry.key, entry.value);
  const GgufFile again = GgufFile::from_bytes(writer.to_bytes(), "again.gguf");
  if (again.metadata().size() != file.metadata().size()) return false;
  for (size_t index = 0; index < file.metadata().size(); ++index) {
    if (again.metadata()[index].key != file.metadata()[index].key ||
        !(again.metadata()[index].value == file.metadata()[index].value)) {
      return false;
    }
  }
  return true;
}

// SafetensorsFile and the BitNet layout on the bytes; whatever reads must round-trip through
// SafetensorsWriter with identical bytes.
inline bool safetensors_target(const uint8_t* data, size_t size) {
  std::optional<SafetensorsFile> file;
  try {
    file.emplace(
        SafetensorsFile::from_bytes(std::vector<uint8_t>(data, data + size), "fuzz.safetensors"));
  } catch (const Error&) {
    return true;
  }
  SafetensorsWriter writer;
  for (const auto& [key, value] : file->metadata()) writer.set_metadata(key, value);
  std::vector<std::pair<std::string, Tensor>> readable;
  for (const SafetensorsTensorInfo& info : file->tensors()) {
    // Unreadable dtypes and BOOL bytes other than 0/1 are refused with an Error.
    tolerate([&] {
      const Tensor tensor = file->tensor(info.name);
      (void)touch(tensor);
      readable.emplace_back(info.name, tensor);
      writer.add(info.name, tensor);
    });
  }
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::from_file(*file);
  for (const std::string& name : hf_bitnet_weights(checkpoint)) {
    tolerate([&] { (void)load_hf_bitnet_weight(checkpoint, name); });
  }
  const SafetensorsFile again = SafetensorsFile::from_bytes(writer.to_bytes(), "again.safetensors");
  if (again.metadata() != file->metadata() || again.tensors().size() != readable.size()) {
    return false;
  }
  for (const auto& [name, tensor] : readable) {
    const SafetensorsTensorInfo& info = again.tensor_info(name);
    const std::span<const uint8_t> before = file->tensor_bytes(name);
    const std::span<const uint8_t> after = again.tensor_bytes(name);
    if (info.shape != tensor.shape() || before.size() != after.size() ||
        (!before.empty() && std::memcmp(before.data(), after.data(), before.size()) != 0)) {
      return false;
    }
  }
  return true;
}

}  // namespace bitnet::fuzz

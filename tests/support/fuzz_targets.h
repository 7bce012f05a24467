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
#include <string_view>
#include <vector>

#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/tokenizer.h"
#include "support/tiny_tokenizer.h"
#include "tokenizer/utf8.h"

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

// Model::load_gguf on the bytes, then the logits of three ids (both ends of the vocabulary): a
// model the loader accepts must run, and give one finite-shaped row per id.
inline bool model_target(const uint8_t* data, size_t size) {
  volatile uint64_t sink = 0;
  try {
    const Model model = Model::load_gguf(
        GgufFile::from_bytes(std::vector<uint8_t>(data, data + size), "fuzz.gguf"));
    const int64_t vocab = model.config().vocab_size;
    const std::vector<int32_t> ids = {0, static_cast<int32_t>(vocab - 1),
                                      static_cast<int32_t>(vocab / 2)};
    const Tensor logits = model.logits(ids);
    if (logits.shape() != Shape({3, vocab}) || logits.dtype() != DType::kF32) return false;
    sink = sink + touch(logits);
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

namespace detail {

// The built-in tokenizers every input is also encoded with, so that encode/decode are fuzzed even
// when the input is no loadable tokenizer: a byte-level BPE with a few merges, two special tokens
// and a user-defined one (tokenizer.json), and a SentencePiece model with byte fallback (GGUF).
inline const Tokenizer& builtin_byte_level() {
  static const Tokenizer tokenizer = [] {
    testing::TinyBpe bpe;
    bpe.merges = {{" ", "t"},  {"h", "e"},       {" t", "he"},        {"i", "n"},
                  {" ", " "},  {"\xC3", "\xA9"}, {"e", "r"},          {"1", "2"},
                  {"12", "3"}, {"\xF0", "\x9F"}, {"\xF0\x9F", "\x98"}};
    bpe.extra_tokens = {"hello"};
    bpe.added = {{"<|begin_of_text|>", true}, {"<|eot_id|>", true}, {"<tool>", false}};
    bpe.bos = "<|begin_of_text|>";
    return bpe.from_json();
  }();
  return tokenizer;
}

inline const Tokenizer& builtin_sentence_piece() {
  static const Tokenizer tokenizer = [] {
    const std::string marker = "\xE2\x96\x81";
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    for (int byte = 0; byte < 256; ++byte) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", byte);
      tokens.emplace_back(name);
    }
    const std::pair<std::string, float> pieces[] = {
        {marker, -10}, {"a", -10}, {"b", -10},          {"e", -9},        {marker + "a", -5},
        {"ab", -1},    {"ba", -2}, {marker + "ab", -3}, {"\xC3\xA9", -4}, {marker + marker, -6},
        {"<tool>", 0}};
    std::vector<float> scores(tokens.size(), 0.0f);
    std::vector<int32_t> types(tokens.size(), 6);
    types[0] = 2;
    types[1] = types[2] = 3;
    for (const auto& [piece, score] : pieces) {
      tokens.push_back(piece);
      scores.push_back(score);
      types.push_back(piece == "<tool>" ? 4 : 1);
    }
    GgufWriter writer;
    writer.set("tokenizer.ggml.model", "llama");
    writer.set("tokenizer.ggml.tokens", GgufValue::array(tokens));
    writer.set("tokenizer.ggml.scores", GgufValue::array(scores));
    writer.set("tokenizer.ggml.token_type", GgufValue::array(types));
    writer.set("tokenizer.ggml.bos_token_id", uint32_t{1});
    writer.set("tokenizer.ggml.eos_token_id", uint32_t{2});
    writer.set("tokenizer.ggml.unknown_token_id", uint32_t{0});
    return Tokenizer::from_gguf(GgufFile::from_bytes(writer.to_bytes(), "builtin.gguf"));
  }();
  return tokenizer;
}

// Streams `ids` through a StreamingDecoder: every piece must be valid UTF-8 and all of them
// together must equal Tokenizer::decode. An id out of range is an Error from both.
inline bool streams_like_decode(const Tokenizer& tokenizer, std::span<const int32_t> ids,
                                DecodeOptions options) {
  std::optional<std::string> whole;
  tolerate([&] { whole = tokenizer.decode(ids, options); });
  StreamingDecoder stream(tokenizer, options);
  std::string joined;
  bool refused = false;
  for (const int32_t id : ids) {
    std::string piece;
    try {
      piece = stream.push(id);
    } catch (const Error&) {
      refused = true;
      break;
    }
    if (!tokenizer_detail::is_valid_utf8(piece)) return false;
    joined += piece;
  }
  if (refused) return !whole.has_value();  // both refuse the same out-of-range id
  const std::string tail = stream.finish();
  if (!tokenizer_detail::is_valid_utf8(tail)) return false;
  joined += tail;
  return whole.has_value() && *whole == joined;
}

// Whether decode(encode(text)) must give `text` back, given the ids of its own characters (no bos
// or eos): always for byte-level BPE unless an added token decodes to other bytes than its text;
// for SentencePiece unless an unknown or added token stands in for text (each added token gets a
// '▁' prefix after it), the text holds '▁' itself (it decodes to a space), or the text starts with
// a space that the form drops (Metaspace puts no '▁' in front of it, and decoding strips one).
inline bool round_trip_expected(const Tokenizer& tokenizer, std::string_view text,
                                std::span<const int32_t> ids) {
  if (!tokenizer_detail::is_valid_utf8(text)) return false;
  const bool sentence_piece = tokenizer.model_name() == "llama-spm";
  if (sentence_piece && text.find("\xE2\x96\x81") != std::string_view::npos) return false;
  if (sentence_piece && text.starts_with(' ') &&
      tokenizer.decode(tokenizer.encode(" ", {.add_bos = false, .add_eos = false})) != " ") {
    return false;
  }
  for (const int32_t id : ids) {
    const TokenKind kind = tokenizer.token_kind(id);
    if (kind == TokenKind::kNormal || kind == TokenKind::kByte) continue;
    if (sentence_piece || tokenizer.token_bytes(id) != tokenizer.token_text(id)) return false;
  }
  return true;
}

// Encode (with and without special tokens), decode (with and without them), streaming decode,
// the round trip, and decoding ids taken from the input's bytes (in range or not).
inline bool exercise_tokenizer(const Tokenizer& tokenizer, std::string_view text) {
  const int32_t vocab = tokenizer.vocab_size();
  for (const bool parse_special : {false, true}) {
    const std::vector<int32_t> ids = tokenizer.encode(text, {.parse_special = parse_special});
    for (const int32_t id : ids) {
      if (id < 0 || id >= vocab) return false;
    }
    for (const bool skip_special : {false, true}) {
      if (!tokenizer_detail::is_valid_utf8(tokenizer.decode(ids, {.skip_special = skip_special})))
        return false;
      if (!streams_like_decode(tokenizer, ids, {.skip_special = skip_special})) return false;
    }
    const std::vector<int32_t> bare = tokenizer.encode(
        text, {.add_bos = false, .add_eos = false, .parse_special = parse_special});
    if (round_trip_expected(tokenizer, text, bare) && tokenizer.decode(bare) != text) return false;
  }
  // Ids from the input: two bytes each, spread over [-1, vocab] so that both ends are refused.
  std::vector<int32_t> ids;
  for (size_t index = 0; index + 1 < text.size() && ids.size() < 64; index += 2) {
    const auto value = static_cast<uint32_t>(static_cast<uint8_t>(text[index])) << 8 |
                       static_cast<uint8_t>(text[index + 1]);
    ids.push_back(static_cast<int32_t>(value % (static_cast<uint32_t>(vocab) + 2)) - 1);
  }
  for (const bool skip_special : {false, true}) {
    if (!streams_like_decode(tokenizer, ids, {.skip_special = skip_special})) return false;
  }
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab) {
      tolerate([&] { (void)tokenizer.token_text(id); });  // an Error, never a read out of bounds
      continue;
    }
    (void)tokenizer.token_bytes(id);
    (void)tokenizer.token_kind(id);
    const std::optional<int32_t> found = tokenizer.find_token(tokenizer.token_text(id));
    if (!found || *found > id) return false;  // the first id with that text
  }
  return true;
}

}  // namespace detail

// Tokenizer loaders and encode/decode. The input is a tokenizer definition, optionally followed by
// kTokenizerTextMarker and a text: a definition starting with "GGUF" is read as a GGUF file's
// tokenizer metadata (GgufFile::from_bytes, Tokenizer::from_gguf), anything else as a
// tokenizer.json, optionally followed by kTokenizerConfigMarker and a tokenizer_config.json. The
// text (the whole input when there is no marker) is then encoded and decoded with the loaded
// tokenizer, if any, and with the built-in ones.
inline constexpr std::string_view kTokenizerTextMarker{"\0TEXT\0", 6};
inline constexpr std::string_view kTokenizerConfigMarker{"\0CONFIG\0", 8};

// The input's tokenizer definition and text (see above).
struct TokenizerInput {
  std::string_view definition;
  std::string_view text;
};

inline TokenizerInput split_tokenizer_input(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t marker = input.find(kTokenizerTextMarker);
  if (marker == std::string_view::npos) return {input, input};
  return {input.substr(0, marker), input.substr(marker + kTokenizerTextMarker.size())};
}

// Loads the definition; throws Error when it is no tokenizer we read.
inline Tokenizer load_tokenizer_definition(std::string_view definition) {
  if (definition.starts_with("GGUF")) {
    const GgufFile file = GgufFile::from_bytes(
        std::vector<uint8_t>(definition.begin(), definition.end()), "fuzz.gguf");
    return Tokenizer::from_gguf(file);
  }
  std::string_view json = definition;
  std::string_view config;
  if (const size_t marker = definition.find(kTokenizerConfigMarker);
      marker != std::string_view::npos) {
    json = definition.substr(0, marker);
    config = definition.substr(marker + kTokenizerConfigMarker.size());
  }
  return Tokenizer::from_hugging_face_json(json, config, "fuzz/tokenizer.json");
}

inline bool tokenizer_target(const uint8_t* data, size_t size) {
  const TokenizerInput input = split_tokenizer_input(data, size);
  const std::string_view text = input.text;
  std::optional<Tokenizer> loaded;
  tolerate([&] { loaded.emplace(load_tokenizer_definition(input.definition)); });
  if (loaded && !detail::exercise_tokenizer(*loaded, text)) return false;
  return detail::exercise_tokenizer(detail::builtin_byte_level(), text) &&
         detail::exercise_tokenizer(detail::builtin_sentence_piece(), text);
}

}  // namespace bitnet::fuzz

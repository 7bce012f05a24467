// tokenizer_interop: our side of the tokenizer checks against implementations we did not write
// (tests/interop/tokenizer/run.sh).
//
//   tokenizer_interop unicode-classes OUT     one byte per code point U+0000..U+10FFFF: bit 0
//   \p{L},
//                                             bit 1 \p{N}, bit 2 White_Space, as our regex engine
//                                             sees them (0x80 for surrogates)
//   tokenizer_interop gguf-write JSON OUT     a GGUF file (no tensors) holding the typed metadata
//                                             listed in JSON ([{key, type, value}])
//   tokenizer_interop check TOKENIZER_DIR GGUF CORPUS EXPECTED   (GGUF '-': none)
//                                             loads the tokenizer from
//                                             TOKENIZER_DIR/tokenizer.json, from GGUF, and from the
//                                             GGUF metadata we write for the tokenizer.json; each
//                                             must encode every corpus entry to the ids the oracles
//                                             agreed on, decode the oracles' id sequences to their
//                                             text, round-trip valid UTF-8, and stream-decode to
//                                             the same text without ever emitting half a character.
//
// Exit status 0 when every check passes; otherwise 1 with the differences on stderr.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "bitnet/io.h"
#include "bitnet/tokenizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/utf8.h"

namespace bitnet::interop {
namespace {

using nlohmann::json;

json read_json(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw Error(ErrorKind::kIo, "cannot open " + path);
  return json::parse(stream);
}

int unicode_classes(const std::string& out) {
  using tokenizer_detail::Regex;
  const Regex letter("^\\p{L}$");
  const Regex number("^\\p{N}$");
  const Regex space("^\\p{White_Space}$");
  std::string classes(0x110000, '\0');
  std::string character;
  for (char32_t code_point = 0; code_point < 0x110000; ++code_point) {
    if (code_point >= 0xD800 && code_point <= 0xDFFF) {
      classes[code_point] = '\x80';
      continue;
    }
    character.clear();
    tokenizer_detail::append_code_point(character, code_point);
    uint8_t bits = 0;
    const auto matches = [&](const Regex& regex) {
      bool found = false;
      regex.for_each_match(character, [&](size_t, size_t) { found = true; });
      return found;
    };
    if (matches(letter)) bits |= 1;
    if (matches(number)) bits |= 2;
    if (matches(space)) bits |= 4;
    classes[code_point] = static_cast<char>(bits);
  }
  std::ofstream stream(out, std::ios::binary);
  stream.write(classes.data(), static_cast<std::streamsize>(classes.size()));
  if (!stream) throw Error(ErrorKind::kIo, "cannot write " + out);
  return 0;
}

int gguf_write(const std::string& metadata_path, const std::string& out) {
  GgufWriter writer(3);
  for (const json& entry : read_json(metadata_path)) {
    const std::string key = entry.at("key");
    const std::string type = entry.at("type");
    const json& value = entry.at("value");
    if (type == "string") {
      writer.set(key, GgufValue(value.get<std::string>()));
    } else if (type == "u32") {
      writer.set(key, GgufValue(value.get<uint32_t>()));
    } else if (type == "bool") {
      writer.set(key, GgufValue(value.get<bool>()));
    } else if (type == "array[string]") {
      writer.set(key, GgufValue::array(value.get<std::vector<std::string>>()));
    } else if (type == "array[i32]") {
      writer.set(key, GgufValue::array(value.get<std::vector<int32_t>>()));
    } else if (type == "array[f32]") {
      writer.set(key, GgufValue::array(value.get<std::vector<float>>()));
    } else {
      throw Error(ErrorKind::kInvalidArgument, "gguf-write: unknown type " + type);
    }
  }
  writer.write(out);
  return 0;
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t index = 0; index + 1 < hex.size(); index += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(index, 2), nullptr, 16)));
  }
  return bytes;
}

// Text for a message: printable ASCII as is, everything else escaped; cut after 160 bytes.
std::string shown(std::string_view bytes) {
  std::string text;
  for (const char byte : bytes.substr(0, 160)) {
    const auto value = static_cast<unsigned char>(byte);
    if (value >= 0x20 && value < 0x7F && value != '\\') {
      text.push_back(byte);
    } else {
      text += fmt::format("\\x{:02x}", value);
    }
  }
  if (bytes.size() > 160) text += "...";
  return text;
}

// Where two texts part: "at byte N: 'ours...' vs 'theirs...'".
std::string difference(std::string_view ours, std::string_view theirs) {
  size_t at = 0;
  while (at < ours.size() && at < theirs.size() && ours[at] == theirs[at]) ++at;
  const size_t from = at > 20 ? at - 20 : 0;
  return fmt::format("from byte {}: '{}' vs '{}'", from, shown(ours.substr(from)),
                     shown(theirs.substr(from)));
}

struct Tally {
  int64_t entries = 0;
  int64_t ids_compared = 0;
  int64_t failures = 0;
  int64_t round_trips = 0;
  int64_t decodes = 0;
  int64_t streamed = 0;
};

template <typename... Args>
void fail(Tally& tally, fmt::format_string<Args...> format, Args&&... args) {
  if (tally.failures < 20)
    fmt::print(stderr, "mismatch: {}\n", fmt::format(format, std::forward<Args>(args)...));
  ++tally.failures;
}

// Decodes `ids` one at a time; every piece must be valid UTF-8 and the pieces must add up to
// `expected`.
void check_streaming(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                     const std::string& expected, const std::string& what, Tally& tally) {
  StreamingDecoder decoder(tokenizer);
  std::string text;
  for (const int32_t id : ids) {
    const std::string piece = decoder.push(id);
    if (!tokenizer_detail::is_valid_utf8(piece)) {
      fail(tally, "{}: streaming piece '{}' after id {} is not valid UTF-8", what, shown(piece),
           id);
    }
    text += piece;
  }
  text += decoder.finish();
  if (text != expected) {
    fail(tally, "{}: streamed text differs {}", what, difference(text, expected));
  }
  ++tally.streamed;
}

void check_tokenizer(const Tokenizer& tokenizer, const std::string& source, const json& corpus,
                     const json& expected, Tally& tally) {
  const auto bos = expected.at("bos").get<int32_t>();
  if (tokenizer.bos_id() != bos || !tokenizer.adds_bos() || tokenizer.adds_eos()) {
    fail(tally, "{}: bos {} (added: {}), the oracles' is {}", source,
         tokenizer.bos_id().value_or(-1), tokenizer.adds_bos(), bos);
  }
  const json& entries = corpus.at("entries");
  const json& encodings = expected.at("encode");
  for (size_t index = 0; index < entries.size(); ++index) {
    if (encodings.at(index).is_null()) continue;  // left out by the oracles, which print why
    const std::string label = entries[index].at("label");
    const std::string bytes = from_hex(entries[index].at("hex"));
    const std::vector<int32_t> theirs = encodings.at(index).get<std::vector<int32_t>>();
    const std::string what =
        fmt::format("{} entry {} ({}) '{}'", source, index, label, shown(bytes));

    const std::vector<int32_t> ours =
        tokenizer.encode(bytes, {.add_bos = false, .add_eos = false, .parse_special = true});
    ++tally.entries;
    tally.ids_compared += static_cast<int64_t>(theirs.size());
    if (ours != theirs) {
      fail(tally, "{}: ours [{}], theirs [{}]", what, fmt::join(ours, ","), fmt::join(theirs, ","));
      continue;
    }
    std::vector<int32_t> with_bos = {bos};
    with_bos.insert(with_bos.end(), theirs.begin(), theirs.end());
    if (tokenizer.encode(bytes, {.add_bos = true, .parse_special = true}) != with_bos) {
      fail(tally, "{}: with add_bos the ids are not bos followed by the same ids", what);
    }
    if (tokenizer_detail::is_valid_utf8(bytes)) {
      // A lossy form gives the oracle's decode(encode(x)), which drops a leading space.
      const std::string text = expected.contains("round_trip")
                                   ? expected["round_trip"].at(index).get<std::string>()
                                   : bytes;
      const std::string decoded = tokenizer.decode(ours);
      if (decoded != text)
        fail(tally, "{}: decode(encode(x)) differs {}", what, difference(decoded, text));
      ++tally.round_trips;
      check_streaming(tokenizer, ours, text, what, tally);
    }
  }
  for (const json& decode : expected.at("decode")) {
    const std::vector<int32_t> ids = decode.at("ids").get<std::vector<int32_t>>();
    const std::string text = decode.at("text");
    const std::string ours = tokenizer.decode(ids);
    if (ours != text) {
      fail(tally, "{}: decode([{}]) differs from theirs {}", source, fmt::join(ids, ","),
           difference(ours, text));
    }
    ++tally.decodes;
    check_streaming(tokenizer, ids, text,
                    fmt::format("{} decode [{}]", source, fmt::join(ids, ",")), tally);
  }
}

int check(const std::string& tokenizer_dir, const std::string& gguf_path,
          const std::string& corpus_path, const std::string& expected_path) {
  const json corpus = read_json(corpus_path);
  const json expected = read_json(expected_path);
  if (expected.at("encode").size() != corpus.at("entries").size()) {
    throw Error(ErrorKind::kInvalidArgument, "expected ids do not cover the corpus");
  }
  Tally tally;
  const auto start = std::chrono::steady_clock::now();
  const Tokenizer from_json = Tokenizer::from_hugging_face(tokenizer_dir);
  std::optional<Tokenizer> from_gguf;
  std::optional<Tokenizer> from_our_gguf;
  if (gguf_path != "-") {
    from_gguf = Tokenizer::from_gguf(gguf_path);
    // The tokenizer.json written back out as GGUF metadata by us (what `bitnet quantize` puts in
    // a converted model) must read back to the same ids.
    GgufWriter writer;
    for (GgufMetadataEntry& entry : from_json.gguf_metadata()) {
      writer.set(std::move(entry.key), std::move(entry.value));
    }
    from_our_gguf = Tokenizer::from_gguf(GgufFile::from_bytes(writer.to_bytes(), "written.gguf"));
  }
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_tokenizer(from_json, "tokenizer.json", corpus, expected, tally);
  if (from_gguf) {
    check_tokenizer(*from_gguf, "gguf", corpus, expected, tally);
    check_tokenizer(*from_our_gguf, "gguf written from tokenizer.json", corpus, expected, tally);
  }
  fmt::print(
      "{} ({}): loaded in {:.2f} s; {} encodings compared ({} ids), {} mismatching; {} "
      "decode(encode(x)) round trips, {} oracle decodes, {} streamed decodes\n",
      from_json.model_name(),
      from_gguf ? "tokenizer.json, its GGUF export and the GGUF we write from it"
                : "tokenizer.json",
      load_seconds, tally.entries, tally.ids_compared, tally.failures, tally.round_trips,
      tally.decodes, tally.streamed);
  return tally.failures == 0 ? 0 : 1;
}

int run(const std::vector<std::string>& args) {
  if (args.size() == 2 && args[0] == "unicode-classes") return unicode_classes(args[1]);
  if (args.size() == 3 && args[0] == "gguf-write") return gguf_write(args[1], args[2]);
  if (args.size() == 5 && args[0] == "check") return check(args[1], args[2], args[3], args[4]);
  fmt::print(stderr,
             "usage: tokenizer_interop unicode-classes OUT | gguf-write JSON OUT | check "
             "TOKENIZER_DIR GGUF CORPUS EXPECTED\n");
  return 2;
}

}  // namespace
}  // namespace bitnet::interop

int main(int argc, char** argv) {
  try {
    return bitnet::interop::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& error) {
    fmt::print(stderr, "tokenizer_interop: error: {}\n", error.what());
    return 1;
  }
}

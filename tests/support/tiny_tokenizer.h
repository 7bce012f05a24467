// Hand-made byte-level BPE tokenizers for the tokenizer tests, written as a tokenizer.json or as
// GGUF metadata. Ids 0..255 are the single bytes in byte order; merge results and extra tokens
// follow in the order given, then the added tokens. Merges and tokens are given as raw bytes and
// stored in the byte-level alphabet, as real files store them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bitnet/io.h"
#include "bitnet/tokenizer.h"
#include "tokenizer/byte_level.h"

namespace bitnet::testing {

struct TinyAddedToken {
  std::string text;
  bool special = true;
};

struct TinyBpe {
  std::vector<std::pair<std::string, std::string>> merges;  // raw bytes, by rank
  std::vector<std::string> extra_tokens;                    // raw bytes, reachable or not
  std::vector<TinyAddedToken> added;
  bool ignore_merges = true;
  std::optional<std::string> bos;  // an added token's text, put in front by the template

  // Stored (byte-level) texts by id: 256 bytes, merge results, extra tokens, added tokens.
  [[nodiscard]] std::vector<std::string> tokens() const {
    std::vector<std::string> stored;
    const auto add = [&](const std::string& text) {
      for (const std::string& existing : stored) {
        if (existing == text) return;
      }
      stored.push_back(text);
    };
    for (int byte = 0; byte < 256; ++byte) {
      add(tokenizer_detail::to_byte_level(std::string(1, static_cast<char>(byte))));
    }
    for (const auto& [left, right] : merges) add(tokenizer_detail::to_byte_level(left + right));
    for (const std::string& extra : extra_tokens) add(tokenizer_detail::to_byte_level(extra));
    for (const TinyAddedToken& token : added) stored.push_back(token.text);
    return stored;
  }

  [[nodiscard]] size_t normal_count() const { return tokens().size() - added.size(); }

  // The id of raw bytes (a byte, merge result or extra token) or of an added token's text.
  [[nodiscard]] int32_t id(const std::string& raw) const {
    const std::vector<std::string> stored = tokens();
    const std::string byte_level = tokenizer_detail::to_byte_level(raw);
    for (size_t index = 0; index < stored.size(); ++index) {
      const bool is_added = index >= normal_count();
      if ((is_added && stored[index] == raw) || (!is_added && stored[index] == byte_level)) {
        return static_cast<int32_t>(index);
      }
    }
    return -1;
  }

  [[nodiscard]] std::string json() const {
    const std::vector<std::string> stored = tokens();
    const size_t normal = normal_count();
    std::string vocab;
    for (size_t index = 0; index < normal; ++index) {
      vocab += (index ? "," : "") + quote(stored[index]) + ":" + std::to_string(index);
    }
    std::string merge_list;
    for (size_t index = 0; index < merges.size(); ++index) {
      merge_list += std::string(index ? "," : "") + "[" +
                    quote(tokenizer_detail::to_byte_level(merges[index].first)) + "," +
                    quote(tokenizer_detail::to_byte_level(merges[index].second)) + "]";
    }
    std::string added_list;
    for (size_t index = 0; index < added.size(); ++index) {
      added_list += std::string(index ? "," : "") + "{\"id\":" + std::to_string(normal + index) +
                    ",\"content\":" + quote(added[index].text) +
                    ",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                    "\"normalized\":false,\"special\":" +
                    (added[index].special ? "true" : "false") + "}";
    }
    const std::string post =
        bos ? "{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":" +
                  quote(*bos) + ",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]}"
            : "null";
    return "{\"version\":\"1.0\",\"added_tokens\":[" + added_list +
           "],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{"
           "\"type\":\"Split\",\"pattern\":{\"Regex\":" +
           quote(llama3_pattern()) +
           "},\"behavior\":\"Isolated\",\"invert\":false},{\"type\":\"ByteLevel\",\"add_prefix_"
           "space\":false,\"trim_offsets\":true,\"use_regex\":false}]},\"post_processor\":" +
           post +
           ",\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"dropout\":null,"
           "\"unk_token\":null,\"byte_fallback\":false,\"ignore_merges\":" +
           (ignore_merges ? "true" : "false") + ",\"vocab\":{" + vocab + "},\"merges\":[" +
           merge_list + "]}}";
  }

  [[nodiscard]] Tokenizer from_json() const { return Tokenizer::from_hugging_face_json(json()); }

  // GGUF metadata as llama.cpp's converter writes it for LLaMA-3 (added tokens: control when
  // special, user-defined otherwise).
  [[nodiscard]] GgufWriter gguf() const {
    const std::vector<std::string> stored = tokens();
    std::vector<int32_t> types(stored.size(), 1);
    for (size_t index = 0; index < added.size(); ++index) {
      types[normal_count() + index] = added[index].special ? 3 : 4;
    }
    std::vector<std::string> merge_texts;
    for (const auto& [left, right] : merges) {
      merge_texts.push_back(tokenizer_detail::to_byte_level(left) + " " +
                            tokenizer_detail::to_byte_level(right));
    }
    GgufWriter writer;
    writer.set("tokenizer.ggml.model", "gpt2");
    writer.set("tokenizer.ggml.pre", "llama-bpe");
    writer.set("tokenizer.ggml.tokens", GgufValue::array(stored));
    writer.set("tokenizer.ggml.token_type", GgufValue::array(types));
    writer.set("tokenizer.ggml.merges", GgufValue::array(merge_texts));
    if (bos) writer.set("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(id(*bos)));
    writer.set("tokenizer.ggml.add_bos_token", bos.has_value());
    return writer;
  }

  [[nodiscard]] static Tokenizer from_writer(const GgufWriter& writer) {
    return Tokenizer::from_gguf(GgufFile::from_bytes(writer.to_bytes(), "tiny.gguf"));
  }
  [[nodiscard]] Tokenizer from_gguf() const { return from_writer(gguf()); }

  [[nodiscard]] static std::string llama3_pattern() {
    return "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
           "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  }

  // A JSON string literal of UTF-8 text.
  [[nodiscard]] static std::string quote(const std::string& text) {
    std::string quoted = "\"";
    for (const char character : text) {
      const auto byte = static_cast<unsigned char>(character);
      if (character == '"' || character == '\\') {
        quoted += '\\';
        quoted += character;
      } else if (byte < 0x20) {
        char escape[8];
        std::snprintf(escape, sizeof escape, "\\u%04x", byte);
        quoted += escape;
      } else {
        quoted += character;
      }
    }
    return quoted + "\"";
  }
};

}  // namespace bitnet::testing

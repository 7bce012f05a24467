// Tokenizer::from_gguf: the tokenizer.ggml.* metadata that llama.cpp's converter writes.
#include <algorithm>
#include <array>

#include "bitnet/io.h"
#include "bitnet/tokenizer.h"
#include "core/raise.h"
#include "tokenizer/tokenizer_data.h"

namespace bitnet {
namespace {

using tokenizer_detail::ByteLevelBpeSpec;

// llama.cpp's names for the LLaMA-3 pre-tokenizer (convert_hf_to_gguf writes "llama-bpe").
constexpr std::array<std::string_view, 3> kLlama3PreTokenizers = {"llama-bpe", "llama3",
                                                                  "llama-v3"};

std::optional<std::string> read_chat_template(const GgufFile& file) {
  if (!file.contains("tokenizer.chat_template")) return std::nullopt;
  return file.get_string("tokenizer.chat_template");
}

std::optional<int32_t> optional_id(const GgufFile& file, std::string_view key) {
  if (!file.contains(key)) return std::nullopt;
  const int64_t id = file.get_int(key);
  if (id < 0 || id > INT32_MAX) {
    raise(ErrorKind::kInvalidArgument, "{}: metadata '{}': token id {} is out of range",
          file.path(), key, id);
  }
  return static_cast<int32_t>(id);
}

std::vector<TokenKind> token_kinds(const GgufFile& file, size_t count) {
  std::vector<TokenKind> kinds(count, TokenKind::kNormal);
  const GgufValue* types = file.find("tokenizer.ggml.token_type");
  if (types == nullptr) return kinds;
  if (!types->is_array() || types->size() != count) {
    raise(ErrorKind::kInvalidArgument,
          "{}: metadata 'tokenizer.ggml.token_type' must be an array of {} integers (one per "
          "token), not {}",
          file.path(), count, types->type_string());
  }
  for (size_t index = 0; index < count; ++index) {
    const int64_t type = types->element(index).as_int();
    if (type < static_cast<int64_t>(TokenKind::kNormal) ||
        type > static_cast<int64_t>(TokenKind::kByte)) {
      raise(ErrorKind::kInvalidArgument,
            "{}: metadata 'tokenizer.ggml.token_type': token {} has type {} (known: 1 to 6)",
            file.path(), index, type);
    }
    kinds[index] = static_cast<TokenKind>(type);
  }
  return kinds;
}

// tokenizer.ggml.model = "llama": LLaMA-2's SentencePiece BPE with piece scores.
Tokenizer sentence_piece_from_gguf(const GgufFile& file) {
  if (file.contains("tokenizer.ggml.pre")) {
    const std::string pre = file.get_string("tokenizer.ggml.pre");
    if (pre != "default") {
      raise(ErrorKind::kUnsupported,
            "{}: pre-tokenizer '{}' is not supported with tokenizer model 'llama' (supported: "
            "'default')",
            file.path(), pre);
    }
  }
  tokenizer_detail::SentencePieceSpec spec;
  spec.source = file.path();
  spec.tokens = file.get_strings("tokenizer.ggml.tokens");
  spec.kinds = token_kinds(file, spec.tokens.size());
  spec.scores = file.get_array<float>("tokenizer.ggml.scores");
  if (spec.scores.size() != spec.tokens.size()) {
    raise(ErrorKind::kInvalidArgument,
          "{}: metadata 'tokenizer.ggml.scores' has {} scores for {} tokens", file.path(),
          spec.scores.size(), spec.tokens.size());
  }
  spec.bos = optional_id(file, "tokenizer.ggml.bos_token_id");
  spec.eos = optional_id(file, "tokenizer.ggml.eos_token_id");
  spec.eot = optional_id(file, "tokenizer.ggml.eot_token_id");
  spec.pad = optional_id(file, "tokenizer.ggml.padding_token_id");
  spec.unknown = optional_id(file, "tokenizer.ggml.unknown_token_id");
  // llama.cpp's defaults for SentencePiece models.
  spec.add_bos = file.get_or<bool>("tokenizer.ggml.add_bos_token", true);
  spec.add_eos = file.get_or<bool>("tokenizer.ggml.add_eos_token", false);
  spec.space_prefix = file.get_or<bool>("tokenizer.ggml.add_space_prefix", true)
                          ? tokenizer_detail::SpacePrefix::kEveryRun
                          : tokenizer_detail::SpacePrefix::kNone;
  spec.chat_template = read_chat_template(file);
  return Tokenizer(tokenizer_detail::build_sentence_piece(std::move(spec)));
}

}  // namespace

Tokenizer Tokenizer::from_gguf(const std::string& path) {
  return from_gguf(GgufFile::open(path));
}

Tokenizer Tokenizer::from_gguf(const GgufFile& file) {
  if (!file.contains("tokenizer.ggml.model")) {
    raise(ErrorKind::kInvalidArgument,
          "{}: no tokenizer: metadata 'tokenizer.ggml.model' is missing", file.path());
  }
  const std::string model = file.get_string("tokenizer.ggml.model");
  if (model == "llama") return sentence_piece_from_gguf(file);
  if (model != "gpt2") {
    raise(ErrorKind::kUnsupported,
          "{}: tokenizer model '{}' is not supported (supported: 'gpt2' byte-level BPE with "
          "pre-tokenizer 'llama-bpe' or 'llama3', 'llama' SentencePiece)",
          file.path(), model);
  }
  if (!file.contains("tokenizer.ggml.pre")) {
    raise(ErrorKind::kUnsupported,
          "{}: metadata 'tokenizer.ggml.pre' is missing: the pre-tokenizer of this 'gpt2' "
          "tokenizer is unknown (supported: 'llama-bpe', 'llama3')",
          file.path());
  }
  const std::string pre = file.get_string("tokenizer.ggml.pre");
  if (std::find(kLlama3PreTokenizers.begin(), kLlama3PreTokenizers.end(), pre) ==
      kLlama3PreTokenizers.end()) {
    raise(ErrorKind::kUnsupported,
          "{}: pre-tokenizer '{}' is not supported (supported: 'llama-bpe', 'llama3')", file.path(),
          pre);
  }

  ByteLevelBpeSpec spec;
  spec.source = file.path();
  spec.tokens = file.get_strings("tokenizer.ggml.tokens");
  spec.kinds = token_kinds(file, spec.tokens.size());
  const std::vector<std::string> merges = file.get_strings("tokenizer.ggml.merges");
  spec.merges.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string& merge = merges[rank];
    // Byte-level tokens never hold a space (it is 'Ġ'), so the first space after the first
    // character separates the two parts.
    const size_t space = merge.find(' ', 1);
    if (space == std::string::npos) {
      raise(ErrorKind::kInvalidArgument,
            "{}: metadata 'tokenizer.ggml.merges': merge {} '{}' is not two tokens separated by a "
            "space",
            file.path(), rank, merge);
    }
    spec.merges.emplace_back(merge.substr(0, space), merge.substr(space + 1));
  }
  spec.bos = optional_id(file, "tokenizer.ggml.bos_token_id");
  spec.eos = optional_id(file, "tokenizer.ggml.eos_token_id");
  spec.eot = optional_id(file, "tokenizer.ggml.eot_token_id");
  spec.pad = optional_id(file, "tokenizer.ggml.padding_token_id");
  // llama.cpp's defaults for the LLaMA-3 pre-tokenizer: bos in front, no eos, no merging of a
  // piece that is a token of its own.
  spec.add_bos = file.get_or<bool>("tokenizer.ggml.add_bos_token", true);
  spec.add_eos = file.get_or<bool>("tokenizer.ggml.add_eos_token", false);
  spec.ignore_merges = true;
  spec.chat_template = read_chat_template(file);
  if (!spec.eot) {
    // Older conversions name no end-of-turn id; LLaMA-3's is the control token <|eot_id|>.
    for (size_t index = 0; index < spec.tokens.size(); ++index) {
      if (spec.tokens[index] == "<|eot_id|>" && spec.kinds[index] == TokenKind::kControl) {
        spec.eot = static_cast<int32_t>(index);
      }
    }
  }
  return Tokenizer(tokenizer_detail::build_byte_level_bpe(std::move(spec)));
}

}  // namespace bitnet

// Text to token ids and back, for the tokenizers BitNet b1.58 models use:
//   - LLaMA-3 byte-level BPE (GGUF tokenizer.ggml.model = "gpt2" with tokenizer.ggml.pre =
//     "llama-bpe" or "llama3", or a Hugging Face tokenizer.json whose model is BPE over ByteLevel);
//   - LLaMA-2 SentencePiece BPE (GGUF tokenizer.ggml.model = "llama" with scores, or a
//     tokenizer.json whose BPE model has byte fallback after the '▁' normalizer).
//
// Encoding follows Hugging Face tokenizers: added tokens are cut out of the text first (special
// ones only when asked), the rest is split by the LLaMA-3 pre-tokenizer pattern (PCRE2 with Unicode
// properties) and each piece's UTF-8 bytes are merged by rank, or for SentencePiece spaces become
// '▁' and characters are merged; the beginning-of-text id is put in front when the model asks.
// Decoding reassembles the bytes of all tokens and renders invalid UTF-8 as U+FFFD per maximal
// invalid subsequence, as Rust's String::from_utf8_lossy does; SentencePiece also turns '▁' back
// into spaces and drops the one space its prefix added. docs/TOKENIZER.md has the details.
//
// A Tokenizer is immutable after loading and safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bitnet/chat_template.h"
#include "bitnet/error.h"

namespace bitnet {

class GgufFile;
struct GgufMetadataEntry;

namespace tokenizer_detail {
struct TokenizerData;
}

// What a token stands for (GGUF's tokenizer.ggml.token_type, numbered as there).
enum class TokenKind : uint8_t {
  kNormal = 1,       // text learned by the model: bytes merged by BPE
  kUnknown = 2,      // the unknown token
  kControl = 3,      // a special token (<|begin_of_text|>): matched in text only on request
  kUserDefined = 4,  // an added token that is not special: always matched in text
  kUnused = 5,       // a reserved slot; never produced by encoding
  kByte = 6,         // a SentencePiece byte-fallback token <0xNN>
};

struct EncodeOptions {
  // Put the beginning-of-text id in front when the tokenizer's model does (add_bos).
  bool add_bos = true;
  // Append the end-of-text id when the tokenizer's model does (add_eos; LLaMA-3 does not).
  bool add_eos = true;
  // Match special (control) tokens written in the text, e.g. "<|eot_id|>"; when false such text is
  // encoded as ordinary characters.
  bool parse_special = false;
};

struct DecodeOptions {
  // Leave out control tokens (<|begin_of_text|>, <|eot_id|>) instead of printing their text.
  bool skip_special = false;
};

class Tokenizer {
 public:
  // From a GGUF file's tokenizer.ggml.* metadata. Throws Error naming the file, the key and the
  // problem, or naming the tokenizer model / pre-tokenizer this build does not support.
  [[nodiscard]] static Tokenizer from_gguf(const GgufFile& file);
  [[nodiscard]] static Tokenizer from_gguf(const std::string& path);
  // From a Hugging Face tokenizer.json, or a folder that holds one (its tokenizer_config.json, when
  // present, names the bos/eos tokens). Throws Error naming the file and the unsupported model,
  // normalizer, pre-tokenizer, decoder or field.
  [[nodiscard]] static Tokenizer from_hugging_face(const std::string& path);
  // The same from the text of a tokenizer.json (and, when not empty, of a tokenizer_config.json);
  // `name` stands for the file in messages.
  [[nodiscard]] static Tokenizer from_hugging_face_json(std::string_view tokenizer_json,
                                                        std::string_view config_json = {},
                                                        std::string name = "tokenizer.json");

  // `text` is UTF-8; invalid sequences are read as U+FFFD (one per maximal invalid subsequence).
  [[nodiscard]] std::vector<int32_t> encode(std::string_view text,
                                            const EncodeOptions& options = {}) const;
  // Throws Error(kIndexOutOfRange) naming an id outside [0, vocab_size()).
  [[nodiscard]] std::string decode(std::span<const int32_t> ids,
                                   const DecodeOptions& options = {}) const;
  // The raw bytes of one token (control tokens: their text), possibly not valid UTF-8 on its own.
  [[nodiscard]] std::string token_bytes(int32_t id) const;

  [[nodiscard]] int32_t vocab_size() const noexcept;
  // The token's text as stored in the model (byte-level form for BPE: "Ġthe").
  [[nodiscard]] const std::string& token_text(int32_t id) const;
  [[nodiscard]] TokenKind token_kind(int32_t id) const;
  // The id of a token given in its stored form, or nullopt.
  [[nodiscard]] std::optional<int32_t> find_token(std::string_view text) const;

  [[nodiscard]] std::optional<int32_t> bos_id() const noexcept;
  [[nodiscard]] std::optional<int32_t> eos_id() const noexcept;
  [[nodiscard]] std::optional<int32_t> eot_id() const noexcept;
  [[nodiscard]] std::optional<int32_t> pad_id() const noexcept;
  // Whether encode() puts bos_id() in front (when EncodeOptions::add_bos is set).
  [[nodiscard]] bool adds_bos() const noexcept;
  [[nodiscard]] bool adds_eos() const noexcept;
  // "llama3-bpe" (byte-level BPE) or "llama-spm" (SentencePiece BPE).
  [[nodiscard]] std::string_view model_name() const noexcept;
  // Whether decoding drops one leading space: the '▁' SentencePiece put in front of the text.
  [[nodiscard]] bool strips_leading_space() const noexcept;

  // The model's Jinja chat template (GGUF tokenizer.chat_template, or chat_template in
  // tokenizer_config.json), when its files carry one.
  [[nodiscard]] const std::optional<std::string>& chat_template() const noexcept;
  // `messages` as a prompt in the model's chat format (ChatTemplate::recognize on chat_template(),
  // bos_token standing for the bos token's text); encode it with {.add_bos = false,
  // .parse_special = true}. Throws Error(kUnsupported) when the model has no chat template or an
  // unknown one.
  [[nodiscard]] std::string apply_chat_template(std::span<const ChatMessage> messages,
                                                bool add_generation_prompt) const;
  // The ids of apply_chat_template's prompt, encoded as it must be: special tokens read, and no
  // bos put in front (the template writes its own; a second one degrades the model's answers).
  [[nodiscard]] std::vector<int32_t> encode_chat(std::span<const ChatMessage> messages,
                                                 bool add_generation_prompt) const;

  // The tokenizer as llama.cpp's tokenizer.ggml.* GGUF metadata (what from_gguf reads back to the
  // same ids): byte-level BPE as model "gpt2", pre-tokenizer "llama-bpe", with its merges;
  // SentencePiece as model "llama" with piece scores (from a tokenizer.json's ranked merges, each
  // piece scores minus the rank of the first merge that makes it). Throws Error(kUnsupported) for
  // what GGUF cannot say: byte-level BPE without ignore_merges, SentencePiece in the Metaspace
  // form.
  [[nodiscard]] std::vector<GgufMetadataEntry> gguf_metadata() const;

  // For the loaders; use the factories above.
  explicit Tokenizer(std::shared_ptr<const tokenizer_detail::TokenizerData> data);

 private:
  std::shared_ptr<const tokenizer_detail::TokenizerData> data_;
};

// Decodes ids one at a time for printing as they are generated: push() returns the text that is
// complete so far and holds back the bytes of a UTF-8 character still missing its tail, so the
// output never contains half a character. The concatenation of all push() results and finish()
// equals Tokenizer::decode of all ids.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, DecodeOptions options = {});
  [[nodiscard]] std::string push(int32_t id);
  // Renders held-back bytes (an incomplete character at the end) as U+FFFD and resets.
  [[nodiscard]] std::string finish();

 private:
  std::string strip_first_space(std::string text);
  const Tokenizer* tokenizer_;
  DecodeOptions options_;
  std::string pending_;   // bytes that may still become a complete character
  bool started_ = false;  // whether any text has come out yet
};

}  // namespace bitnet

// Tokenizer: encode and decode over the loaded tables (tokenizer_data.h).
#include "bitnet/tokenizer.h"

#include "core/raise.h"
#include "tokenizer/tokenizer_data.h"
#include "tokenizer/utf8.h"

namespace bitnet {

using tokenizer_detail::Segment;
using tokenizer_detail::TokenizerData;

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerData> data) : data_(std::move(data)) {}

namespace {

// The ids of one pre-tokenized piece: with ignore_merges (LLaMA-3) the whole piece when it is a
// token of its own, even where the merges would have split it; else the cached or merged ids.
void encode_piece(const TokenizerData& data, std::string_view piece, std::vector<int32_t>& ids) {
  if (data.ignore_merges) {
    if (const std::optional<int32_t> whole = data.vocabulary.find_bytes(piece)) {
      ids.push_back(*whole);
      return;
    }
  }
  if (data.cache.find(piece, ids)) return;
  const size_t first = ids.size();
  data.merger.merge(piece, ids);
  data.cache.insert(piece,
                    std::vector<int32_t>(ids.begin() + static_cast<ptrdiff_t>(first), ids.end()));
}

}  // namespace

std::vector<int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  const TokenizerData& data = *data_;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  if (options.add_bos && data.add_bos) ids.push_back(*data.bos);

  // The regex engine needs valid UTF-8; invalid bytes are read as U+FFFD, as a Hugging Face
  // tokenizer sees text that was decoded with from_utf8_lossy.
  std::string repaired;
  if (!tokenizer_detail::is_valid_utf8(text)) {
    repaired = tokenizer_detail::lossy_utf8(text);
    text = repaired;
  }

  std::vector<Segment> segments;
  if (data.added_tokens.empty()) {
    segments.push_back({text, -1});
  } else {
    data.added_tokens.split(text, options.parse_special, segments);
  }
  std::vector<std::string_view> pieces;
  for (const Segment& segment : segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
    } else if (data.sentence_piece) {
      // Whether the run starts the text decides its '▁' prefix under Metaspace's "first".
      const bool first_run = segment.text.data() == text.data();
      data.sentence_piece->encode(segment.text, first_run, ids, data.cache);
    } else {
      pieces.clear();
      data.pre_tokenizer->split(segment.text, pieces);
      for (const std::string_view piece : pieces) encode_piece(data, piece, ids);
    }
  }

  if (options.add_eos && data.add_eos) ids.push_back(*data.eos);
  return ids;
}

std::string Tokenizer::token_bytes(int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    raise(ErrorKind::kIndexOutOfRange,
          "tokenizer: token id {} is outside the vocabulary of {} tokens", id, vocab_size());
  }
  return data_->vocabulary.bytes(id);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  const tokenizer_detail::Vocabulary& vocabulary = data_->vocabulary;
  std::string bytes;
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocabulary.size()) {
      raise(ErrorKind::kIndexOutOfRange,
            "tokenizer: token id {} is outside the vocabulary of {} tokens", id, vocabulary.size());
    }
    if (options.skip_special && vocabulary.kind(id) == TokenKind::kControl) continue;
    bytes += vocabulary.bytes(id);
  }
  // Bytes of all tokens first, then one repair: a character split across tokens is whole again.
  std::string text = tokenizer_detail::lossy_utf8(bytes);
  if (strips_leading_space() && text.starts_with(' ')) text.erase(0, 1);
  return text;
}

bool Tokenizer::strips_leading_space() const noexcept {
  return data_->sentence_piece && data_->sentence_piece->adds_space_prefix();
}

int32_t Tokenizer::vocab_size() const noexcept {
  return data_->vocabulary.size();
}

const std::string& Tokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    raise(ErrorKind::kIndexOutOfRange,
          "tokenizer: token id {} is outside the vocabulary of {} tokens", id, vocab_size());
  }
  return data_->vocabulary.text(id);
}

TokenKind Tokenizer::token_kind(int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    raise(ErrorKind::kIndexOutOfRange,
          "tokenizer: token id {} is outside the vocabulary of {} tokens", id, vocab_size());
  }
  return data_->vocabulary.kind(id);
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  return data_->vocabulary.find_text(text);
}

std::optional<int32_t> Tokenizer::bos_id() const noexcept {
  return data_->bos;
}
std::optional<int32_t> Tokenizer::eos_id() const noexcept {
  return data_->eos;
}
std::optional<int32_t> Tokenizer::eot_id() const noexcept {
  return data_->eot;
}
std::optional<int32_t> Tokenizer::pad_id() const noexcept {
  return data_->pad;
}
bool Tokenizer::adds_bos() const noexcept {
  return data_->add_bos;
}
bool Tokenizer::adds_eos() const noexcept {
  return data_->add_eos;
}
std::string_view Tokenizer::model_name() const noexcept {
  return data_->model_name;
}

const std::optional<std::string>& Tokenizer::chat_template() const noexcept {
  return data_->chat_template;
}

std::string Tokenizer::apply_chat_template(std::span<const ChatMessage> messages,
                                           bool add_generation_prompt) const {
  if (!data_->chat_template) {
    raise(ErrorKind::kUnsupported,
          "tokenizer: the model has no chat template (tokenizer.chat_template); use "
          "--no-chat-template to give the prompt as plain text");
  }
  const std::string bos = data_->bos ? data_->vocabulary.text(*data_->bos) : std::string();
  return ChatTemplate::recognize(*data_->chat_template, bos).apply(messages, add_generation_prompt);
}

std::vector<int32_t> Tokenizer::encode_chat(std::span<const ChatMessage> messages,
                                            bool add_generation_prompt) const {
  return encode(apply_chat_template(messages, add_generation_prompt),
                {.add_bos = false, .parse_special = true});
}

}  // namespace bitnet

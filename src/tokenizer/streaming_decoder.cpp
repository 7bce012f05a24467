// StreamingDecoder: the bytes of a character can arrive in several tokens (an emoji is often three
// byte tokens), so a tail that is a well-formed prefix still missing its last bytes waits for the
// next token. Everything before it is final: the repair of a byte never depends on later bytes
// except through such a tail, which is why the pieces add up to Tokenizer::decode.
#include "bitnet/tokenizer.h"
#include "tokenizer/utf8.h"

namespace bitnet {

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(&tokenizer), options_(options) {}

std::string StreamingDecoder::push(int32_t id) {
  const std::string bytes = tokenizer_->token_bytes(id);
  if (options_.skip_special && tokenizer_->token_kind(id) == TokenKind::kControl) return {};
  pending_ += bytes;
  std::string text;
  const size_t consumed =
      tokenizer_detail::append_lossy_utf8(text, pending_, /*hold_incomplete=*/true);
  pending_.erase(0, consumed);
  return strip_first_space(std::move(text));
}

std::string StreamingDecoder::finish() {
  std::string text = strip_first_space(tokenizer_detail::lossy_utf8(pending_));
  pending_.clear();
  started_ = false;
  return text;
}

std::string StreamingDecoder::strip_first_space(std::string text) {
  // The space SentencePiece put in front of the text is dropped once, from the first text out.
  if (started_ || text.empty()) return text;
  started_ = true;
  if (tokenizer_->strips_leading_space() && text.front() == ' ') text.erase(0, 1);
  return text;
}

}  // namespace bitnet

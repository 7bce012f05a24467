#include "tokenizer/vocabulary.h"

namespace bitnet::tokenizer_detail {

void Vocabulary::add(std::string text, TokenKind kind, std::string bytes, bool mergeable) {
  const int32_t id = size();
  by_text_.try_emplace(text, id);
  if (mergeable) by_bytes_.try_emplace(bytes, id);
  texts_.push_back(std::move(text));
  bytes_.push_back(std::move(bytes));
  kinds_.push_back(kind);
}

std::optional<int32_t> Vocabulary::find_text(std::string_view text) const {
  const auto found = by_text_.find(text);
  if (found == by_text_.end()) return std::nullopt;
  return found->second;
}

std::optional<int32_t> Vocabulary::find_bytes(std::string_view bytes) const {
  const auto found = by_bytes_.find(bytes);
  if (found == by_bytes_.end()) return std::nullopt;
  return found->second;
}

}  // namespace bitnet::tokenizer_detail

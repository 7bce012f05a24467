#include "tokenizer/added_tokens.h"

#include <algorithm>

namespace bitnet::tokenizer_detail {

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) {
  for (AddedToken& token : tokens) {
    if (!token.text.empty()) tokens_.push_back(std::move(token));
  }
  for (uint32_t index = 0; index < tokens_.size(); ++index) {
    by_first_byte_[static_cast<uint8_t>(tokens_[index].text[0])].push_back(index);
  }
  for (std::vector<uint32_t>& candidates : by_first_byte_) {
    // Longest first; equal lengths by id, so that a duplicate text resolves to its first id.
    std::stable_sort(candidates.begin(), candidates.end(), [&](uint32_t a, uint32_t b) {
      if (tokens_[a].text.size() != tokens_[b].text.size()) {
        return tokens_[a].text.size() > tokens_[b].text.size();
      }
      return tokens_[a].id < tokens_[b].id;
    });
  }
}

void AddedTokenMatcher::split(std::string_view text, bool parse_special,
                              std::vector<Segment>& segments) const {
  // A token from a file may be any bytes, even a lone UTF-8 continuation byte; matching only whole
  // characters keeps every text segment valid UTF-8 for the pre-tokenizer.
  const auto at_boundary = [&](size_t offset) {
    return offset >= text.size() || (static_cast<uint8_t>(text[offset]) & 0xC0) != 0x80;
  };
  size_t segment_start = 0;
  size_t position = 0;
  while (position < text.size()) {
    const AddedToken* match = nullptr;
    const std::vector<uint32_t>& candidates = by_first_byte_[static_cast<uint8_t>(text[position])];
    if (!candidates.empty() && at_boundary(position)) {
      for (const uint32_t index : candidates) {
        const AddedToken& token = tokens_[index];
        if (token.special && !parse_special) continue;
        if (text.substr(position).starts_with(token.text) &&
            at_boundary(position + token.text.size())) {
          match = &token;
          break;
        }
      }
    }
    if (match == nullptr) {
      ++position;
      continue;
    }
    if (position > segment_start) {
      segments.push_back({text.substr(segment_start, position - segment_start), -1});
    }
    segments.push_back({text.substr(position, match->text.size()), match->id});
    position += match->text.size();
    segment_start = position;
  }
  if (segment_start < text.size()) segments.push_back({text.substr(segment_start), -1});
}

}  // namespace bitnet::tokenizer_detail

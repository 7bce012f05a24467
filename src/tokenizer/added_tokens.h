// Added tokens (special and user-defined) found in text before pre-tokenization, so that
// "<|eot_id|>" becomes one id instead of seven pieces. Matching is leftmost-longest, as Hugging
// Face's added-vocabulary matcher: at the first position where any token starts, the longest one
// that matches there wins.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bitnet::tokenizer_detail {

struct AddedToken {
  std::string text;
  int32_t id;
  bool special;  // matched only when special tokens are parsed
};

// A part of the input: either text to tokenize (id < 0) or an added token.
struct Segment {
  std::string_view text;
  int32_t id;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // Empty texts are ignored.
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  // Cuts `text` into text segments and added tokens; special tokens only with `parse_special`.
  void split(std::string_view text, bool parse_special, std::vector<Segment>& segments) const;

  [[nodiscard]] bool empty() const noexcept { return tokens_.empty(); }

 private:
  std::vector<AddedToken> tokens_;
  // For each first byte, the tokens starting with it, longest first.
  std::array<std::vector<uint32_t>, 256> by_first_byte_;
};

}  // namespace bitnet::tokenizer_detail

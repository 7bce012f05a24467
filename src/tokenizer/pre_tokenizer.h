// The pre-tokenizer: cuts text into the pieces that BPE merges within (never across).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "tokenizer/regex.h"

namespace bitnet::tokenizer_detail {

// The LLaMA-3 split pattern exactly as tokenizer.json files write it (Hugging Face's Split
// pre-tokenizer, Onig syntax). A file with this pattern gets our PCRE2 form of it below.
inline constexpr std::string_view kLlama3SplitPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

class PreTokenizer {
 public:
  // The LLaMA-3 pre-tokenizer: contractions, letter runs with one leading non-letter, digit runs of
  // at most three, punctuation runs with an optional leading space and trailing newlines, and the
  // whitespace rules (a run of spaces leaves its last one to the word that follows). The pattern
  // is compiled once per process and shared by every tokenizer loaded (matching is thread-safe).
  [[nodiscard]] static PreTokenizer llama3();

  // The pieces of `text` (valid UTF-8) in order; together they are exactly `text`.
  void split(std::string_view text, std::vector<std::string_view>& pieces) const;

 private:
  explicit PreTokenizer(std::shared_ptr<const Regex> regex) : regex_(std::move(regex)) {}
  std::shared_ptr<const Regex> regex_;
};

}  // namespace bitnet::tokenizer_detail

#include "tokenizer/pre_tokenizer.h"

#include <string>

namespace bitnet::tokenizer_detail {
namespace {

// kLlama3SplitPattern for PCRE2, with two deliberate changes:
//   - \s is the Unicode White_Space property (as in Rust's regex and Oniguruma, which the
//     reference implementations use; PCRE2's own \s leaves out U+0085 NEXT LINE);
//   - the case-insensitive contractions match ASCII letters only, as the JavaScript ports and
//     llama.cpp do (a Unicode-caseless 's' would also take U+017F LATIN SMALL LETTER LONG S).
constexpr std::string_view kLlama3Pcre2Pattern =
    "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]"
    "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
    "|\\p{N}{1,3}"
    "| ?[^\\p{White_Space}\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\p{White_Space}*[\\r\\n]+"
    "|\\p{White_Space}+(?!\\P{White_Space})"
    "|\\p{White_Space}+";

}  // namespace

PreTokenizer PreTokenizer::llama3() {
  // Compiling and JIT-compiling the pattern takes longer than loading a small tokenizer.
  static const auto compiled = std::make_shared<const Regex>(std::string(kLlama3Pcre2Pattern));
  return PreTokenizer(compiled);
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  // Hugging Face's "Isolated" behaviour: every match is a piece, and so is any text between
  // matches (the LLaMA-3 pattern matches every character, so there is none in practice).
  size_t previous = 0;
  regex_->for_each_match(text, [&](size_t begin, size_t end) {
    if (begin > previous) pieces.push_back(text.substr(previous, begin - previous));
    pieces.push_back(text.substr(begin, end - begin));
    previous = end;
  });
  if (previous < text.size()) pieces.push_back(text.substr(previous));
}

}  // namespace bitnet::tokenizer_detail

// The LLaMA-3 pre-tokenizer split: contractions, letter runs, digit runs of at most three,
// punctuation and the whitespace rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/pre_tokenizer.h"

namespace bitnet::tokenizer_detail {
namespace {

std::vector<std::string> split(std::string_view text) {
  static const PreTokenizer pre_tokenizer = PreTokenizer::llama3();
  std::vector<std::string_view> pieces;
  pre_tokenizer.split(text, pieces);
  return {pieces.begin(), pieces.end()};
}

using Pieces = std::vector<std::string>;

TEST(TokenizerPreTokenizer, WordsKeepTheirLeadingSpace) {
  EXPECT_EQ(split("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(split("a ...b"), (Pieces{"a", " ...", "b"}));
  EXPECT_EQ(split("\xE4\xBD\xA0\xE5\xA5\xBD \xE4\xB8\x96\xE7\x95\x8C"),
            (Pieces{"\xE4\xBD\xA0\xE5\xA5\xBD", " \xE4\xB8\x96\xE7\x95\x8C"}));
  // One non-letter, non-digit, non-newline character joins the letters after it.
  EXPECT_EQ(split("(hello)"), (Pieces{"(hello", ")"}));
}

TEST(TokenizerPreTokenizer, ContractionsInAnyAsciiCase) {
  EXPECT_EQ(split("I'm"), (Pieces{"I", "'m"}));
  EXPECT_EQ(split("DON'T"), (Pieces{"DON", "'T"}));
  EXPECT_EQ(split("we'Ll they'rE"), (Pieces{"we", "'Ll", " they", "'rE"}));
  EXPECT_EQ(split("it'sx"), (Pieces{"it", "'s", "x"}));
  // U+017F LATIN SMALL LETTER LONG S is not an 's' here (ASCII case only, as llama.cpp and the
  // JavaScript ports): "'ſx" stays one piece instead of "'ſ" + "x".
  EXPECT_EQ(split("'\xC5\xBFx"), (Pieces{"'\xC5\xBFx"}));
}

TEST(TokenizerPreTokenizer, DigitRunsOfAtMostThree) {
  EXPECT_EQ(split("1234567"), (Pieces{"123", "456", "7"}));
  EXPECT_EQ(split("x2024y"), (Pieces{"x", "202", "4", "y"}));
  EXPECT_EQ(split(" 42"), (Pieces{" ", "42"}));
  // Other decimal systems are numbers too (U+0661..U+0664 ARABIC-INDIC DIGITs).
  EXPECT_EQ(split("\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4"),
            (Pieces{"\xD9\xA1\xD9\xA2\xD9\xA3", "\xD9\xA4"}));
}

TEST(TokenizerPreTokenizer, WhitespaceRules) {
  // A run of spaces leaves its last one to the word after it.
  EXPECT_EQ(split("a   b"), (Pieces{"a", "  ", " b"}));
  // Trailing whitespace stays one piece.
  EXPECT_EQ(split("a   "), (Pieces{"a", "   "}));
  // Newlines take the whitespace before them.
  EXPECT_EQ(split("a \n b"), (Pieces{"a", " \n", " b"}));
  EXPECT_EQ(split("a\n\n\nb"), (Pieces{"a", "\n\n\n", "b"}));
  EXPECT_EQ(split("\r\n"), (Pieces{"\r\n"}));
  // Punctuation takes the newlines after it.
  EXPECT_EQ(split("end.\n\nNext"), (Pieces{"end", ".\n\n", "Next"}));
  EXPECT_EQ(split("\t\tx"), (Pieces{"\t", "\tx"}));
}

TEST(TokenizerPreTokenizer, WhitespaceIsUnicodeWhiteSpace) {
  // U+0085 NEXT LINE is White_Space (as in Rust's regex and Oniguruma): two of them split like
  // spaces, the second joining the word.
  EXPECT_EQ(split("a\xC2\x85\xC2\x85"
                  "b"),
            (Pieces{"a", "\xC2\x85",
                    "\xC2\x85"
                    "b"}));
  // U+FEFF is not White_Space: two of them are a punctuation-like run.
  EXPECT_EQ(split("a\xEF\xBB\xBF\xEF\xBB\xBF"
                  "b"),
            (Pieces{"a", "\xEF\xBB\xBF\xEF\xBB\xBF", "b"}));
  // U+3000 IDEOGRAPHIC SPACE is whitespace.
  EXPECT_EQ(split("x\xE3\x80\x80\xE3\x80\x80y"), (Pieces{"x", "\xE3\x80\x80", "\xE3\x80\x80y"}));
}

TEST(TokenizerPreTokenizer, PiecesCoverTheText) {
  const std::string text =
      "Mixed: 12345 words, emoji \xF0\x9F\xA6\x99\xF0\x9F\xA6\x99 \n\t tabs'll ok";
  std::string joined;
  for (const std::string& piece : split(text)) {
    EXPECT_FALSE(piece.empty());
    joined += piece;
  }
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace bitnet::tokenizer_detail

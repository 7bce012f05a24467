// Added tokens in text: special ones only with parse_special, user-defined ones always,
// leftmost-longest matching, bos in front, and decoding with specials shown or skipped.
#include <gtest/gtest.h>

#include "support/tiny_tokenizer.h"

namespace bitnet::testing {
namespace {

TinyBpe with_added() {
  TinyBpe bpe;
  bpe.added = {{"<|eot_id|>", true},
               {"<a>", true},
               {"<a><b>", true},
               {"<user>", false},
               {"<|begin_of_text|>", true}};
  bpe.bos = "<|begin_of_text|>";
  return bpe;
}

std::vector<int32_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};  // ids 0..255 are the bytes; no merges in with_added()
}

TEST(TokenizerAddedTokens, SpecialTokensOnlyWhenParsed) {
  const TinyBpe bpe = with_added();
  const Tokenizer tokenizer = bpe.from_json();
  const int32_t eot = bpe.id("<|eot_id|>");
  EXPECT_EQ(tokenizer.encode("x<|eot_id|>", {.add_bos = false, .parse_special = true}),
            (std::vector<int32_t>{'x', eot}));
  // Unparsed, the text is ordinary characters (pre-tokenized "<|", "eot", "_id", "|>").
  std::vector<int32_t> expected = bytes_of("x<|eot_id|>");
  EXPECT_EQ(tokenizer.encode("x<|eot_id|>", {.add_bos = false, .parse_special = false}), expected);
}

TEST(TokenizerAddedTokens, UserDefinedTokensAreAlwaysMatched) {
  const TinyBpe bpe = with_added();
  const Tokenizer tokenizer = bpe.from_json();
  const std::vector<int32_t> expected = {'h', 'i', bpe.id("<user>"), ' '};
  EXPECT_EQ(tokenizer.encode("hi<user> ", {.add_bos = false, .parse_special = false}), expected);
  EXPECT_EQ(tokenizer.token_kind(bpe.id("<user>")), TokenKind::kUserDefined);
  EXPECT_EQ(tokenizer.token_kind(bpe.id("<a>")), TokenKind::kControl);
}

TEST(TokenizerAddedTokens, LeftmostLongestMatchWins) {
  const TinyBpe bpe = with_added();
  const Tokenizer tokenizer = bpe.from_json();
  const EncodeOptions options{.add_bos = false, .parse_special = true};
  EXPECT_EQ(tokenizer.encode("<a><b>", options), std::vector<int32_t>{bpe.id("<a><b>")});
  EXPECT_EQ(tokenizer.encode("<a><c>", options),
            (std::vector<int32_t>{bpe.id("<a>"), '<', 'c', '>'}));
  EXPECT_EQ(tokenizer.encode("<a><a><b>", options),
            (std::vector<int32_t>{bpe.id("<a>"), bpe.id("<a><b>")}));
}

TEST(TokenizerAddedTokens, TokensMatchOnlyWholeCharacters) {
  // A user-defined token that is part of a character (the last byte of 'é', C3 A9) must not cut
  // the character in two.
  TinyBpe bpe;
  bpe.added = {{"\xA9", false}, {"\xC3\xA9x", false}};
  const Tokenizer tokenizer = bpe.from_gguf();
  EXPECT_EQ(tokenizer.encode("\xC3\xA9", {.add_bos = false}), (std::vector<int32_t>{0xC3, 0xA9}));
  EXPECT_EQ(tokenizer.encode("\xC3\xA9x", {.add_bos = false}),
            std::vector<int32_t>{bpe.id("\xC3\xA9x")});
  // ... nor end inside one: "é" then U+0301 (CC 81) starting with the same lead byte.
  TinyBpe partial;
  partial.added = {{"a\xCC", false}};
  EXPECT_EQ(partial.from_gguf().encode("a\xCC\x81", {.add_bos = false}),
            (std::vector<int32_t>{'a', 0xCC, 0x81}));
}

TEST(TokenizerAddedTokens, BosInFrontWhenTheModelAsks) {
  const TinyBpe bpe = with_added();
  const Tokenizer tokenizer = bpe.from_json();
  const int32_t bos = bpe.id("<|begin_of_text|>");
  EXPECT_TRUE(tokenizer.adds_bos());
  EXPECT_EQ(tokenizer.bos_id(), bos);
  EXPECT_EQ(tokenizer.encode("x"), (std::vector<int32_t>{bos, 'x'}));
  EXPECT_EQ(tokenizer.encode("x", {.add_bos = false}), std::vector<int32_t>{'x'});
  EXPECT_EQ(tokenizer.encode(""), std::vector<int32_t>{bos});
  TinyBpe plain = with_added();
  plain.bos.reset();
  EXPECT_EQ(plain.from_json().encode("x"), std::vector<int32_t>{'x'});
}

TEST(TokenizerAddedTokens, DecodeShowsOrSkipsSpecials) {
  const TinyBpe bpe = with_added();
  const Tokenizer tokenizer = bpe.from_json();
  const std::vector<int32_t> ids = {bpe.id("<|begin_of_text|>"), 'h', 'i', bpe.id("<user>"),
                                    bpe.id("<|eot_id|>")};
  EXPECT_EQ(tokenizer.decode(ids), "<|begin_of_text|>hi<user><|eot_id|>");
  EXPECT_EQ(tokenizer.decode(ids, {.skip_special = true}), "hi<user>");
}

TEST(TokenizerAddedTokens, DecodeRejectsIdsOutsideTheVocabulary) {
  const Tokenizer tokenizer = with_added().from_json();
  const std::vector<int32_t> ids = {'a', tokenizer.vocab_size()};
  try {
    (void)tokenizer.decode(ids);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kIndexOutOfRange);
    EXPECT_NE(std::string(error.what()).find(std::to_string(tokenizer.vocab_size())),
              std::string::npos);
  }
}

TEST(TokenizerAddedTokens, InvalidUtf8InputIsReadAsReplacementCharacters) {
  const Tokenizer tokenizer = with_added().from_json();
  // 0xFF becomes U+FFFD (EF BF BD), whose bytes are then ordinary byte tokens.
  EXPECT_EQ(tokenizer.encode("a\xFF", {.add_bos = false}),
            (std::vector<int32_t>{'a', 0xEF, 0xBF, 0xBD}));
}

}  // namespace
}  // namespace bitnet::testing

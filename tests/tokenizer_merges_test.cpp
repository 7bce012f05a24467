// Byte-pair merges by rank on hand-made vocabularies: lower ranks first, the leftmost of equal
// ranks first, ignore_merges, the word cache, and both loaders giving the same tokenizer.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/tiny_tokenizer.h"

namespace bitnet::testing {
namespace {

std::vector<int32_t> encode(const Tokenizer& tokenizer, std::string_view text) {
  return tokenizer.encode(text, {.add_bos = false});
}

TEST(TokenizerMerges, LowerRankMergesFirst) {
  // Without ignore_merges, so that "abc" (itself a token) is reached by merging.
  TinyBpe bpe;
  bpe.ignore_merges = false;
  bpe.merges = {{"a", "b"}, {"b", "c"}, {"ab", "c"}};
  EXPECT_EQ(encode(bpe.from_json(), "abc"), std::vector<int32_t>{bpe.id("abc")});

  TinyBpe reversed;
  reversed.ignore_merges = false;
  reversed.merges = {{"b", "c"}, {"a", "b"}, {"ab", "c"}};
  // "bc" goes first and blocks "ab"; "a"+"bc" is no merge.
  EXPECT_EQ(encode(reversed.from_json(), "abc"), (std::vector<int32_t>{'a', reversed.id("bc")}));
}

TEST(TokenizerMerges, EqualRanksMergeLeftmostFirst) {
  TinyBpe bpe;
  bpe.merges = {{"a", "a"}};
  EXPECT_EQ(encode(bpe.from_json(), "aaa"), (std::vector<int32_t>{bpe.id("aa"), 'a'}));
  EXPECT_EQ(encode(bpe.from_json(), "aaaa"), (std::vector<int32_t>{bpe.id("aa"), bpe.id("aa")}));
}

TEST(TokenizerMerges, MergedSymbolsMergeAgain) {
  TinyBpe bpe;
  bpe.ignore_merges = false;
  bpe.merges = {{"a", "a"}, {"aa", "aa"}, {"aaaa", "a"}};
  EXPECT_EQ(encode(bpe.from_json(), "aaaaa"), std::vector<int32_t>{bpe.id("aaaaa")});
  // aa|aa|aa, then the leftmost aa+aa; "aaaa" + "aa" is no merge.
  EXPECT_EQ(encode(bpe.from_json(), "aaaaaa"),
            (std::vector<int32_t>{bpe.id("aaaa"), bpe.id("aa")}));
}

TEST(TokenizerMerges, IgnoreMergesTakesAWholePieceThatIsAToken) {
  TinyBpe bpe;
  bpe.merges = {{"a", "b"}};
  bpe.extra_tokens = {"abd"};  // in the vocabulary, but no merge leads to it
  EXPECT_EQ(encode(bpe.from_json(), "abd"), std::vector<int32_t>{bpe.id("abd")});
  bpe.ignore_merges = false;
  EXPECT_EQ(encode(bpe.from_json(), "abd"), (std::vector<int32_t>{bpe.id("ab"), 'd'}));
}

TEST(TokenizerMerges, MergesStayInsidePreTokenizedPieces) {
  TinyBpe bpe;
  bpe.merges = {{"a", " "}, {" ", "b"}};
  // "a b" is cut into "a" and " b": the rank-0 merge across the cut never happens.
  EXPECT_EQ(encode(bpe.from_json(), "a b"), (std::vector<int32_t>{'a', bpe.id(" b")}));
}

TEST(TokenizerMerges, RepeatedWordsGiveTheSameIdsAsAFreshTokenizer) {
  TinyBpe bpe;
  bpe.merges = {{"l", "o"}, {"lo", "w"}, {" ", "low"}, {"e", "r"}};
  const Tokenizer tokenizer = bpe.from_json();
  const std::string text = "low lower lowest low lower lowest";
  const std::vector<int32_t> first = encode(tokenizer, text);
  EXPECT_EQ(encode(tokenizer, text), first);        // now from the cache
  EXPECT_EQ(encode(bpe.from_json(), text), first);  // a fresh cache
  EXPECT_EQ(tokenizer.decode(first), text);
}

TEST(TokenizerMerges, GgufAndJsonLoadTheSameTokenizer) {
  TinyBpe bpe;
  bpe.merges = {{"t", "h"}, {"th", "e"}, {" ", "the"}, {"\xE2", "\x96"}, {"\xE2\x96", "\x81"}};
  bpe.added = {{"<|eot_id|>", true}, {"<tool>", false}};
  const Tokenizer from_json = bpe.from_json();
  const Tokenizer from_gguf = bpe.from_gguf();
  ASSERT_EQ(from_json.vocab_size(), from_gguf.vocab_size());
  for (int32_t id = 0; id < from_json.vocab_size(); ++id) {
    EXPECT_EQ(from_json.token_text(id), from_gguf.token_text(id));
    EXPECT_EQ(from_json.token_kind(id), from_gguf.token_kind(id));
  }
  const std::string text = "the theme<|eot_id|> <tool>\xE2\x96\x81 the";
  for (const bool parse_special : {false, true}) {
    EXPECT_EQ(from_json.encode(text, {.parse_special = parse_special}),
              from_gguf.encode(text, {.parse_special = parse_special}));
  }
  EXPECT_EQ(from_gguf.eot_id(), bpe.id("<|eot_id|>"));
}

TEST(TokenizerMerges, ConcurrentEncodesAgreeWithOneThread) {
  // One tokenizer serves several threads (its word cache is shared); each must get the ids a
  // single thread gets.
  TinyBpe bpe;
  bpe.merges = {{"l", "o"}, {"lo", "w"}, {" ", "low"}, {"e", "r"}, {"e", "s"}, {"es", "t"}};
  const Tokenizer tokenizer = bpe.from_json();
  std::vector<std::string> texts;
  for (int index = 0; index < 64; ++index) {
    texts.push_back("low lower lowest " + std::to_string(index) + std::string(index % 7, 'w') +
                    " er");
  }
  std::vector<std::vector<int32_t>> expected;
  for (const std::string& text : texts) expected.push_back(bpe.from_json().encode(text));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 20; ++round) {
        for (size_t index = 0; index < texts.size(); ++index) {
          const size_t pick = (index * 7 + static_cast<size_t>(thread + round)) % texts.size();
          if (tokenizer.encode(texts[pick]) != expected[pick]) ++mismatches;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace bitnet::testing

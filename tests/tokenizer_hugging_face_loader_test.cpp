// Tokenizer::from_hugging_face: what a tokenizer.json must hold, and each refusal naming the file
// and what it does not support.
#include <gtest/gtest.h>

#include <fstream>

#include "support/model_file_builder.h"
#include "support/tiny_tokenizer.h"

namespace bitnet::testing {
namespace {

// The tiny tokenizer's JSON with `from` replaced by `to` (which must be present once).
std::string edited(const std::string& from, const std::string& to, TinyBpe bpe = {}) {
  std::string json = bpe.json();
  const size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) json.replace(at, from.size(), to);
  return json;
}

void expect_refused(const std::string& json, std::initializer_list<std::string> fragments,
                    std::string_view config = {}) {
  const std::string message = expect_error_naming(
      [&] { (void)Tokenizer::from_hugging_face_json(json, config, "tiny.json"); }, fragments);
  EXPECT_NE(message.find("tiny.json"), std::string::npos) << message;
}

TEST(TokenizerHuggingFaceLoader, LoadsAFolderWithItsConfig) {
  TinyBpe bpe;
  bpe.added = {{"<s>", true}, {"</s>", true}};
  TemporaryDirectory folder;
  std::ofstream(folder.file("tokenizer.json")) << bpe.json();
  std::ofstream(folder.file("tokenizer_config.json"))
      << R"({"bos_token": {"content": "<s>"}, "eos_token": "</s>", "add_bos_token": true})";
  const Tokenizer tokenizer = Tokenizer::from_hugging_face(folder.path());
  EXPECT_EQ(tokenizer.bos_id(), bpe.id("<s>"));
  EXPECT_EQ(tokenizer.eos_id(), bpe.id("</s>"));
  EXPECT_TRUE(tokenizer.adds_bos());
  EXPECT_EQ(tokenizer.encode("hi"), (std::vector<int32_t>{bpe.id("<s>"), 'h', 'i'}));
  EXPECT_EQ(tokenizer.vocab_size(), 258);
}

TEST(TokenizerHuggingFaceLoader, FolderWithoutTokenizerJson) {
  TemporaryDirectory folder;
  expect_error_naming([&] { (void)Tokenizer::from_hugging_face(folder.path()); },
                      {folder.path(), "has no tokenizer.json"});
}

TEST(TokenizerHuggingFaceLoader, NotJson) {
  expect_refused("{\"model\": [", {"not valid JSON"});
}

TEST(TokenizerHuggingFaceLoader, UnsupportedModelType) {
  expect_refused(edited("\"type\":\"BPE\"", "\"type\":\"Unigram\""),
                 {"model type 'Unigram' is not supported"});
}

TEST(TokenizerHuggingFaceLoader, UnsupportedNormalizer) {
  expect_refused(edited("\"normalizer\":null", "\"normalizer\":{\"type\":\"NFC\"}"),
                 {"normalizer 'NFC' is not supported"});
}

TEST(TokenizerHuggingFaceLoader, UnsupportedPreTokenizer) {
  const std::string json = TinyBpe{}.json();
  const size_t begin = json.find("\"pre_tokenizer\":");
  const size_t end = json.find(",\"post_processor\"");
  std::string replaced = json;
  replaced.replace(begin, end - begin, "\"pre_tokenizer\":{\"type\":\"Whitespace\"}");
  expect_refused(replaced, {"pre-tokenizer 'Whitespace' is not supported"});
}

TEST(TokenizerHuggingFaceLoader, UnsupportedSplitPattern) {
  const std::string gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\\\p{L}+| ?\\\\p{N}+";
  expect_refused(edited(TinyBpe::quote(TinyBpe::llama3_pattern()), "\"" + gpt2 + "\""),
                 {"pre-tokenizer Split with pattern", "?\\\\p{L}+"});
}

TEST(TokenizerHuggingFaceLoader, UnsupportedDecoder) {
  expect_refused(
      edited("\"decoder\":{\"type\":\"ByteLevel\"}", "\"decoder\":{\"type\":\"WordPiece\"}"),
      {"decoder 'WordPiece' is not supported"});
}

TEST(TokenizerHuggingFaceLoader, UnsupportedPostProcessor) {
  expect_refused(
      edited("\"post_processor\":null", "\"post_processor\":{\"type\":\"BertProcessing\"}"),
      {"post-processor 'BertProcessing' is not supported"});
}

TEST(TokenizerHuggingFaceLoader, DeeplyNestedPostProcessor) {
  std::string nested = "null";
  for (int level = 0; level < 5; ++level) {
    nested = "{\"type\":\"Sequence\",\"processors\":[" + nested + "]}";
  }
  expect_refused(edited("\"post_processor\":null", "\"post_processor\":" + nested),
                 {"post-processor Sequences nested deeper than 4"});
}

TEST(TokenizerHuggingFaceLoader, ByteFallbackIsRefused) {
  expect_refused(edited("\"byte_fallback\":false", "\"byte_fallback\":true"),
                 {"byte_fallback is not supported"});
}

TEST(TokenizerHuggingFaceLoader, AddedTokenWithStripFlags) {
  TinyBpe bpe;
  bpe.added = {{"<mask>", true}};
  expect_refused(edited("\"lstrip\":false", "\"lstrip\":true", bpe),
                 {"added token '<mask>' sets lstrip"});
}

TEST(TokenizerHuggingFaceLoader, MergeOfAnUnknownToken) {
  TinyBpe bpe;
  bpe.merges = {{"a", "b"}};
  expect_refused(edited("[\"a\",\"b\"]", "[\"a\",\"zz\"]", bpe),
                 {"merge 0 'a zz': 'zz' is not in the vocabulary"});
}

TEST(TokenizerHuggingFaceLoader, MergeWhoseResultIsMissing) {
  TinyBpe bpe;
  bpe.merges = {{"a", "b"}};
  expect_refused(edited("[\"a\",\"b\"]", "[\"a\",\"c\"]", bpe),
                 {"merge 0 'a c': 'ac' is not in the vocabulary"});
}

TEST(TokenizerHuggingFaceLoader, IdsBeyondTheTokenCount) {
  // Token 65 ('A') renumbered to 300: 256 tokens cannot reach id 300.
  expect_refused(edited("\"A\":65", "\"A\":300"), {"token ids go up to 300"});
}

TEST(TokenizerHuggingFaceLoader, TwoTokensShareAnId) {
  TinyBpe bpe;
  bpe.merges = {{"a", "b"}};
  expect_refused(edited("\"ab\":256", "\"ab\":65", bpe), {"tokens 'A' and 'ab' share id 65"});
}

TEST(TokenizerHuggingFaceLoader, MissingId) {
  // An added token restating vocabulary token 65 counts twice, so moving "ab" from 256 to 257
  // stays within the count and leaves 256 empty.
  TinyBpe bpe;
  bpe.merges = {{"a", "b"}};
  std::string json = edited("\"ab\":256", "\"ab\":257", bpe);
  json.replace(json.find("\"added_tokens\":["), 16,
               "\"added_tokens\":[{\"id\":65,\"content\":\"A\"}");
  expect_refused(json, {"no token has id 256"});
}

TEST(TokenizerHuggingFaceLoader, NoTokenForAByte) {
  // 'A' (byte 0x41) renamed to a multi-byte token leaves that byte without a token.
  expect_refused(edited("\"A\":65", "\"AA\":65"), {"no token for byte 0x41 ('A')"});
}

TEST(TokenizerHuggingFaceLoader, ConfigNamesAnUnknownToken) {
  expect_refused(TinyBpe{}.json(), {"the bos token '<s>' is not in the vocabulary"},
                 R"({"bos_token": "<s>"})");
}

TEST(TokenizerHuggingFaceLoader, FieldOfTheWrongType) {
  TinyBpe bpe;
  bpe.merges = {{"a", "b"}};
  expect_refused(edited("[\"a\",\"b\"]", "[\"a\",5]", bpe),
                 {"merge 0 [\"a\",5] is not two tokens"});
  bpe.added = {{"<s>", true}};
  expect_refused(edited("\"content\":\"<s>\"", "\"content\":7", bpe),
                 {"unexpected JSON", "type must be string, but is number"});
  expect_refused(edited("\"behavior\":\"Isolated\"", "\"behavior\":[]"),
                 {"unexpected JSON", "type must be string, but is array"});
}

TEST(TokenizerHuggingFaceLoader, MissingModel) {
  expect_refused("{\"normalizer\": null}", {"'model' is missing"});
}

TEST(TokenizerHuggingFaceLoader, MissingVocabulary) {
  expect_refused("{\"model\": {\"type\": \"BPE\", \"merges\": []}}",
                 {"model 'vocab' is missing or not an object"});
}

TEST(TokenizerHuggingFaceLoader, MalformedMerge) {
  TinyBpe bpe;
  bpe.merges = {{"a", "b"}};
  expect_refused(edited("[\"a\",\"b\"]", "5", bpe), {"merge 0 5 is not two tokens"});
  // The older "a b" form is read as well.
  const Tokenizer tokenizer =
      Tokenizer::from_hugging_face_json(edited("[\"a\",\"b\"]", "\"a b\"", bpe));
  EXPECT_EQ(tokenizer.encode("ab", {.add_bos = false}), std::vector<int32_t>{bpe.id("ab")});
}

TEST(TokenizerHuggingFaceLoader, NegativeId) {
  expect_refused(edited("\"A\":65", "\"A\":-1"), {"token 'A' has id -1, not an id from 0 to"});
}

TEST(TokenizerHuggingFaceLoader, AddedTokenTakesAnotherTokensId) {
  std::string json = TinyBpe{}.json();
  json.replace(json.find("\"added_tokens\":["), 16,
               "\"added_tokens\":[{\"id\":65,\"content\":\"<x>\"}");
  expect_refused(json, {"added token '<x>' has id 65, which is the token 'A'"});
}

TEST(TokenizerHuggingFaceLoader, TemplateWithTwoSpecialsBeforeTheText) {
  TinyBpe bpe;
  bpe.added = {{"<s>", true}};
  bpe.bos = "<s>";
  const std::string bos_piece = "{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}}";
  expect_refused(edited(bos_piece, bos_piece + "," + bos_piece, bpe),
                 {"more than one special token before the text is not supported"});
}

TEST(TokenizerHuggingFaceLoader, TemplateWithEosAfterTheText) {
  TinyBpe bpe;
  bpe.added = {{"<s>", true}, {"</s>", true}};
  bpe.bos = "<s>";
  const std::string text_piece = "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}";
  const Tokenizer tokenizer = Tokenizer::from_hugging_face_json(
      edited(text_piece, text_piece + ",{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}}", bpe));
  EXPECT_TRUE(tokenizer.adds_eos());
  EXPECT_EQ(tokenizer.encode("x"), (std::vector<int32_t>{bpe.id("<s>"), 'x', bpe.id("</s>")}));
  EXPECT_EQ(tokenizer.encode("x", {.add_eos = false}), (std::vector<int32_t>{bpe.id("<s>"), 'x'}));
}

TEST(TokenizerHuggingFaceLoader, ConfigCanTurnBosOff) {
  TinyBpe bpe;
  bpe.added = {{"<s>", true}};
  bpe.bos = "<s>";
  const Tokenizer tokenizer = Tokenizer::from_hugging_face_json(
      bpe.json(), R"({"add_bos_token": false, "pad_token": "<s>"})");
  EXPECT_FALSE(tokenizer.adds_bos());
  EXPECT_EQ(tokenizer.bos_id(), bpe.id("<s>"));
  EXPECT_EQ(tokenizer.pad_id(), bpe.id("<s>"));
  EXPECT_EQ(tokenizer.encode("x"), std::vector<int32_t>{'x'});
}

}  // namespace
}  // namespace bitnet::testing

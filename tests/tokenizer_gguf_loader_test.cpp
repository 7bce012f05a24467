// Tokenizer::from_gguf: the tokenizer.ggml.* keys, and each refusal naming the file, the key and
// what is wrong.
#include <gtest/gtest.h>

#include "support/model_file_builder.h"
#include "support/tiny_tokenizer.h"

namespace bitnet::testing {
namespace {

void expect_refused(const GgufWriter& writer, std::initializer_list<std::string> fragments) {
  const std::string message =
      expect_error_naming([&] { (void)TinyBpe::from_writer(writer); }, fragments);
  EXPECT_NE(message.find("tiny.gguf"), std::string::npos) << message;
}

TinyBpe with_specials() {
  TinyBpe bpe;
  bpe.merges = {{"h", "i"}};
  bpe.added = {{"<|begin_of_text|>", true}, {"<|eot_id|>", true}};
  bpe.bos = "<|begin_of_text|>";
  return bpe;
}

TEST(TokenizerGgufLoader, ReadsTokensKindsAndSpecialIds) {
  const TinyBpe bpe = with_specials();
  const Tokenizer tokenizer = bpe.from_gguf();
  EXPECT_EQ(tokenizer.vocab_size(), 259);
  EXPECT_EQ(tokenizer.model_name(), "llama3-bpe");
  EXPECT_EQ(tokenizer.bos_id(), bpe.id("<|begin_of_text|>"));
  EXPECT_EQ(tokenizer.eot_id(), bpe.id("<|eot_id|>"));  // found by name when no key gives it
  EXPECT_EQ(tokenizer.token_kind(bpe.id("<|eot_id|>")), TokenKind::kControl);
  EXPECT_EQ(tokenizer.token_text(' '), "\xC4\xA0");
  EXPECT_EQ(tokenizer.find_token("hi"), bpe.id("hi"));
  EXPECT_EQ(tokenizer.encode("hi"),
            (std::vector<int32_t>{bpe.id("<|begin_of_text|>"), bpe.id("hi")}));
}

// A byte-level BPE loaded from tokenizer.json and written back out as GGUF metadata reads back to
// the same ids.
TEST(TokenizerGgufLoader, MetadataWrittenFromJsonReadsBack) {
  TinyBpe bpe = with_specials();
  bpe.merges = {{"h", "i"}, {"t", "h"}, {"th", "e"}, {" ", "the"}, {"hi", "!"}};
  const Tokenizer tokenizer = bpe.from_json();
  GgufWriter writer;
  for (GgufMetadataEntry& entry : tokenizer.gguf_metadata()) {
    writer.set(std::move(entry.key), std::move(entry.value));
  }
  const GgufFile file = GgufFile::from_bytes(writer.to_bytes(), "written.gguf");
  EXPECT_EQ(file.get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(file.get_string("tokenizer.ggml.pre"), "llama-bpe");
  const Tokenizer back = Tokenizer::from_gguf(file);
  EXPECT_EQ(back.vocab_size(), tokenizer.vocab_size());
  EXPECT_EQ(back.bos_id(), tokenizer.bos_id());
  EXPECT_EQ(back.eot_id(), tokenizer.eot_id());
  for (const std::string text : {"hi! the theme", " the", "thehi", "<|eot_id|>hi", "\xC3\xA9t"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(back.encode(text, {.parse_special = true}),
              tokenizer.encode(text, {.parse_special = true}));
  }
  // Without ignore_merges, GGUF's llama-bpe would tokenize differently: refused by name.
  bpe.ignore_merges = false;
  expect_error_naming([&] { (void)bpe.from_json().gguf_metadata(); }, {"ignore_merges false"});
}

TEST(TokenizerGgufLoader, NoTokenizer) {
  GgufWriter writer;
  writer.set("general.architecture", "llama");
  expect_refused(writer, {"no tokenizer", "'tokenizer.ggml.model' is missing"});
}

TEST(TokenizerGgufLoader, UnsupportedModel) {
  GgufWriter writer = with_specials().gguf();
  writer.set("tokenizer.ggml.model", "bert");
  expect_refused(writer, {"tokenizer model 'bert' is not supported"});
}

TEST(TokenizerGgufLoader, MissingPreTokenizer) {
  GgufWriter writer;
  writer.set("tokenizer.ggml.model", "gpt2");
  expect_refused(writer, {"'tokenizer.ggml.pre' is missing"});
}

TEST(TokenizerGgufLoader, UnsupportedPreTokenizer) {
  GgufWriter writer = with_specials().gguf();
  writer.set("tokenizer.ggml.pre", "qwen2");
  expect_refused(writer, {"pre-tokenizer 'qwen2' is not supported"});
}

TEST(TokenizerGgufLoader, MissingTokens) {
  GgufWriter writer;
  writer.set("tokenizer.ggml.model", "gpt2");
  writer.set("tokenizer.ggml.pre", "llama3");
  expect_refused(writer, {"tokenizer.ggml.tokens"});
}

TEST(TokenizerGgufLoader, TokenTypeCountDiffers) {
  GgufWriter writer = with_specials().gguf();
  writer.set("tokenizer.ggml.token_type", GgufValue::array(std::vector<int32_t>{1, 1}));
  expect_refused(writer, {"'tokenizer.ggml.token_type' must be an array of 259 integers"});
}

TEST(TokenizerGgufLoader, UnknownTokenType) {
  GgufWriter writer = with_specials().gguf();
  std::vector<int32_t> types(259, 1);
  types[3] = 9;
  writer.set("tokenizer.ggml.token_type", GgufValue::array(types));
  expect_refused(writer, {"token 3 has type 9"});
}

TEST(TokenizerGgufLoader, MalformedMerge) {
  GgufWriter writer = with_specials().gguf();
  writer.set("tokenizer.ggml.merges", GgufValue::array(std::vector<std::string>{"hi"}));
  expect_refused(writer, {"merge 0 'hi' is not two tokens separated by a space"});
}

TEST(TokenizerGgufLoader, SpecialIdOutsideTheVocabulary) {
  GgufWriter writer = with_specials().gguf();
  writer.set("tokenizer.ggml.eos_token_id", uint32_t{999});
  expect_refused(writer, {"eos id 999 is outside the vocabulary of 259 tokens"});
}

TEST(TokenizerGgufLoader, AddBosWithoutBos) {
  TinyBpe bpe = with_specials();
  bpe.bos.reset();
  GgufWriter writer = bpe.gguf();
  writer.set("tokenizer.ggml.add_bos_token", true);
  expect_refused(writer, {"add_bos is set but there is no bos token"});
}

TEST(TokenizerGgufLoader, TokenIdOutOfRange) {
  GgufWriter writer = with_specials().gguf();
  writer.set("tokenizer.ggml.padding_token_id", int64_t{-5});
  expect_refused(writer, {"'tokenizer.ggml.padding_token_id': token id -5 is out of range"});
}

TEST(TokenizerGgufLoader, MergeOfAControlToken) {
  GgufWriter writer = with_specials().gguf();
  writer.set("tokenizer.ggml.merges", GgufValue::array(std::vector<std::string>{"<|eot_id|> h"}));
  expect_refused(writer, {"merge 0 '<|eot_id|> h': '<|eot_id|>' is not a normal byte-level token"});
}

}  // namespace
}  // namespace bitnet::testing

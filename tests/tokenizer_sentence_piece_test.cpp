// LLaMA-2 SentencePiece BPE on a hand-made vocabulary, loaded from GGUF (merging by score) and from
// a tokenizer.json (merging by rank): the '▁' marker and prefix, score order and leftmost ties,
// byte fallback, decoding with the prefix space dropped, and the loaders' refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "support/model_file_builder.h"
#include "support/tiny_tokenizer.h"

namespace bitnet::testing {
namespace {

const std::string kMarker = "\xE2\x96\x81";  // '▁'

// <unk>, <s>, </s>, <0x00>..<0xFF> (ids 3..258), then the pieces with their scores.
struct TinySentencePiece {
  std::vector<std::pair<std::string, float>> pieces = {
      {kMarker, -10},      {"a", -10},    {"b", -10},          {"c", -10},
      {kMarker + "a", -5}, {"ab", -1},    {"bc", -2},          {kMarker + "ab", -3},
      {"abc", -4},         {"aa", -0.5f}, {kMarker + "b", -6}, {"<tool>", 0}};
  bool add_space_prefix = true;

  std::vector<std::string> tokens() const {
    std::vector<std::string> all = {"<unk>", "<s>", "</s>"};
    for (int byte = 0; byte < 256; ++byte) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", byte);
      all.push_back(name);
    }
    for (const auto& piece : pieces) all.push_back(piece.first);
    return all;
  }
  int32_t id(const std::string& piece) const {
    const std::vector<std::string> all = tokens();
    return static_cast<int32_t>(std::find(all.begin(), all.end(), piece) - all.begin());
  }

  GgufWriter gguf() const {
    const std::vector<std::string> all = tokens();
    std::vector<float> scores(all.size(), 0.0f);
    std::vector<int32_t> types(all.size(), 1);
    types[0] = 2;
    types[1] = types[2] = 3;
    for (size_t index = 3; index < 259; ++index) types[index] = 6;
    for (size_t index = 0; index < pieces.size(); ++index) {
      scores[259 + index] = pieces[index].second;
      if (pieces[index].first == "<tool>") types[259 + index] = 4;
    }
    GgufWriter writer;
    writer.set("tokenizer.ggml.model", "llama");
    writer.set("tokenizer.ggml.tokens", GgufValue::array(all));
    writer.set("tokenizer.ggml.scores", GgufValue::array(scores));
    writer.set("tokenizer.ggml.token_type", GgufValue::array(types));
    writer.set("tokenizer.ggml.bos_token_id", uint32_t{1});
    writer.set("tokenizer.ggml.eos_token_id", uint32_t{2});
    writer.set("tokenizer.ggml.unknown_token_id", uint32_t{0});
    writer.set("tokenizer.ggml.add_space_prefix", add_space_prefix);
    return writer;
  }

  // Hugging Face's form: every split of a piece into two pieces is a merge, ranked by the merged
  // piece's score (highest first), as its SentencePiece converter writes them.
  std::string json(const std::string& decoder = "") const {
    const std::vector<std::string> all = tokens();
    std::vector<std::tuple<float, std::string, std::string>> merges;
    for (const auto& [piece, score] : pieces) {
      for (size_t cut = 1; cut < piece.size(); ++cut) {
        const std::string left = piece.substr(0, cut);
        const std::string right = piece.substr(cut);
        if (id(left) < static_cast<int32_t>(all.size()) &&
            id(right) < static_cast<int32_t>(all.size())) {
          merges.emplace_back(score, left, right);
        }
      }
    }
    std::stable_sort(merges.begin(), merges.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    std::string vocab;
    for (size_t index = 0; index < all.size(); ++index) {
      vocab += (index ? "," : "") + TinyBpe::quote(all[index]) + ":" + std::to_string(index);
    }
    std::string merge_list;
    for (size_t index = 0; index < merges.size(); ++index) {
      merge_list += std::string(index ? "," : "") + "[" +
                    TinyBpe::quote(std::get<1>(merges[index])) + "," +
                    TinyBpe::quote(std::get<2>(merges[index])) + "]";
    }
    const auto added = [](int id, const std::string& content, bool special) {
      return "{\"id\":" + std::to_string(id) + ",\"content\":\"" + content +
             "\",\"special\":" + (special ? "true" : "false") + "}";
    };
    const std::string default_decoder =
        "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"" +
        kMarker +
        "\"},\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":"
        "\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}";
    return "{\"added_tokens\":[" + added(0, "<unk>", true) + "," + added(1, "<s>", true) + "," +
           added(2, "</s>", true) + "," + added(id("<tool>"), "<tool>", false) +
           "],\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\","
           "\"prepend\":\"" +
           kMarker + "\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"" +
           kMarker +
           "\"}]},\"pre_tokenizer\":null,\"post_processor\":{\"type\":\"TemplateProcessing\","
           "\"single\":[{\"SpecialToken\":{\"id\":\"<s>\"}},{\"Sequence\":{\"id\":\"A\"}}]},"
           "\"decoder\":" +
           (decoder.empty() ? default_decoder : decoder) +
           ",\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"fuse_unk\":true,\"byte_"
           "fallback\":true,\"vocab\":{" +
           vocab + "},\"merges\":[" + merge_list + "]}}";
  }

  std::vector<Tokenizer> both() const {
    return {TinyBpe::from_writer(gguf()), Tokenizer::from_hugging_face_json(json())};
  }

  // transformers' non-legacy form: no normalizer, a Metaspace pre-tokenizer with `scheme`.
  std::string metaspace_json(const std::string& scheme, bool split = false,
                             const std::string& decoder = "") const {
    std::string text = json(decoder);
    const size_t begin = text.find("\"normalizer\":");
    const std::string pre = "\"pre_tokenizer\":null";
    const size_t end = text.find(pre);
    text.replace(begin, end + pre.size() - begin,
                 "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":"
                 "\"" +
                     kMarker + "\",\"prepend_scheme\":\"" + scheme +
                     "\",\"split\":" + (split ? "true" : "false") + "}");
    return text;
  }
};

using Ids = std::vector<int32_t>;

TEST(TokenizerSentencePiece, SpacesBecomeMarkersWithOneInFront) {
  const TinySentencePiece model;
  for (const Tokenizer& tokenizer : model.both()) {
    EXPECT_EQ(tokenizer.model_name(), "llama-spm");
    EXPECT_EQ(tokenizer.encode("a b"), (Ids{1, model.id(kMarker + "a"), model.id(kMarker + "b")}));
    EXPECT_EQ(tokenizer.encode("a b", {.add_bos = false}),
              (Ids{model.id(kMarker + "a"), model.id(kMarker + "b")}));
    EXPECT_EQ(tokenizer.encode("", {.add_bos = false}), Ids{});
  }
}

TEST(TokenizerSentencePiece, HigherScoresMergeFirst) {
  const TinySentencePiece model;
  for (const Tokenizer& tokenizer : model.both()) {
    // "ab" (-1) before "bc" (-2); then "▁ab" (-3) before "abc" (-4).
    EXPECT_EQ(tokenizer.encode("abc", {.add_bos = false}),
              (Ids{model.id(kMarker + "ab"), model.id("c")}));
  }
  TinySentencePiece reordered;
  reordered.pieces[6].second = -0.7f;  // "bc" now above "ab": then "abc" beats "▁a"
  for (const Tokenizer& tokenizer : reordered.both()) {
    EXPECT_EQ(tokenizer.encode("abc", {.add_bos = false}),
              (Ids{model.id(kMarker), model.id("abc")}));
  }
}

TEST(TokenizerSentencePiece, EqualScoresMergeLeftmostFirst) {
  const TinySentencePiece model;
  for (const Tokenizer& tokenizer : model.both()) {
    EXPECT_EQ(tokenizer.encode("aaa", {.add_bos = false}),
              (Ids{model.id(kMarker), model.id("aa"), model.id("a")}));
  }
}

TEST(TokenizerSentencePiece, UncoveredCharactersFallBackToBytes) {
  const TinySentencePiece model;
  for (const Tokenizer& tokenizer : model.both()) {
    // 'é' is C3 A9; byte tokens are 3 + byte.
    EXPECT_EQ(tokenizer.encode("\xC3\xA9", {.add_bos = false}),
              (Ids{model.id(kMarker), 3 + 0xC3, 3 + 0xA9}));
    EXPECT_EQ(tokenizer.decode(Ids{model.id(kMarker), 3 + 0xC3, 3 + 0xA9}), "\xC3\xA9");
  }
}

TEST(TokenizerSentencePiece, EachRunOfTextGetsThePrefix) {
  const TinySentencePiece model;
  for (const Tokenizer& tokenizer : model.both()) {
    EXPECT_EQ(tokenizer.encode("a</s>b", {.add_bos = false, .parse_special = true}),
              (Ids{model.id(kMarker + "a"), 2, model.id(kMarker + "b")}));
    // User-defined tokens are matched without parse_special.
    EXPECT_EQ(tokenizer.encode("a<tool>", {.add_bos = false}),
              (Ids{model.id(kMarker + "a"), model.id("<tool>")}));
  }
  TinySentencePiece no_prefix;
  no_prefix.add_space_prefix = false;
  const Tokenizer tokenizer = TinyBpe::from_writer(no_prefix.gguf());
  EXPECT_EQ(tokenizer.encode("a b", {.add_bos = false}),
            (Ids{model.id("a"), model.id(kMarker + "b")}));
  EXPECT_EQ(tokenizer.decode(Ids{model.id(kMarker + "b")}), " b");
}

TEST(TokenizerSentencePiece, MetaspaceFirstPrefixesOnlyTheStartOfTheText) {
  const TinySentencePiece model;
  const Tokenizer tokenizer = Tokenizer::from_hugging_face_json(model.metaspace_json("first"));
  const EncodeOptions plain{.add_bos = false, .parse_special = true};
  EXPECT_EQ(tokenizer.encode("a b", plain),
            (Ids{model.id(kMarker + "a"), model.id(kMarker + "b")}));
  // A text that starts with a space gets no second '▁' (the legacy form gives two).
  EXPECT_EQ(tokenizer.encode(" a", plain), (Ids{model.id(kMarker + "a")}));
  EXPECT_EQ(Tokenizer::from_hugging_face_json(model.json()).encode(" a", plain),
            (Ids{model.id(kMarker), model.id(kMarker + "a")}));
  // The run after an added token is not the start of the text.
  EXPECT_EQ(tokenizer.encode("a</s>b", plain), (Ids{model.id(kMarker + "a"), 2, model.id("b")}));
  EXPECT_EQ(tokenizer.encode("</s>b", plain), (Ids{2, model.id("b")}));
  EXPECT_EQ(tokenizer.encode("</s> b", plain), (Ids{2, model.id(kMarker + "b")}));
  EXPECT_TRUE(tokenizer.strips_leading_space());
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("a b", plain)), "a b");
}

TEST(TokenizerSentencePiece, MetaspaceAlwaysAndNever) {
  const TinySentencePiece model;
  const EncodeOptions plain{.add_bos = false, .parse_special = true};
  const Tokenizer always = Tokenizer::from_hugging_face_json(model.metaspace_json("always"));
  EXPECT_EQ(always.encode("a</s>b", plain),
            (Ids{model.id(kMarker + "a"), 2, model.id(kMarker + "b")}));
  EXPECT_EQ(always.encode(" a", plain), (Ids{model.id(kMarker + "a")}));
  const std::string no_strip =
      "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"" +
      kMarker + "\"},\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]}";
  const Tokenizer never =
      Tokenizer::from_hugging_face_json(model.metaspace_json("never", false, no_strip));
  EXPECT_EQ(never.encode("a b", plain), (Ids{model.id("a"), model.id(kMarker + "b")}));
  EXPECT_FALSE(never.strips_leading_space());
  EXPECT_EQ(never.decode(Ids{model.id(kMarker + "b")}), " b");
}

TEST(TokenizerSentencePiece, MetaspaceRefusals) {
  const TinySentencePiece model;
  expect_error_naming(
      [&] {
        (void)Tokenizer::from_hugging_face_json(model.metaspace_json("first", true), {}, "m.json");
      },
      {"m.json", "Metaspace with split true is not supported"});
  expect_error_naming(
      [&] {
        (void)Tokenizer::from_hugging_face_json(model.metaspace_json("sometimes"), {}, "m.json");
      },
      {"m.json", "Metaspace prepend_scheme 'sometimes' is not supported"});
  // A '▁' put in front needs the decoder's Strip.
  const std::string no_strip =
      "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"" +
      kMarker + "\"},\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]}";
  expect_error_naming(
      [&] {
        (void)Tokenizer::from_hugging_face_json(model.metaspace_json("first", false, no_strip), {},
                                                "m.json");
      },
      {"m.json", "is not supported with SentencePiece pieces"});
}

// The tokenizer written back out as GGUF metadata reads back to the same ids: from GGUF (scores
// kept) and from tokenizer.json (scores made from the merge ranks).
TEST(TokenizerSentencePiece, GgufMetadataReadsBackToTheSameIds) {
  const TinySentencePiece model;
  const std::vector<std::string> texts = {"a b",        "abc",    "aaa ab",   " a", "  bca",
                                          "\xC3\xA9 c", "a</s>b", "x<tool>y", "",   "abcabc aab"};
  for (const Tokenizer& tokenizer : model.both()) {
    GgufWriter writer;
    for (GgufMetadataEntry& entry : tokenizer.gguf_metadata()) {
      writer.set(std::move(entry.key), std::move(entry.value));
    }
    const Tokenizer back = TinyBpe::from_writer(writer);
    EXPECT_EQ(back.vocab_size(), tokenizer.vocab_size());
    EXPECT_EQ(back.bos_id(), tokenizer.bos_id());
    EXPECT_EQ(back.eos_id(), tokenizer.eos_id());
    EXPECT_EQ(back.adds_bos(), tokenizer.adds_bos());
    for (const std::string& text : texts) {
      SCOPED_TRACE(text);
      EXPECT_EQ(back.encode(text, {.parse_special = true}),
                tokenizer.encode(text, {.parse_special = true}));
    }
    const std::vector<int32_t> ids = tokenizer.encode("ab c\xC3\xA9");
    EXPECT_EQ(back.decode(ids), tokenizer.decode(ids));
  }
}

TEST(TokenizerSentencePiece, GgufMetadataRefusesTheMetaspaceForm) {
  const TinySentencePiece model;
  const Tokenizer tokenizer = Tokenizer::from_hugging_face_json(model.metaspace_json("first"));
  expect_error_naming([&] { (void)tokenizer.gguf_metadata(); },
                      {"Metaspace form", "no GGUF equivalent"});
}

TEST(TokenizerSentencePiece, DecodeDropsThePrefixSpaceOnce) {
  const TinySentencePiece model;
  for (const Tokenizer& tokenizer : model.both()) {
    const Ids ids = {1, model.id(kMarker), model.id(kMarker + "a"), model.id("b")};
    EXPECT_EQ(tokenizer.decode(ids, {.skip_special = true}), " ab");
    EXPECT_EQ(tokenizer.decode(ids), "<s>  ab");
    EXPECT_TRUE(tokenizer.strips_leading_space());
    StreamingDecoder stream(tokenizer, {.skip_special = true});
    std::string text;
    for (const int32_t id : ids) text += stream.push(id);
    text += stream.finish();
    EXPECT_EQ(text, " ab");
  }
}

TEST(TokenizerSentencePiece, GgufRefusals) {
  TinySentencePiece model;
  GgufWriter writer = model.gguf();
  writer.set("tokenizer.ggml.scores", GgufValue::array(std::vector<float>{0.0f}));
  expect_error_naming([&] { (void)TinyBpe::from_writer(writer); },
                      {"tiny.gguf", "'tokenizer.ggml.scores' has 1 scores for 271 tokens"});

  writer = model.gguf();
  std::vector<float> scores(271, 0.0f);
  scores[260] = std::nanf("");
  writer.set("tokenizer.ggml.scores", GgufValue::array(scores));
  expect_error_naming([&] { (void)TinyBpe::from_writer(writer); }, {"token 260 has score NaN"});

  writer = model.gguf();
  writer.set("tokenizer.ggml.pre", "qwen2");
  expect_error_naming([&] { (void)TinyBpe::from_writer(writer); },
                      {"pre-tokenizer 'qwen2' is not supported with tokenizer model 'llama'"});

  writer = model.gguf();
  std::vector<int32_t> types(271, 1);
  types[3] = 6;
  types[270] = 6;  // "<tool>" marked as a byte
  writer.set("tokenizer.ggml.token_type", GgufValue::array(types));
  expect_error_naming([&] { (void)TinyBpe::from_writer(writer); },
                      {"byte token 270 is '<tool>', not <0xNN>"});

  writer = model.gguf();
  std::vector<std::string> tokens = model.tokens();
  tokens[3 + 0x41] = "<0x4G>";  // no byte token for 0x41 left
  writer.set("tokenizer.ggml.tokens", GgufValue::array(tokens));
  writer.set("tokenizer.ggml.token_type", GgufValue::array(std::vector<int32_t>(271, 1)));
  const Tokenizer fallback = TinyBpe::from_writer(writer);  // the unknown token stands in
  EXPECT_EQ(fallback.encode("\x41", {.add_bos = false}), (Ids{model.id(kMarker), 0}));
}

TEST(TokenizerSentencePiece, MissingByteWithoutUnknownToken) {
  // Byte 0x41 without a token and no unknown-token id: such text could not be encoded, so the file
  // is refused when it is loaded.
  TinySentencePiece model;
  std::vector<std::string> tokens = model.tokens();
  tokens[3 + 0x41] = "x41";
  const GgufFile file = GgufFile::from_bytes(model.gguf().to_bytes(), "tiny.gguf");
  GgufWriter writer;
  for (const GgufMetadataEntry& entry : file.metadata()) {
    if (entry.key != "tokenizer.ggml.unknown_token_id") writer.set(entry.key, entry.value);
  }
  writer.set("tokenizer.ggml.tokens", GgufValue::array(tokens));
  writer.set("tokenizer.ggml.token_type", GgufValue::array(std::vector<int32_t>(271, 1)));
  expect_error_naming([&] { (void)TinyBpe::from_writer(writer); },
                      {"no byte token <0x41> and no unknown token"});
}

TEST(TokenizerSentencePiece, JsonRefusals) {
  const TinySentencePiece model;
  expect_error_naming(
      [&] {
        (void)Tokenizer::from_hugging_face_json(model.json("{\"type\":\"ByteLevel\"}"), {},
                                                "spm.json");
      },
      {"spm.json", "decoder {\"type\":\"ByteLevel\"} is not supported with SentencePiece pieces"});
  std::string json = model.json();
  json.replace(json.find("\"pre_tokenizer\":null"), 20,
               "\"pre_tokenizer\":{\"type\":\"Metaspace\"}");
  expect_error_naming(
      [&] { (void)Tokenizer::from_hugging_face_json(json, {}, "spm.json"); },
      {"pre-tokenizer 'Metaspace' is not supported after the SentencePiece normalizer"});
  json = model.json();
  json.replace(json.find("\"byte_fallback\":true"), 20, "\"byte_fallback\":false");
  expect_error_naming([&] { (void)Tokenizer::from_hugging_face_json(json, {}, "spm.json"); },
                      {"without byte_fallback is not supported"});
}

}  // namespace
}  // namespace bitnet::testing

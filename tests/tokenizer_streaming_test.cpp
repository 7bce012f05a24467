// StreamingDecoder: characters split across tokens are held until complete, invalid bytes come
// out as U+FFFD at once, and the pieces add up to decode().
#include <gtest/gtest.h>

#include "support/tiny_tokenizer.h"

namespace bitnet::testing {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TinyBpe tiny() {
  TinyBpe bpe;
  bpe.added = {{"<|eot_id|>", true}};
  return bpe;
}

std::vector<std::string> stream(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                                DecodeOptions options = {}) {
  StreamingDecoder decoder(tokenizer, options);
  std::vector<std::string> pieces;
  for (const int32_t id : ids) pieces.push_back(decoder.push(id));
  pieces.push_back(decoder.finish());
  return pieces;
}

using Pieces = std::vector<std::string>;

TEST(TokenizerStreaming, SplitCharactersWaitForTheirLastByte) {
  const Tokenizer tokenizer = tiny().from_json();
  EXPECT_EQ(stream(tokenizer, {0xC3, 0xA9, 'x'}), (Pieces{"", "\xC3\xA9", "x", ""}));
  EXPECT_EQ(stream(tokenizer, {0xF0, 0x9F, 0xA6, 0x99}),
            (Pieces{"", "", "", "\xF0\x9F\xA6\x99", ""}));
}

TEST(TokenizerStreaming, InvalidBytesAreReplacedAtOnce) {
  const Tokenizer tokenizer = tiny().from_json();
  EXPECT_EQ(stream(tokenizer, {'a', 0xFF, 'b'}), (Pieces{"a", kFffd, "b", ""}));
  // A started character broken by the next byte: one U+FFFD, then the byte itself.
  EXPECT_EQ(stream(tokenizer, {0xE2, 0x82, 'x'}), (Pieces{"", "", kFffd + "x", ""}));
  // A character still incomplete at the end is one U+FFFD from finish().
  EXPECT_EQ(stream(tokenizer, {'a', 0xE2, 0x82}), (Pieces{"a", "", "", kFffd}));
}

TEST(TokenizerStreaming, SpecialsShownOrSkipped) {
  const TinyBpe bpe = tiny();
  const Tokenizer tokenizer = bpe.from_json();
  const int32_t eot = bpe.id("<|eot_id|>");
  EXPECT_EQ(stream(tokenizer, {'a', eot}), (Pieces{"a", "<|eot_id|>", ""}));
  EXPECT_EQ(stream(tokenizer, {'a', eot}, {.skip_special = true}), (Pieces{"a", "", ""}));
}

TEST(TokenizerStreaming, PiecesAddUpToDecode) {
  const Tokenizer tokenizer = tiny().from_json();
  uint64_t state = 12345;
  for (int round = 0; round < 200; ++round) {
    std::vector<int32_t> ids;
    for (int index = 0; index < 12; ++index) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      ids.push_back(static_cast<int32_t>((state >> 33) % 256));
    }
    std::string joined;
    for (const std::string& piece : stream(tokenizer, ids)) joined += piece;
    EXPECT_EQ(joined, tokenizer.decode(ids));
  }
}

}  // namespace
}  // namespace bitnet::testing

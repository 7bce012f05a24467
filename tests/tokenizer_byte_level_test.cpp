// GPT-2's byte-level alphabet, checked on the code points real vocabularies use.
#include <gtest/gtest.h>

#include "tokenizer/byte_level.h"

namespace bitnet::tokenizer_detail {
namespace {

// As a number, for readable failure messages.
uint32_t code_of(uint8_t byte) {
  return byte_to_code_point(byte);
}

TEST(TokenizerByteLevel, KnownCodePoints) {
  EXPECT_EQ(code_of(' '), 0x0120u);   // 'Ġ'
  EXPECT_EQ(code_of('\n'), 0x010Au);  // 'Ċ'
  EXPECT_EQ(code_of('\t'), 0x0109u);  // 'ĉ'
  EXPECT_EQ(code_of(0x00), 0x0100u);  // 'Ā'
  EXPECT_EQ(code_of(0x7F), 0x0121u);  // the 34th byte that is not printable
  EXPECT_EQ(code_of(0xAD), 0x0143u);  // soft hyphen, the last one: 'Ń'
  EXPECT_EQ(code_of('a'), uint32_t{'a'});
  EXPECT_EQ(code_of(0xE9), 0x00E9u);  // 'é' stands for itself
  EXPECT_EQ(to_byte_level("\n hi"), "\xC4\x8A\xC4\xA0hi");
}

TEST(TokenizerByteLevel, EveryByteRoundTrips) {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all.push_back(static_cast<char>(byte));
  const std::optional<std::string> back = from_byte_level(to_byte_level(all));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, all);
  for (int byte = 0; byte < 256; ++byte) {
    EXPECT_EQ(code_point_to_byte(byte_to_code_point(static_cast<uint8_t>(byte))), byte);
  }
}

TEST(TokenizerByteLevel, TextOutsideTheAlphabetIsRejected) {
  EXPECT_FALSE(from_byte_level("a b").has_value());           // a plain space is 'Ġ' there
  EXPECT_FALSE(from_byte_level("\xE4\xB8\xAD").has_value());  // U+4E2D
  EXPECT_FALSE(from_byte_level("\xFF").has_value());          // not UTF-8
  EXPECT_FALSE(code_point_to_byte(U'\u0144').has_value());    // one past the last
}

}  // namespace
}  // namespace bitnet::tokenizer_detail

// UTF-8 repair as Rust's String::from_utf8_lossy does it: one U+FFFD per maximal subpart of an
// ill-formed sequence (the Unicode standard's table 3-8 example among the cases).
#include <gtest/gtest.h>

#include "tokenizer/utf8.h"

namespace bitnet::tokenizer_detail {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string replacements(int count) {
  std::string text;
  for (int index = 0; index < count; ++index) text += kFffd;
  return text;
}

TEST(TokenizerUtf8, ValidTextIsUnchanged) {
  const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\xA6\x99 \x7F";
  EXPECT_TRUE(is_valid_utf8(text));
  EXPECT_EQ(lossy_utf8(text), text);
}

TEST(TokenizerUtf8, UnicodeStandardTable38Example) {
  // 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64: a, one U+FFFD for F1 80 80, one for E1 80, one for
  // C2, b, one for 80, c, two for 80 BF, d.
  const std::string bytes = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  EXPECT_FALSE(is_valid_utf8(bytes));
  EXPECT_EQ(lossy_utf8(bytes), "a" + replacements(3) + "b" + kFffd + "c" + replacements(2) + "d");
}

TEST(TokenizerUtf8, EachIllFormedSubpartIsOneReplacement) {
  EXPECT_EQ(lossy_utf8("\xC0\x80"), replacements(2));          // overlong lead bytes
  EXPECT_EQ(lossy_utf8("\xE0\x80\x80"), replacements(3));      // E0 needs A0..BF next
  EXPECT_EQ(lossy_utf8("\xED\xA0\x80"), replacements(3));      // a surrogate
  EXPECT_EQ(lossy_utf8("\xF0\x80\x80\x80"), replacements(4));  // F0 needs 90..BF next
  EXPECT_EQ(lossy_utf8("\xF4\x90\x80\x80"), replacements(4));  // above U+10FFFF
  EXPECT_EQ(lossy_utf8("\xF5\xFF\xFE"), replacements(3));      // never valid bytes
  EXPECT_EQ(lossy_utf8("\xE2\x82"), replacements(1));          // truncated at the end
  EXPECT_EQ(lossy_utf8("\xE2\x82x"), kFffd + "x");             // cut short by ASCII
  EXPECT_EQ(lossy_utf8("\xF0\x9F\xA6"), replacements(1));
  EXPECT_EQ(lossy_utf8("\xE2\x28\xA1"), kFffd + "(" + kFffd);
}

TEST(TokenizerUtf8, HoldIncompleteKeepsOnlyAValidPrefixAtTheEnd) {
  std::string out;
  EXPECT_EQ(append_lossy_utf8(out, "ab\xF0\x9F\xA6", /*hold_incomplete=*/true), 2u);
  EXPECT_EQ(out, "ab");
  out.clear();
  // An invalid byte is final at once: nothing later can make it valid.
  EXPECT_EQ(append_lossy_utf8(out, "a\xFF", true), 2u);
  EXPECT_EQ(out, "a" + kFffd);
  out.clear();
  // A prefix that is already ill-formed (E0 80) is replaced, not held.
  EXPECT_EQ(append_lossy_utf8(out, "\xE0\x80", true), 2u);
  EXPECT_EQ(out, replacements(2));
}

TEST(TokenizerUtf8, WellFormedLengthReportsTruncation) {
  bool truncated = false;
  EXPECT_EQ(well_formed_length("\xF0\x9F\xA6\x99", &truncated), 4u);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(well_formed_length("\xF0\x9F", &truncated), 0u);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(well_formed_length("\xF0\x20", &truncated), 0u);
  EXPECT_FALSE(truncated);
}

TEST(TokenizerUtf8, CodePointsRoundTrip) {
  for (const char32_t code_point :
       {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFDu, 0x10000u, 0x10FFFFu}) {
    std::string bytes;
    append_code_point(bytes, code_point);
    ASSERT_EQ(well_formed_length(bytes), bytes.size()) << static_cast<uint32_t>(code_point);
    EXPECT_EQ(static_cast<uint32_t>(decode_code_point(bytes, bytes.size())),
              static_cast<uint32_t>(code_point));
  }
}

}  // namespace
}  // namespace bitnet::tokenizer_detail

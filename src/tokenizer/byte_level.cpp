#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace bitnet::tokenizer_detail {
namespace {

bool stands_for_itself(unsigned byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

struct Alphabet {
  std::array<char32_t, 256> code_points{};
  std::array<int16_t, 324> bytes{};  // code point -> byte, -1 when outside; all are below 0x144

  Alphabet() {
    bytes.fill(-1);
    char32_t next = 0x100;
    for (unsigned byte = 0; byte < 256; ++byte) {
      const char32_t code_point = stands_for_itself(byte) ? byte : next++;
      code_points[byte] = code_point;
      bytes[code_point] = static_cast<int16_t>(byte);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet instance;
  return instance;
}

}  // namespace

char32_t byte_to_code_point(uint8_t byte) noexcept {
  return alphabet().code_points[byte];
}

std::optional<uint8_t> code_point_to_byte(char32_t code_point) noexcept {
  const Alphabet& table = alphabet();
  if (code_point >= table.bytes.size() || table.bytes[code_point] < 0) return std::nullopt;
  return static_cast<uint8_t>(table.bytes[code_point]);
}

std::string to_byte_level(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const char byte : bytes)
    append_code_point(text, byte_to_code_point(static_cast<uint8_t>(byte)));
  return text;
}

std::optional<std::string> from_byte_level(std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size());
  size_t position = 0;
  while (position < text.size()) {
    const size_t length = well_formed_length(text.substr(position));
    if (length == 0) return std::nullopt;
    const std::optional<uint8_t> byte =
        code_point_to_byte(decode_code_point(text.substr(position), length));
    if (!byte) return std::nullopt;
    bytes.push_back(static_cast<char>(*byte));
    position += length;
  }
  return bytes;
}

}  // namespace bitnet::tokenizer_detail

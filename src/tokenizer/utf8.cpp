// UTF-8 well-formedness after the Unicode standard's table 3-7, which is what makes the
// replacement count match from_utf8_lossy: a lead byte followed by a byte outside its allowed
// second-byte range is one maximal subpart on its own, and so on for later bytes.
#include "tokenizer/utf8.h"

#include <cstdint>

namespace bitnet::tokenizer_detail {
namespace {

// The allowed range of the second byte after a lead byte (table 3-7); later bytes are 80..BF.
struct LeadByte {
  size_t length;  // 0: not a lead byte
  uint8_t second_low;
  uint8_t second_high;
};

LeadByte classify(uint8_t byte) {
  if (byte < 0x80) return {1, 0, 0};
  if (byte >= 0xC2 && byte <= 0xDF) return {2, 0x80, 0xBF};
  if (byte == 0xE0) return {3, 0xA0, 0xBF};
  if (byte >= 0xE1 && byte <= 0xEC) return {3, 0x80, 0xBF};
  if (byte == 0xED) return {3, 0x80, 0x9F};  // excludes the surrogates
  if (byte >= 0xEE && byte <= 0xEF) return {3, 0x80, 0xBF};
  if (byte == 0xF0) return {4, 0x90, 0xBF};
  if (byte >= 0xF1 && byte <= 0xF3) return {4, 0x80, 0xBF};
  if (byte == 0xF4) return {4, 0x80, 0x8F};  // nothing above U+10FFFF
  return {0, 0, 0};
}

// How many bytes at the front of `bytes` form a valid (possibly incomplete) prefix of a sequence
// starting with a lead byte of `lead.length` > 1: the size of the maximal subpart.
size_t valid_prefix(std::string_view bytes, const LeadByte& lead) {
  size_t count = 1;
  while (count < lead.length && count < bytes.size()) {
    const auto byte = static_cast<uint8_t>(bytes[count]);
    const uint8_t low = count == 1 ? lead.second_low : 0x80;
    const uint8_t high = count == 1 ? lead.second_high : 0xBF;
    if (byte < low || byte > high) break;
    ++count;
  }
  return count;
}

}  // namespace

size_t well_formed_length(std::string_view bytes, bool* truncated) {
  if (truncated != nullptr) *truncated = false;
  if (bytes.empty()) return 0;
  const LeadByte lead = classify(static_cast<uint8_t>(bytes[0]));
  if (lead.length <= 1) return lead.length;
  const size_t prefix = valid_prefix(bytes, lead);
  if (prefix == lead.length) return prefix;
  if (truncated != nullptr) *truncated = prefix == bytes.size();
  return 0;
}

size_t append_lossy_utf8(std::string& out, std::string_view bytes, bool hold_incomplete) {
  size_t position = 0;
  while (position < bytes.size()) {
    // Copy a run of ASCII at once: most text is mostly ASCII.
    size_t run = position;
    while (run < bytes.size() && static_cast<uint8_t>(bytes[run]) < 0x80) ++run;
    out.append(bytes.substr(position, run - position));
    position = run;
    if (position == bytes.size()) break;

    const std::string_view rest = bytes.substr(position);
    const LeadByte lead = classify(static_cast<uint8_t>(rest[0]));
    if (lead.length == 0) {
      out.append(kReplacementCharacter);
      ++position;
      continue;
    }
    const size_t prefix = valid_prefix(rest, lead);
    if (prefix == lead.length) {
      out.append(rest.substr(0, prefix));
    } else if (prefix == rest.size() && hold_incomplete) {
      return position;  // a character whose tail has not arrived yet
    } else {
      out.append(kReplacementCharacter);
    }
    position += prefix;
  }
  return position;
}

std::string lossy_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  append_lossy_utf8(out, bytes);
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  size_t position = 0;
  while (position < bytes.size()) {
    if (static_cast<uint8_t>(bytes[position]) < 0x80) {
      ++position;
      continue;
    }
    const size_t length = well_formed_length(bytes.substr(position));
    if (length == 0) return false;
    position += length;
  }
  return true;
}

void append_code_point(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

char32_t decode_code_point(std::string_view bytes, size_t length) {
  const auto byte = [&](size_t index) {
    return static_cast<char32_t>(static_cast<uint8_t>(bytes[index]));
  };
  switch (length) {
    case 1:
      return byte(0);
    case 2:
      return ((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
    case 3:
      return ((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    default:
      return ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
             (byte(3) & 0x3F);
  }
}

}  // namespace bitnet::tokenizer_detail

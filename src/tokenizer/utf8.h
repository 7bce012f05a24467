// UTF-8 reading and repair for the tokenizers. Invalid input is replaced the way Rust's
// String::from_utf8_lossy (and the WHATWG decoder) does it: one U+FFFD per maximal subpart of an
// ill-formed sequence (Unicode's "substitution of maximal subparts"), so that our output matches
// Hugging Face tokenizers byte for byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bitnet::tokenizer_detail {

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed sequence starting at `bytes[0]` (1 to 4), or 0 when the bytes
// there do not start one. `truncated` is set when they are a proper prefix of a well-formed
// sequence cut short by the end of `bytes`.
[[nodiscard]] size_t well_formed_length(std::string_view bytes, bool* truncated = nullptr);

// Appends `bytes` to `out` with every maximal ill-formed subpart replaced by U+FFFD. With
// `hold_incomplete`, a well-formed prefix cut short by the end of `bytes` is not consumed (it may
// be completed by bytes still to come). Returns how many bytes were consumed.
size_t append_lossy_utf8(std::string& out, std::string_view bytes, bool hold_incomplete = false);

[[nodiscard]] std::string lossy_utf8(std::string_view bytes);
[[nodiscard]] bool is_valid_utf8(std::string_view bytes);

// Appends the UTF-8 form of a scalar value (not a surrogate, at most U+10FFFF).
void append_code_point(std::string& out, char32_t code_point);
// Decodes the well-formed sequence at the front of `bytes` (as checked by well_formed_length).
[[nodiscard]] char32_t decode_code_point(std::string_view bytes, size_t length);

}  // namespace bitnet::tokenizer_detail

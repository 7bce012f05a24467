// GPT-2's byte-level alphabet: every byte is shown as one printable code point, so that a BPE
// vocabulary over bytes can be stored as text. Bytes that are printable Latin-1 characters
// ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 are U+0100 upwards in byte
// order (space is 'Ġ' U+0120, newline 'Ċ' U+010A).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bitnet::tokenizer_detail {

[[nodiscard]] char32_t byte_to_code_point(uint8_t byte) noexcept;
// The byte a code point of the alphabet stands for, or nullopt for one outside it.
[[nodiscard]] std::optional<uint8_t> code_point_to_byte(char32_t code_point) noexcept;

// The byte-level text of raw bytes ("\n hi" -> "ĊĠhi").
[[nodiscard]] std::string to_byte_level(std::string_view bytes);
// The raw bytes of byte-level text, or nullopt when a character is outside the alphabet (or the
// text is not valid UTF-8).
[[nodiscard]] std::optional<std::string> from_byte_level(std::string_view text);

}  // namespace bitnet::tokenizer_detail

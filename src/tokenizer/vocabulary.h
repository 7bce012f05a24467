// The token table: each id's stored text, kind and the raw bytes it decodes to, with lookups by
// stored text and, for BPE, by raw bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bitnet/tokenizer.h"

namespace bitnet::tokenizer_detail {

// Lets unordered_map<std::string, ...> be searched with a string_view without a copy. Deliberately
// not noexcept: libstdc++ then keeps each key's hash in its node, so a lookup does not hash again
// every key it passes in a bucket (that made lookups several times slower).
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

class Vocabulary {
 public:
  // Appends the next id. `bytes` is what the token decodes to. When `mergeable`, the token can be
  // reached by merging bytes and is found by find_bytes (the first id wins for equal bytes).
  void add(std::string text, TokenKind kind, std::string bytes, bool mergeable);

  [[nodiscard]] int32_t size() const noexcept { return static_cast<int32_t>(texts_.size()); }
  [[nodiscard]] const std::string& text(int32_t id) const {
    return texts_[static_cast<size_t>(id)];
  }
  [[nodiscard]] const std::string& bytes(int32_t id) const {
    return bytes_[static_cast<size_t>(id)];
  }
  [[nodiscard]] TokenKind kind(int32_t id) const { return kinds_[static_cast<size_t>(id)]; }

  // The first id whose stored text is `text`.
  [[nodiscard]] std::optional<int32_t> find_text(std::string_view text) const;
  // The mergeable token whose bytes are `bytes`.
  [[nodiscard]] std::optional<int32_t> find_bytes(std::string_view bytes) const;

 private:
  std::vector<std::string> texts_;
  std::vector<std::string> bytes_;
  std::vector<TokenKind> kinds_;
  StringMap<int32_t> by_text_;
  StringMap<int32_t> by_bytes_;
};

}  // namespace bitnet::tokenizer_detail

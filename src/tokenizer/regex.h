// A compiled regular expression over UTF-8 with Unicode properties (\p{L}, \p{N},
// \p{White_Space}). The engine is Debian's PCRE2 (8-bit, UTF + UCP, JIT-compiled); this header
// keeps it out of every other file, and pcre2_regex.cpp is the only file that includes pcre2.h.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace bitnet::tokenizer_detail {

class Regex {
 public:
  // Throws Error(kInvalidArgument) quoting the pattern and PCRE2's message with its offset.
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Calls `on_match(begin, end)` for each successive non-overlapping match in `text`, which must
  // be valid UTF-8 (not checked again here). Empty matches are skipped over by one character.
  // Safe to call from several threads at once.
  void for_each_match(std::string_view text,
                      const std::function<void(size_t begin, size_t end)>& on_match) const;

  [[nodiscard]] const std::string& pattern() const noexcept { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace bitnet::tokenizer_detail

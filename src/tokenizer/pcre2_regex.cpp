// The PCRE2 adapter: the one place that knows the engine. Patterns are compiled once with UTF
// (code points, not bytes) and UCP (\d, \w and POSIX classes by Unicode properties) and then
// JIT-compiled; matching uses a match-data block per call so that one Regex serves many threads.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/raise.h"
#include "tokenizer/regex.h"

namespace bitnet::tokenizer_detail {
namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0)
    return fmt::format("error {}", code);
  return reinterpret_cast<const char*>(buffer);
}

struct MatchData {
  pcre2_match_data* data;
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {
    if (data == nullptr) raise(ErrorKind::kOutOfMemory, "regex: cannot allocate match data");
  }
  ~MatchData() { pcre2_match_data_free(data); }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
};

}  // namespace

struct Regex::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

Regex::Regex(const std::string& pattern)
    : pattern_(pattern), compiled_(std::make_unique<Compiled>()) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                  PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (compiled_->code == nullptr) {
    raise(ErrorKind::kInvalidArgument, "regex '{}': {} at offset {}", pattern,
          pcre2_message(error_code), error_offset);
  }
  // Without JIT support (some architectures) PCRE2 interprets the pattern: slower, same matches.
  (void)pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

void Regex::for_each_match(std::string_view text,
                           const std::function<void(size_t begin, size_t end)>& on_match) const {
  MatchData match(compiled_->code);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;
  while (start < text.size()) {
    // The caller guarantees valid UTF-8, so PCRE2's own check of the whole subject on every call
    // (quadratic over a long text) is skipped.
    const int result = pcre2_match(compiled_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK,
                                   match.data, nullptr);
    if (result == PCRE2_ERROR_NOMATCH) return;
    if (result < 0) raise(ErrorKind::kInternal, "regex '{}': {}", pattern_, pcre2_message(result));
    const PCRE2_SIZE* offsets = pcre2_get_ovector_pointer(match.data);
    const size_t begin = offsets[0];
    const size_t end = offsets[1];
    if (end == begin) {
      // Step over one whole character so the next search starts on a character boundary.
      size_t next = begin + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      start = next;
      continue;
    }
    on_match(begin, end);
    start = end;
  }
}

}  // namespace bitnet::tokenizer_detail

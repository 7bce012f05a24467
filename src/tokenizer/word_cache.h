// Remembers the merged ids of pieces seen before: natural text repeats its words, and a lookup is
// far cheaper than merging again. Shared by all threads using one tokenizer, behind a mutex;
// bounded by dropping everything when full (simple, and a hot word comes back at once).
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "tokenizer/vocabulary.h"

namespace bitnet::tokenizer_detail {

class WordCache {
 public:
  static constexpr size_t kMaxEntries = 1 << 16;
  // Pieces longer than this are merged every time: they are rare and would fill the cache.
  static constexpr size_t kMaxWordBytes = 64;

  // Appends the cached ids of `word` to `out` and returns true, or returns false.
  bool find(std::string_view word, std::vector<int32_t>& out) const;
  void insert(std::string_view word, std::vector<int32_t> ids);

 private:
  mutable std::mutex mutex_;
  StringMap<std::vector<int32_t>> entries_;
};

}  // namespace bitnet::tokenizer_detail

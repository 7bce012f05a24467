#include "tokenizer/word_cache.h"

namespace bitnet::tokenizer_detail {

bool WordCache::find(std::string_view word, std::vector<int32_t>& out) const {
  if (word.size() > kMaxWordBytes) return false;
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(word);
  if (found == entries_.end()) return false;
  out.insert(out.end(), found->second.begin(), found->second.end());
  return true;
}

void WordCache::insert(std::string_view word, std::vector<int32_t> ids) {
  if (word.size() > kMaxWordBytes) return;
  const std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_.try_emplace(std::string(word), std::move(ids));
}

}  // namespace bitnet::tokenizer_detail

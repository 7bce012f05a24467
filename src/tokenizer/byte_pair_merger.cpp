#include "tokenizer/byte_pair_merger.h"

#include <algorithm>
#include <queue>

namespace bitnet::tokenizer_detail {
namespace {

struct Symbol {
  int32_t id;
  int32_t previous;  // index of the symbol before, -1 at the start
  int32_t next;      // index of the symbol after, -1 at the end
  bool alive;
};

// A merge that was possible when it was queued: `left` and `right` are symbol indices, and the
// ids they held then; it is stale when either symbol has changed since.
struct Candidate {
  int32_t rank;
  int32_t left;
  int32_t right;
  int32_t left_id;
  int32_t right_id;
  int32_t result;
};

// The queue's top is the lowest rank, and among equal ranks the leftmost pair.
struct LaterCandidate {
  bool operator()(const Candidate& a, const Candidate& b) const noexcept {
    if (a.rank != b.rank) return a.rank > b.rank;
    return a.left > b.left;
  }
};

}  // namespace

const Merge* BytePairMerger::find(int32_t left, int32_t right) const {
  const auto found = merges_.find(pair_key(left, right));
  return found == merges_.end() ? nullptr : &found->second;
}

void BytePairMerger::merge(std::string_view bytes, std::vector<int32_t>& out) const {
  std::vector<int32_t> symbols(bytes.size());
  for (size_t index = 0; index < bytes.size(); ++index) {
    symbols[index] = byte_ids_[static_cast<uint8_t>(bytes[index])];
  }
  merge_symbols(symbols, out);
}

void BytePairMerger::merge_symbols(const std::vector<int32_t>& initial,
                                   std::vector<int32_t>& out) const {
  if (initial.empty()) return;
  const auto count = static_cast<int32_t>(initial.size());
  std::vector<Symbol> symbols(initial.size());
  for (int32_t index = 0; index < count; ++index) {
    symbols[static_cast<size_t>(index)] = {initial[static_cast<size_t>(index)], index - 1,
                                           index + 1 < count ? index + 1 : -1, true};
  }

  std::vector<Candidate> storage;
  storage.reserve(initial.size());
  std::priority_queue<Candidate, std::vector<Candidate>, LaterCandidate> queue(LaterCandidate{},
                                                                               std::move(storage));
  const auto offer = [&](int32_t left, int32_t right) {
    const Symbol& a = symbols[static_cast<size_t>(left)];
    const Symbol& b = symbols[static_cast<size_t>(right)];
    if (const Merge* merge = find(a.id, b.id)) {
      queue.push({merge->rank, left, right, a.id, b.id, merge->result});
    }
  };
  for (int32_t index = 0; index + 1 < count; ++index) offer(index, index + 1);

  while (!queue.empty()) {
    const Candidate candidate = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(candidate.left)];
    Symbol& right = symbols[static_cast<size_t>(candidate.right)];
    if (!left.alive || !right.alive || left.next != candidate.right ||
        left.id != candidate.left_id || right.id != candidate.right_id) {
      continue;
    }
    // The merged symbol keeps the left index, so positions keep their left-to-right order.
    left.id = candidate.result;
    left.next = right.next;
    right.alive = false;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].previous = candidate.left;
    if (left.previous >= 0) offer(left.previous, candidate.left);
    if (left.next >= 0) offer(candidate.left, left.next);
  }

  for (int32_t index = 0; index >= 0; index = symbols[static_cast<size_t>(index)].next) {
    out.push_back(symbols[static_cast<size_t>(index)].id);
  }
}

std::vector<std::pair<int32_t, int32_t>> BytePairMerger::pairs_by_rank() const {
  std::vector<std::pair<int32_t, std::pair<int32_t, int32_t>>> ranked;
  ranked.reserve(merges_.size());
  for (const auto& [key, merge] : merges_) {
    ranked.push_back(
        {merge.rank, {static_cast<int32_t>(key >> 32), static_cast<int32_t>(key & 0xFFFFFFFFu)}});
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::pair<int32_t, int32_t>> pairs;
  pairs.reserve(ranked.size());
  for (const auto& entry : ranked) pairs.push_back(entry.second);
  return pairs;
}

}  // namespace bitnet::tokenizer_detail

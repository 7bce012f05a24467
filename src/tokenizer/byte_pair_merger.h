// Byte-pair merging of one pre-tokenized piece: start from one token per byte and repeatedly apply
// the merge of lowest rank present (the leftmost of equal ranks), as Hugging Face's BPE model does.
// The symbols form a linked list and the candidate merges a priority queue, so a piece of n bytes
// costs O(n log n) rather than a rescan of all pairs after each merge.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bitnet::tokenizer_detail {

struct Merge {
  int32_t rank;    // position in the merge list: lower merges first
  int32_t result;  // the id of the merged token
};

class BytePairMerger {
 public:
  BytePairMerger() = default;
  // `byte_ids[b]`: the token of the single byte b. `merges`: keyed by pair_key(left, right).
  BytePairMerger(std::array<int32_t, 256> byte_ids, std::unordered_map<uint64_t, Merge> merges)
      : byte_ids_(byte_ids), merges_(std::move(merges)) {}

  [[nodiscard]] static uint64_t pair_key(int32_t left, int32_t right) noexcept {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  // Appends the ids of `bytes` (not empty) after all merges to `out`.
  void merge(std::string_view bytes, std::vector<int32_t>& out) const;
  // The same from initial symbols other than bytes (SentencePiece starts from characters).
  void merge_symbols(const std::vector<int32_t>& symbols, std::vector<int32_t>& out) const;

  [[nodiscard]] size_t merge_count() const noexcept { return merges_.size(); }
  // The (left, right) id pairs in rank order, as a merge list to write out.
  [[nodiscard]] std::vector<std::pair<int32_t, int32_t>> pairs_by_rank() const;

 private:
  [[nodiscard]] const Merge* find(int32_t left, int32_t right) const;
  std::array<int32_t, 256> byte_ids_{};
  std::unordered_map<uint64_t, Merge> merges_;
};

}  // namespace bitnet::tokenizer_detail

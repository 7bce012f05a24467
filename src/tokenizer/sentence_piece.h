// LLaMA-2's SentencePiece BPE: the text's spaces become '▁' (U+2581), a '▁' is put in front of
// each run of text (add_dummy_prefix), and characters are merged pairwise into pieces of the
// vocabulary. Characters that no piece covers fall back to their UTF-8 bytes as <0xNN> tokens.
//
// Two orders of merging, one per source: GGUF files carry SentencePiece's piece scores, and the
// pair whose merged piece scores highest merges first (the leftmost among equal scores), as
// SentencePiece and llama.cpp do; tokenizer.json files carry a ranked merge list instead, applied
// as Hugging Face's BPE model applies it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tokenizer/byte_pair_merger.h"
#include "tokenizer/vocabulary.h"
#include "tokenizer/word_cache.h"

namespace bitnet::tokenizer_detail {

inline constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // '▁'

// Where a '▁' goes in front of a run of text (the text between added tokens). The forms differ for
// a text that starts with a space and for the runs after an added token.
enum class SpacePrefix {
  kNone,
  // In front of every run: SentencePiece's add_dummy_prefix as llama.cpp and Hugging Face's
  // "legacy" normalizer (Prepend '▁') apply it.
  kEveryRun,
  // Hugging Face's Metaspace pre-tokenizer, prepend_scheme "always": every run that does not
  // already start with a space.
  kEveryRunUnlessSpace,
  // Metaspace, prepend_scheme "first": only the run at the start of the text, unless it starts
  // with a space (transformers' non-legacy LLaMA conversion).
  kFirstRunUnlessSpace,
};

class SentencePieceModel {
 public:
  // Merging by score: `scores` by id.
  SentencePieceModel(StringMap<int32_t> pieces, std::vector<float> scores,
                     std::array<int32_t, 256> byte_ids, SpacePrefix space_prefix);
  // Merging by rank.
  SentencePieceModel(StringMap<int32_t> pieces, BytePairMerger merger,
                     std::array<int32_t, 256> byte_ids, SpacePrefix space_prefix);

  // Appends the ids of one run of text (valid UTF-8, between added tokens) to `out`; words seen
  // before come from `cache`. `first_run`: the run starts the text.
  void encode(std::string_view text, bool first_run, std::vector<int32_t>& out,
              WordCache& cache) const;

  [[nodiscard]] SpacePrefix space_prefix() const noexcept { return space_prefix_; }
  // The piece scores by id when merging by score (GGUF), else empty.
  [[nodiscard]] const std::vector<float>& scores() const noexcept { return scores_; }
  // The ranked merges when merging by rank (tokenizer.json).
  [[nodiscard]] const BytePairMerger& merger() const noexcept { return merger_; }

  // Whether any run can get a '▁' in front (which decoding then strips from the text's start).
  [[nodiscard]] bool adds_space_prefix() const noexcept {
    return space_prefix_ != SpacePrefix::kNone;
  }

 private:
  void merge(std::string_view text, std::vector<int32_t>& out) const;
  void merge_by_score(std::string_view text, std::vector<int32_t>& out) const;
  void merge_by_rank(std::string_view text, std::vector<int32_t>& out) const;
  void append_piece_or_bytes(std::string_view piece, std::vector<int32_t>& out) const;

  StringMap<int32_t> pieces_;  // normal pieces by text ('▁' for spaces)
  std::vector<float> scores_;  // empty when merging by rank
  BytePairMerger merger_;
  std::array<int32_t, 256> byte_ids_{};  // <0xNN> tokens (or the unknown token)
  SpacePrefix space_prefix_;
  // True when no piece has a '▁' after another character (LLaMA-2's pieces only start with
  // spaces): then no merge crosses the point before a '▁' that follows another character, the
  // words between such points merge independently, and each word's ids can be cached.
  bool words_merge_independently_;
};

}  // namespace bitnet::tokenizer_detail

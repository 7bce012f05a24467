// What a loaded tokenizer holds. Loaders describe a tokenizer as a ByteLevelBpeSpec (tokens in id
// order with their kinds, merges in rank order, the special ids) and build_byte_level_bpe checks it
// and builds the lookup structures, so every loader gets the same validation and messages.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bitnet/tokenizer.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/byte_pair_merger.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/sentence_piece.h"
#include "tokenizer/vocabulary.h"
#include "tokenizer/word_cache.h"

namespace bitnet::tokenizer_detail {

struct TokenizerData {
  std::string model_name;
  Vocabulary vocabulary;
  BytePairMerger merger;
  // Byte-level BPE (LLaMA-3) uses the pre-tokenizer and merger; SentencePiece (LLaMA-2) the model.
  std::optional<PreTokenizer> pre_tokenizer;
  std::optional<SentencePieceModel> sentence_piece;
  AddedTokenMatcher added_tokens;
  std::optional<int32_t> bos;
  std::optional<int32_t> eos;
  std::optional<int32_t> eot;
  std::optional<int32_t> pad;
  bool add_bos = false;
  bool add_eos = false;
  // A piece that is a token of its own is not merged (Hugging Face's ignore_merges; LLaMA-3).
  bool ignore_merges = false;
  std::optional<std::string> chat_template;
  mutable WordCache cache;
};

// What both tokenizer models read from a file: the vocabulary, the special ids and the template.
struct VocabularySpec {
  std::string source;                                       // the file, for messages
  std::vector<std::string> tokens;                          // stored text, by id
  std::vector<TokenKind> kinds;                             // by id
  std::vector<std::pair<std::string, std::string>> merges;  // stored texts, by rank
  std::optional<int32_t> bos;
  std::optional<int32_t> eos;
  std::optional<int32_t> eot;
  std::optional<int32_t> pad;
  bool add_bos = false;
  bool add_eos = false;
  std::optional<std::string> chat_template;
};

// A vocabulary that is not empty, fits 32-bit ids, has a kind per token, and special ids in range
// (present when added); throws Error naming spec.source and the problem.
void check_vocabulary(const VocabularySpec& spec);

// Byte-level tokens: stored in GPT-2's byte-to-unicode alphabet.
struct ByteLevelBpeSpec : VocabularySpec {
  bool ignore_merges = false;
};

// Checks `spec` (every merge's parts and result in the vocabulary, a token for each of the 256
// bytes, special ids in range) and builds the LLaMA-3 byte-level BPE tokenizer. Throws Error
// naming spec.source and the offending token or merge.
[[nodiscard]] std::shared_ptr<const TokenizerData> build_byte_level_bpe(ByteLevelBpeSpec spec);

// Pieces: '▁' for spaces, "<0x0A>" for bytes ("<0xNN>" pieces become kByte). Merges come from
// `scores` (GGUF, by score) or from `merges` (JSON, by rank).
struct SentencePieceSpec : VocabularySpec {
  SentencePieceSpec() { add_bos = true; }
  std::vector<float> scores;  // by id
  std::optional<int32_t> unknown;
  SpacePrefix space_prefix = SpacePrefix::kEveryRun;
};

// Checks `spec` (scores or merges for every piece they name, a byte token for each byte or an
// unknown token to stand in) and builds the LLaMA-2 SentencePiece tokenizer.
[[nodiscard]] std::shared_ptr<const TokenizerData> build_sentence_piece(SentencePieceSpec spec);

}  // namespace bitnet::tokenizer_detail

// Tokenizer::gguf_metadata: a loaded tokenizer as the tokenizer.ggml.* keys llama.cpp's converter
// writes, so that a model converted from a Hugging Face folder carries its tokenizer inside the
// GGUF file and Tokenizer::from_gguf (or llama.cpp) reads back the same ids.
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "bitnet/io.h"
#include "bitnet/tokenizer.h"
#include "core/raise.h"
#include "tokenizer/tokenizer_data.h"

namespace bitnet {
namespace {

using tokenizer_detail::TokenizerData;

void add_ids(const TokenizerData& data, std::vector<GgufMetadataEntry>& out) {
  const auto add = [&](const char* key, const std::optional<int32_t>& id) {
    if (id) out.push_back({key, GgufValue(static_cast<uint32_t>(*id))});
  };
  add("tokenizer.ggml.bos_token_id", data.bos);
  add("tokenizer.ggml.eos_token_id", data.eos);
  add("tokenizer.ggml.eot_token_id", data.eot);
  add("tokenizer.ggml.padding_token_id", data.pad);
}

// The merge list in the "left right" form of tokenizer.ggml.merges.
std::vector<std::string> merge_strings(const TokenizerData& data) {
  std::vector<std::string> merges;
  for (const auto& [left, right] : data.merger.pairs_by_rank()) {
    merges.push_back(data.vocabulary.text(left) + " " + data.vocabulary.text(right));
  }
  return merges;
}

// Scores that make merging by score pick what merging by rank picks: each piece scores minus the
// rank of the first merge that makes it; pieces no merge makes (characters, bytes, specials) score
// far below any merge, so they never outrank one.
std::vector<float> scores_from_ranks(const TokenizerData& data,
                                     const tokenizer_detail::BytePairMerger& merger) {
  std::vector<float> scores(static_cast<size_t>(data.vocabulary.size()), -1e9f);
  std::vector<bool> made(scores.size(), false);
  const auto pairs = merger.pairs_by_rank();
  for (size_t rank = 0; rank < pairs.size(); ++rank) {
    const std::string merged =
        data.vocabulary.text(pairs[rank].first) + data.vocabulary.text(pairs[rank].second);
    const std::optional<int32_t> id = data.vocabulary.find_text(merged);
    if (!id || made[static_cast<size_t>(*id)]) continue;
    made[static_cast<size_t>(*id)] = true;
    scores[static_cast<size_t>(*id)] = -static_cast<float>(rank);
  }
  return scores;
}

}  // namespace

std::vector<GgufMetadataEntry> Tokenizer::gguf_metadata() const {
  const TokenizerData& data = *data_;
  const tokenizer_detail::Vocabulary& vocabulary = data.vocabulary;
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::optional<int32_t> unknown;
  tokens.reserve(static_cast<size_t>(vocabulary.size()));
  types.reserve(static_cast<size_t>(vocabulary.size()));
  for (int32_t id = 0; id < vocabulary.size(); ++id) {
    tokens.push_back(vocabulary.text(id));
    types.push_back(static_cast<int32_t>(vocabulary.kind(id)));
    if (vocabulary.kind(id) == TokenKind::kUnknown && !unknown) unknown = id;
  }

  std::vector<GgufMetadataEntry> out;
  if (data.sentence_piece) {
    const auto& model = *data.sentence_piece;
    using tokenizer_detail::SpacePrefix;
    if (model.space_prefix() != SpacePrefix::kEveryRun &&
        model.space_prefix() != SpacePrefix::kNone) {
      raise(ErrorKind::kUnsupported,
            "tokenizer: the Metaspace form (a '▁' only where the text does not start with a "
            "space) has no GGUF equivalent (tokenizer.ggml.add_space_prefix puts one in front of "
            "every run of text)");
    }
    out.push_back({"tokenizer.ggml.model", GgufValue("llama")});
    out.push_back({"tokenizer.ggml.pre", GgufValue("default")});
    out.push_back({"tokenizer.ggml.tokens", GgufValue::array(std::move(tokens))});
    out.push_back({"tokenizer.ggml.scores",
                   GgufValue::array(model.scores().empty() ? scores_from_ranks(data, model.merger())
                                                           : model.scores())});
    out.push_back({"tokenizer.ggml.token_type", GgufValue::array(types)});
    if (unknown) {
      out.push_back(
          {"tokenizer.ggml.unknown_token_id", GgufValue(static_cast<uint32_t>(*unknown))});
    }
    out.push_back({"tokenizer.ggml.add_space_prefix",
                   GgufValue(model.space_prefix() == SpacePrefix::kEveryRun)});
  } else {
    if (!data.ignore_merges) {
      raise(ErrorKind::kUnsupported,
            "tokenizer: this byte-level BPE merges every piece (ignore_merges false), but GGUF's "
            "'llama-bpe' pre-tokenizer takes a piece that is a token of its own whole");
    }
    out.push_back({"tokenizer.ggml.model", GgufValue("gpt2")});
    out.push_back({"tokenizer.ggml.pre", GgufValue("llama-bpe")});
    out.push_back({"tokenizer.ggml.tokens", GgufValue::array(std::move(tokens))});
    out.push_back({"tokenizer.ggml.token_type", GgufValue::array(types)});
    out.push_back({"tokenizer.ggml.merges", GgufValue::array(merge_strings(data))});
  }
  add_ids(data, out);
  out.push_back({"tokenizer.ggml.add_bos_token", GgufValue(data.add_bos)});
  out.push_back({"tokenizer.ggml.add_eos_token", GgufValue(data.add_eos)});
  if (data.chat_template) {
    out.push_back({"tokenizer.chat_template", GgufValue(*data.chat_template)});
  }
  return out;
}

}  // namespace bitnet

// Builds a byte-level BPE tokenizer from its description, checking everything encode() relies on
// so that a bad file fails when it is loaded, with a message naming what is wrong.
#include <fmt/format.h>

#include "core/raise.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer_data.h"
#include "tokenizer/utf8.h"

namespace bitnet::tokenizer_detail {
namespace {

void check_special_id(const std::string& source, size_t vocab_size, std::string_view name,
                      const std::optional<int32_t>& id) {
  if (id && (*id < 0 || *id >= static_cast<int64_t>(vocab_size))) {
    raise(ErrorKind::kInvalidArgument, "{}: {} id {} is outside the vocabulary of {} tokens",
          source, name, *id, vocab_size);
  }
}

}  // namespace

void check_vocabulary(const VocabularySpec& spec) {
  if (spec.tokens.empty()) {
    raise(ErrorKind::kInvalidArgument, "{}: the vocabulary is empty", spec.source);
  }
  if (spec.tokens.size() > static_cast<size_t>(INT32_MAX)) {
    raise(ErrorKind::kOverflow, "{}: {} tokens do not fit 32-bit ids", spec.source,
          spec.tokens.size());
  }
  if (spec.kinds.size() != spec.tokens.size()) {
    raise(ErrorKind::kInvalidArgument, "{}: {} token kinds for {} tokens", spec.source,
          spec.kinds.size(), spec.tokens.size());
  }
  const size_t vocab_size = spec.tokens.size();
  check_special_id(spec.source, vocab_size, "bos", spec.bos);
  check_special_id(spec.source, vocab_size, "eos", spec.eos);
  check_special_id(spec.source, vocab_size, "eot", spec.eot);
  check_special_id(spec.source, vocab_size, "pad", spec.pad);
  if (spec.add_bos && !spec.bos) {
    raise(ErrorKind::kInvalidArgument, "{}: add_bos is set but there is no bos token", spec.source);
  }
  if (spec.add_eos && !spec.eos) {
    raise(ErrorKind::kInvalidArgument, "{}: add_eos is set but there is no eos token", spec.source);
  }
}

std::shared_ptr<const TokenizerData> build_byte_level_bpe(ByteLevelBpeSpec spec) {
  check_vocabulary(spec);

  auto data = std::make_shared<TokenizerData>();
  data->model_name = "llama3-bpe";
  std::vector<AddedToken> added;
  for (size_t index = 0; index < spec.tokens.size(); ++index) {
    std::string& text = spec.tokens[index];
    const TokenKind kind = spec.kinds[index];
    // A token whose text is not in the byte alphabet decodes to its own UTF-8, as Hugging Face's
    // ByteLevel decoder does; BPE can never produce it.
    std::optional<std::string> bytes = from_byte_level(text);
    const bool mergeable = kind == TokenKind::kNormal && bytes.has_value();
    if (kind == TokenKind::kControl || kind == TokenKind::kUserDefined) {
      added.push_back({text, static_cast<int32_t>(index), kind == TokenKind::kControl});
    }
    std::string decoded = bytes ? std::move(*bytes) : text;
    data->vocabulary.add(std::move(text), kind, std::move(decoded), mergeable);
  }
  const Vocabulary& vocabulary = data->vocabulary;

  std::array<int32_t, 256> byte_ids{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    const std::optional<int32_t> id =
        vocabulary.find_bytes(std::string(1, static_cast<char>(byte)));
    if (!id) {
      std::string shown;
      append_code_point(shown, byte_to_code_point(static_cast<uint8_t>(byte)));
      raise(ErrorKind::kInvalidArgument, "{}: no token for byte 0x{:02X} ('{}')", spec.source, byte,
            shown);
    }
    byte_ids[byte] = *id;
  }

  std::unordered_map<uint64_t, Merge> merges;
  merges.reserve(spec.merges.size());
  const auto mergeable_id = [&](size_t rank, const std::string& left, const std::string& right,
                                const std::string& part) {
    const std::optional<int32_t> id = vocabulary.find_text(part);
    if (!id) {
      raise(ErrorKind::kInvalidArgument, "{}: merge {} '{} {}': '{}' is not in the vocabulary",
            spec.source, rank, left, right, part);
    }
    if (vocabulary.find_bytes(vocabulary.bytes(*id)) != id) {
      raise(ErrorKind::kInvalidArgument,
            "{}: merge {} '{} {}': '{}' is not a normal byte-level token", spec.source, rank, left,
            right, part);
    }
    return *id;
  };
  if (spec.merges.size() > static_cast<size_t>(INT32_MAX)) {
    raise(ErrorKind::kOverflow, "{}: {} merges do not fit 32-bit ranks", spec.source,
          spec.merges.size());
  }
  for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const auto& [left, right] = spec.merges[rank];
    const int32_t left_id = mergeable_id(rank, left, right, left);
    const int32_t right_id = mergeable_id(rank, left, right, right);
    const int32_t result = mergeable_id(rank, left, right, left + right);
    // A pair listed twice keeps its last rank, as Hugging Face's BPE builder does.
    merges[BytePairMerger::pair_key(left_id, right_id)] = {static_cast<int32_t>(rank), result};
  }

  data->merger = BytePairMerger(byte_ids, std::move(merges));
  data->pre_tokenizer = PreTokenizer::llama3();
  data->added_tokens = AddedTokenMatcher(std::move(added));
  data->bos = spec.bos;
  data->eos = spec.eos;
  data->eot = spec.eot;
  data->pad = spec.pad;
  data->add_bos = spec.add_bos;
  data->add_eos = spec.add_eos;
  data->chat_template = std::move(spec.chat_template);
  data->ignore_merges = spec.ignore_merges;
  return data;
}

}  // namespace bitnet::tokenizer_detail

// Builds a SentencePiece (LLaMA-2) tokenizer from its description, checking what encode() relies
// on: a token (or the unknown token) for every byte, and scores or merges that name real pieces.
#include <cmath>

#include <fmt/format.h>

#include "core/raise.h"
#include "tokenizer/tokenizer_data.h"
#include "tokenizer/utf8.h"

namespace bitnet::tokenizer_detail {
namespace {

// The byte of a "<0xNN>" piece (two upper- or lower-case hex digits), or -1.
int byte_piece_value(std::string_view piece) {
  if (piece.size() != 6 || !piece.starts_with("<0x") || piece[5] != '>') return -1;
  int value = 0;
  for (const char digit : piece.substr(3, 2)) {
    value *= 16;
    if (digit >= '0' && digit <= '9') {
      value += digit - '0';
    } else if (digit >= 'A' && digit <= 'F') {
      value += digit - 'A' + 10;
    } else if (digit >= 'a' && digit <= 'f') {
      value += digit - 'a' + 10;
    } else {
      return -1;
    }
  }
  return value;
}

// What a piece decodes to: '▁' is a space.
std::string piece_bytes(std::string_view piece) {
  std::string bytes;
  bytes.reserve(piece.size());
  size_t position = 0;
  while (position < piece.size()) {
    if (piece.substr(position).starts_with(kSpaceMarker)) {
      bytes.push_back(' ');
      position += kSpaceMarker.size();
    } else {
      bytes.push_back(piece[position++]);
    }
  }
  return bytes;
}

}  // namespace

std::shared_ptr<const TokenizerData> build_sentence_piece(SentencePieceSpec spec) {
  check_vocabulary(spec);
  const bool by_score = spec.merges.empty();
  if (by_score && spec.scores.size() != spec.tokens.size()) {
    raise(ErrorKind::kInvalidArgument, "{}: {} scores for {} tokens", spec.source,
          spec.scores.size(), spec.tokens.size());
  }
  for (size_t index = 0; index < spec.scores.size(); ++index) {
    // Scores order the merges; a NaN has no order.
    if (std::isnan(spec.scores[index])) {
      raise(ErrorKind::kInvalidArgument, "{}: token {} has score NaN", spec.source, index);
    }
  }
  if (spec.unknown &&
      (*spec.unknown < 0 || *spec.unknown >= static_cast<int64_t>(spec.tokens.size()))) {
    raise(ErrorKind::kInvalidArgument,
          "{}: unknown-token id {} is outside the vocabulary of {} tokens", spec.source,
          *spec.unknown, spec.tokens.size());
  }

  auto data = std::make_shared<TokenizerData>();
  data->model_name = "llama-spm";
  std::array<int32_t, 256> byte_ids;
  byte_ids.fill(-1);
  StringMap<int32_t> pieces;
  std::vector<AddedToken> added;
  for (size_t index = 0; index < spec.tokens.size(); ++index) {
    std::string& piece = spec.tokens[index];
    TokenKind kind = spec.kinds[index];
    const auto id = static_cast<int32_t>(index);
    const int byte = byte_piece_value(piece);
    // tokenizer.json lists byte pieces as ordinary vocabulary; GGUF marks them.
    if (byte >= 0 && (kind == TokenKind::kByte || kind == TokenKind::kNormal))
      kind = TokenKind::kByte;
    if (kind == TokenKind::kByte && byte < 0) {
      raise(ErrorKind::kInvalidArgument, "{}: byte token {} is '{}', not <0xNN>", spec.source, id,
            piece);
    }
    std::string bytes;
    if (kind == TokenKind::kByte) {
      if (byte_ids[static_cast<size_t>(byte)] < 0) byte_ids[static_cast<size_t>(byte)] = id;
      bytes.push_back(static_cast<char>(byte));
    } else if (kind == TokenKind::kNormal || kind == TokenKind::kUserDefined) {
      bytes = piece_bytes(piece);
      if (kind == TokenKind::kNormal) pieces.try_emplace(piece, id);
    } else {
      bytes = piece;
    }
    if (kind == TokenKind::kControl || kind == TokenKind::kUserDefined) {
      added.push_back({piece, id, kind == TokenKind::kControl});
    }
    data->vocabulary.add(std::move(piece), kind, std::move(bytes), false);
  }
  for (size_t byte = 0; byte < 256; ++byte) {
    if (byte_ids[byte] >= 0) continue;
    if (!spec.unknown) {
      raise(ErrorKind::kInvalidArgument, "{}: no byte token <0x{:02X}> and no unknown token",
            spec.source, byte);
    }
    byte_ids[byte] = *spec.unknown;
  }

  if (by_score) {
    data->sentence_piece.emplace(std::move(pieces), std::move(spec.scores), byte_ids,
                                 spec.space_prefix);
  } else {
    std::unordered_map<uint64_t, Merge> merges;
    merges.reserve(spec.merges.size());
    const auto piece_id = [&](size_t rank, const std::string& left, const std::string& right,
                              const std::string& part) {
      const auto found = pieces.find(part);
      if (found == pieces.end()) {
        raise(ErrorKind::kInvalidArgument, "{}: merge {} '{} {}': '{}' is not a normal piece",
              spec.source, rank, left, right, part);
      }
      return found->second;
    };
    for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
      const auto& [left, right] = spec.merges[rank];
      const int32_t left_id = piece_id(rank, left, right, left);
      const int32_t right_id = piece_id(rank, left, right, right);
      const int32_t result = piece_id(rank, left, right, left + right);
      merges[BytePairMerger::pair_key(left_id, right_id)] = {static_cast<int32_t>(rank), result};
    }
    data->sentence_piece.emplace(std::move(pieces), BytePairMerger({}, std::move(merges)), byte_ids,
                                 spec.space_prefix);
  }
  data->added_tokens = AddedTokenMatcher(std::move(added));
  data->bos = spec.bos;
  data->eos = spec.eos;
  data->eot = spec.eot;
  data->pad = spec.pad;
  data->add_bos = spec.add_bos;
  data->add_eos = spec.add_eos;
  data->chat_template = std::move(spec.chat_template);
  return data;
}

}  // namespace bitnet::tokenizer_detail

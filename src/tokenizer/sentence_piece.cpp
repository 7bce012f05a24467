#include "tokenizer/sentence_piece.h"

#include <algorithm>
#include <queue>
#include <string>

#include "tokenizer/utf8.h"

namespace bitnet::tokenizer_detail {
namespace {

// A span of the normalized text: one character at first, then merged pieces.
struct Span {
  size_t begin;
  size_t length;
  int32_t previous;
  int32_t next;
};

// A pair of neighbouring spans whose union is a piece, with the union's length when queued: it is
// stale once either span has merged with something else.
struct Bigram {
  float score;
  int32_t left;
  int32_t right;
  size_t length;
};

// Highest score first; the leftmost among equal scores.
struct LowerBigram {
  bool operator()(const Bigram& a, const Bigram& b) const noexcept {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  }
};

// Whether a run gets a '▁' in front.
bool takes_prefix(SpacePrefix rule, std::string_view text, bool first_run) {
  switch (rule) {
    case SpacePrefix::kNone:
      return false;
    case SpacePrefix::kEveryRun:
      return true;
    case SpacePrefix::kEveryRunUnlessSpace:
      return !text.starts_with(' ');
    case SpacePrefix::kFirstRunUnlessSpace:
      return first_run && !text.starts_with(' ');
  }
  return false;
}

// Spaces as '▁', and one '▁' in front when `prefix`.
std::string normalize(std::string_view text, bool prefix) {
  std::string normalized;
  normalized.reserve(text.size() + text.size() / 4 + 3);
  if (prefix) normalized += kSpaceMarker;
  for (const char character : text) {
    if (character == ' ') {
      normalized += kSpaceMarker;
    } else {
      normalized.push_back(character);
    }
  }
  return normalized;
}

// Whether any piece holds a '▁' that follows another character ("a▁b"): such a piece could be
// merged across a word boundary.
bool has_inner_space_marker(const StringMap<int32_t>& pieces) {
  for (const auto& [piece, id] : pieces) {
    for (size_t at = piece.find(kSpaceMarker, 1); at != std::string::npos;
         at = piece.find(kSpaceMarker, at + 1)) {
      if (at < kSpaceMarker.size() ||
          std::string_view(piece).substr(at - kSpaceMarker.size(), kSpaceMarker.size()) !=
              kSpaceMarker) {
        return true;
      }
    }
  }
  return false;
}

// The length of the word at the start of `text`: up to the next '▁' that follows a character
// other than '▁'.
size_t word_length(std::string_view text) {
  size_t at = 0;
  while (text.substr(at).starts_with(kSpaceMarker)) at += kSpaceMarker.size();
  const size_t next = text.find(kSpaceMarker, at);
  return next == std::string_view::npos ? text.size() : next;
}

}  // namespace

SentencePieceModel::SentencePieceModel(StringMap<int32_t> pieces, std::vector<float> scores,
                                       std::array<int32_t, 256> byte_ids, SpacePrefix space_prefix)
    : pieces_(std::move(pieces)),
      scores_(std::move(scores)),
      byte_ids_(byte_ids),
      space_prefix_(space_prefix),
      words_merge_independently_(!has_inner_space_marker(pieces_)) {}

SentencePieceModel::SentencePieceModel(StringMap<int32_t> pieces, BytePairMerger merger,
                                       std::array<int32_t, 256> byte_ids, SpacePrefix space_prefix)
    : pieces_(std::move(pieces)),
      merger_(std::move(merger)),
      byte_ids_(byte_ids),
      space_prefix_(space_prefix),
      words_merge_independently_(!has_inner_space_marker(pieces_)) {}

void SentencePieceModel::encode(std::string_view text, bool first_run, std::vector<int32_t>& out,
                                WordCache& cache) const {
  if (text.empty()) return;
  const std::string normalized = normalize(text, takes_prefix(space_prefix_, text, first_run));
  if (!words_merge_independently_) {
    merge(normalized, out);
    return;
  }
  for (std::string_view rest = normalized; !rest.empty();) {
    const std::string_view word = rest.substr(0, word_length(rest));
    rest.remove_prefix(word.size());
    if (cache.find(word, out)) continue;
    const size_t first = out.size();
    merge(word, out);
    cache.insert(word,
                 std::vector<int32_t>(out.begin() + static_cast<ptrdiff_t>(first), out.end()));
  }
}

void SentencePieceModel::merge(std::string_view text, std::vector<int32_t>& out) const {
  if (scores_.empty()) {
    merge_by_rank(text, out);
  } else {
    merge_by_score(text, out);
  }
}

void SentencePieceModel::append_piece_or_bytes(std::string_view piece,
                                               std::vector<int32_t>& out) const {
  const auto found = pieces_.find(piece);
  if (found != pieces_.end()) {
    out.push_back(found->second);
    return;
  }
  for (const char byte : piece) out.push_back(byte_ids_[static_cast<uint8_t>(byte)]);
}

void SentencePieceModel::merge_by_score(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<Span> spans;
  for (size_t position = 0; position < text.size();) {
    const size_t length = std::max<size_t>(1, well_formed_length(text.substr(position)));
    const auto index = static_cast<int32_t>(spans.size());
    spans.push_back({position, length, index - 1, -1});
    if (index > 0) spans[static_cast<size_t>(index - 1)].next = index;
    position += length;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, LowerBigram> queue;
  const auto offer = [&](int32_t left, int32_t right) {
    const Span& a = spans[static_cast<size_t>(left)];
    const Span& b = spans[static_cast<size_t>(right)];
    const size_t length = a.length + b.length;
    const auto found = pieces_.find(text.substr(a.begin, length));
    if (found == pieces_.end()) return;
    queue.push({scores_[static_cast<size_t>(found->second)], left, right, length});
  };
  for (size_t index = 0; index + 1 < spans.size(); ++index) {
    offer(static_cast<int32_t>(index), static_cast<int32_t>(index + 1));
  }

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Span& left = spans[static_cast<size_t>(bigram.left)];
    Span& right = spans[static_cast<size_t>(bigram.right)];
    if (left.length == 0 || right.length == 0 || left.next != bigram.right ||
        left.length + right.length != bigram.length) {
      continue;
    }
    left.length += right.length;
    right.length = 0;  // merged away
    left.next = right.next;
    if (right.next >= 0) spans[static_cast<size_t>(right.next)].previous = bigram.left;
    if (left.previous >= 0) offer(left.previous, bigram.left);
    if (left.next >= 0) offer(bigram.left, left.next);
  }

  for (int32_t index = 0; index >= 0; index = spans[static_cast<size_t>(index)].next) {
    const Span& span = spans[static_cast<size_t>(index)];
    append_piece_or_bytes(text.substr(span.begin, span.length), out);
  }
}

void SentencePieceModel::merge_by_rank(std::string_view text, std::vector<int32_t>& out) const {
  // One symbol per character, or per byte of a character that no piece covers; then the ranked
  // merges over those ids.
  std::vector<int32_t> symbols;
  for (size_t position = 0; position < text.size();) {
    const size_t length = std::max<size_t>(1, well_formed_length(text.substr(position)));
    append_piece_or_bytes(text.substr(position, length), symbols);
    position += length;
  }
  merger_.merge_symbols(symbols, out);
}

}  // namespace bitnet::tokenizer_detail

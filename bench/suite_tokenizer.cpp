// Suite `tokenizer`: encode throughput on one thread, in bytes of UTF-8 text per second, for the
// LLaMA-3 byte-level BPE and the LLaMA-2 SentencePiece tokenizer, against JavaScript tokenizers we
// did not write, timed in the same run through node (rows ending in `_node` are external):
//   bitnet                    Tokenizer::encode of every corpus entry (no bos/eos), ids counted
//   hf_tokenizers_node        @huggingface/tokenizers 0.2.0 loading the same tokenizer.json
//   llama3_tokenizer_js_node  llama3-tokenizer-js 1.2.0 with its own data (LLaMA-3 cases)
//   llama_tokenizer_js_node   llama-tokenizer-js 1.2.2 with its own data (LLaMA-2 cases)
// Every row encodes the same corpus entries and counts the ids; an external row whose count
// differs from ours fails the case before it is timed. The corpus is generated here, from a fixed
// seed: prose with contractions and punctuation, code, digit runs, eight other scripts, emoji
// sequences and whitespace runs, as entries of a few hundred bytes (10 MB; 256 KB in the
// `_256kb` cases).
//
// The vocabularies are those of the npm packages, exported by the scripts of
// tests/interop/tokenizer/ into a cache folder on first use ($BITNET_CACHE_DIR, else
// $XDG_CACHE_HOME/bitnet-core or ~/.cache/bitnet-core, then tokenizer-bench/), where
// bench/tokenizer/peers.mjs times the external rows. Without node or the packages (offline) the
// external rows, or the whole case when no vocabulary was ever exported, are skipped with the
// reason printed; under BITNET_REQUIRE_PEERS=1 (scripts/bench-smoke.sh, so CI) that is an error.
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/child_process.h"
#include "bench/external_peers.h"
#include "bench/suites.h"
#include "bitnet/error.h"
#include "bitnet/tokenizer.h"
#include "tokenizer/utf8.h"

namespace bitnet::bench {
namespace {

namespace fs = std::filesystem;

constexpr size_t kFullBytes = 10'000'000;
constexpr size_t kSmallBytes = 256 * 1024;

// The cache folder with the exported vocabularies and, when node and the packages are there, the
// peer script; filled once per process.
struct PeerSetup {
  fs::path dir;
  bool vocabularies = false;  // llama3/ and llama2/ hold tokenizer.json and tokenizer_config.json
  std::string peers_missing;  // why the external rows cannot run; empty when they can
};

const PeerSetup& peer_setup() {
  static const PeerSetup setup = [] {
    PeerSetup made;
    made.dir = bench_cache_dir("tokenizer-bench");
    const fs::path source = fs::path(BITNET_SOURCE_DIR) / "tests" / "interop" / "tokenizer";
    const fs::path script = fs::path(BITNET_SOURCE_DIR) / "bench" / "tokenizer" / "peers.mjs";
    const auto exported = [&] {
      return fs::exists(made.dir / "llama3" / "tokenizer_config.json") &&
             fs::exists(made.dir / "llama2" / "tokenizer_config.json");
    };
    std::error_code error;
    fs::create_directories(made.dir, error);
    if (!fs::exists(source / "package-lock.json") || !fs::exists(script)) {
      made.peers_missing =
          fmt::format("the npm scripts are not in {} (a source tree is needed)", BITNET_SOURCE_DIR);
      made.vocabularies = exported();
      return made;
    }
    // A changed lock file (other package versions) starts the cache afresh.
    const std::string lock = read_text_file(source / "package-lock.json");
    if (!fs::exists(made.dir / "package-lock.json") ||
        read_text_file(made.dir / "package-lock.json") != lock) {
      fs::remove_all(made.dir / "node_modules", error);
      fs::remove_all(made.dir / "llama3", error);
      fs::remove_all(made.dir / "llama2", error);
    }
    for (const char* name :
         {"package.json", "package-lock.json", "export_llama3.mjs", "export_llama2.mjs"}) {
      fs::copy_file(source / name, made.dir / name, fs::copy_options::overwrite_existing, error);
    }
    fs::copy_file(script, made.dir / "peers.mjs", fs::copy_options::overwrite_existing, error);
    std::string failure;
    if (!run_shell_in(made.dir, "node --version", failure)) {
      made.peers_missing = "node is not installed: " + failure;
    } else if (!fs::exists(made.dir / "node_modules" / ".package-lock.json") &&
               !run_shell_in(made.dir,
                             "npm ci --prefer-offline --no-audit --no-fund --loglevel=error",
                             failure)) {
      made.peers_missing = "npm ci could not install the packages (offline?): " + failure;
    } else if (!exported() && !(run_shell_in(made.dir, "node export_llama3.mjs llama3", failure) &&
                                run_shell_in(made.dir, "node export_llama2.mjs llama2", failure))) {
      made.peers_missing = "exporting the vocabularies failed: " + failure;
    }
    made.vocabularies = exported();
    return made;
  }();
  return setup;
}

// xorshift64*: the corpus must be the same on every machine and run.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  size_t below(size_t bound) { return static_cast<size_t>(next() % bound); }
  template <typename T, size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

 private:
  uint64_t state_;
};

const char* const kWords[] = {"the",       "of",          "and",
                              "to",        "in",          "is",
                              "that",      "for",         "it",
                              "as",        "was",         "with",
                              "be",        "by",          "on",
                              "not",       "he",          "this",
                              "are",       "or",          "his",
                              "from",      "at",          "which",
                              "but",       "have",        "an",
                              "had",       "they",        "you",
                              "were",      "their",       "one",
                              "all",       "we",          "can",
                              "her",       "has",         "there",
                              "been",      "if",          "more",
                              "when",      "will",        "would",
                              "who",       "so",          "no",
                              "model",     "weights",     "ternary",
                              "language",  "network",     "training",
                              "tokenizer", "inference",   "memory",
                              "bandwidth", "quantized",   "matrix",
                              "precision", "performance", "throughput",
                              "algorithm", "structure",   "however",
                              "because",   "therefore",   "international",
                              "Wikipedia", "Microsoft",   "BitNet",
                              "LLaMA",     "GPU",         "CPU",
                              "naïve",     "café",        "résumé",
                              "Zürich",    "façade",      "São",
                              "Paulo",     "Kraków",      "über"};
const char* const kContractions[] = {"it's", "don't", "we're", "I've",  "they'll", "she'd",
                                     "I'm",  "IT'S",  "We'Re", "can't", "won't",   "you'D"};
const char* const kPunctuation[] = {".",  ",",  ";", ":",  "!",   "?",
                                    " -", " (", ")", "\"", "...", " —"};
const char* const kCode[] = {
    "for (int i = 0; i < n; ++i) {\n    total += values[i] * weights[i];\n}\n",
    "def encode(self, text):\n\tids = []\n\tfor piece in self.split(text):\n\t\tids.extend("
    "self.merge(piece))\n\treturn ids\n",
    "const result = await fetch(url, { method: 'POST', body: JSON.stringify(data) });\n",
    "SELECT name, COUNT(*) AS total FROM tokens WHERE rank >= 100 GROUP BY name;\n",
    "fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", "
    "v);\n}\n",
    "    if (ptr == nullptr || size == 0) return -EINVAL;\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }\n",
    "  \"name\": \"bitnet-core\",\n  \"version\": \"0.1.0\",\n  \"private\": true\n"};
// Words of other scripts, and ranges drawn from for CJK ideographs, kana and Hangul.
const char* const kForeign[] = {"привет",   "мир",     "модель",  "язык",     "Ελληνικά",
                                "γλώσσα",   "مرحبا",   "العالم",  "שלום",     "עולם",
                                "नमस्ते",     "दुनिया",   "สวัสดี",    "Türkçe",   "dziękuję",
                                "Việt Nam", "ქართული", "Հայերեն", "ελληνική", "український"};
const char* const kEmoji[] = {"😀",
                              "👍🏽",
                              "👨‍👩‍👧‍👦",
                              "🇫🇷",
                              "❤️",
                              "🔥",
                              "🎉",
                              "👩🏾‍💻",
                              "🤖",
                              "✅",
                              "🚀",
                              "🦙",
                              "🙏🏻",
                              "😂"};
const char* const kSpaces[] = {"  ", "\t", "\n", "\n\n", "   \n", " \t ", "\r\n", "\n\n\n    "};

void append_number(Random& random, std::string& out) {
  const size_t digits = 1 + random.below(12);
  for (size_t index = 0; index < digits; ++index) out += static_cast<char>('0' + random.below(10));
  if (random.below(4) == 0) out += "." + std::to_string(random.below(100));
}

void append_prose(Random& random, std::string& out) {
  const size_t words = 5 + random.below(25);
  for (size_t index = 0; index < words; ++index) {
    std::string word = random.below(12) == 0 ? random.pick(kContractions) : random.pick(kWords);
    if (index == 0 || random.below(10) == 0) word[0] = static_cast<char>(std::toupper(word[0]));
    if (random.below(40) == 0) {
      for (char& character : word) character = static_cast<char>(std::toupper(character));
    }
    out += (index ? " " : "") + word;
    if (random.below(8) == 0) out += random.pick(kPunctuation);
  }
  out += random.below(3) ? ". " : ".\n";
}

void append_script(Random& random, std::string& out) {
  const size_t count = 1 + random.below(8);
  for (size_t index = 0; index < count; ++index) {
    switch (random.below(4)) {
      case 0:  // CJK ideographs
        for (size_t k = 2 + random.below(10); k > 0; --k) {
          tokenizer_detail::append_code_point(
              out, static_cast<char32_t>(0x4E00 + random.below(0x9FA5 - 0x4E00)));
        }
        out += random.below(2) ? "，" : "。";
        break;
      case 1:  // hiragana and Hangul syllables
        for (size_t k = 2 + random.below(6); k > 0; --k) {
          tokenizer_detail::append_code_point(
              out, static_cast<char32_t>(0x3041 + random.below(0x3096 - 0x3041)));
        }
        out += ' ';
        for (size_t k = 1 + random.below(4); k > 0; --k) {
          tokenizer_detail::append_code_point(
              out, static_cast<char32_t>(0xAC00 + random.below(0xD7A3 - 0xAC00)));
        }
        out += ' ';
        break;
      default:
        out += random.pick(kForeign);
        out += ' ';
        break;
    }
  }
}

// Entries of a few hundred bytes until `bytes` are reached.
std::vector<std::string> make_corpus(size_t bytes) {
  Random random(0x5EED0B17AE7C0DE5ULL);
  std::vector<std::string> corpus;
  size_t total = 0;
  while (total < bytes) {
    std::string entry;
    const size_t target = 64 + random.below(900);
    while (entry.size() < target) {
      const size_t kind = random.below(100);
      if (kind < 55) {
        append_prose(random, entry);
      } else if (kind < 68) {
        entry += random.pick(kCode);
      } else if (kind < 76) {
        append_number(random, entry);
        entry += random.below(2) ? " " : ", ";
      } else if (kind < 90) {
        append_script(random, entry);
      } else if (kind < 95) {
        entry += random.pick(kEmoji);
        entry += ' ';
      } else {
        entry += random.pick(kSpaces);
      }
    }
    total += entry.size();
    corpus.push_back(std::move(entry));
  }
  return corpus;
}

size_t count_ids(const Tokenizer& tokenizer, const std::vector<std::string>& corpus) {
  size_t ids = 0;
  for (const std::string& text : corpus) {
    ids += tokenizer.encode(text, {.add_bos = false, .add_eos = false}).size();
  }
  return ids;
}

// An external row: node runs peers.mjs, which reports the ids of one pass and the time.
Row peer_row(const std::string& impl, const fs::path& model_dir, const fs::path& corpus_path,
             double bytes, size_t expected_ids) {
  Row row;
  row.impl = impl + "_node";
  row.items_per_iter = bytes;
  row.unit = Unit::kBytes;
  row.run = [](int64_t) {};
  row.measure = [impl, model_dir, corpus_path, expected_ids](int64_t iterations) {
    const fs::path script = peer_setup().dir / "peers.mjs";
    const ChildResult result =
        run_program("node", {script.string(), impl, model_dir.string(), corpus_path.string(),
                             std::to_string(iterations)});
    size_t ids = 0;
    double nanoseconds = -1;
    std::istringstream lines(result.output);
    for (std::string key; lines >> key;) {
      if (key == "ids") lines >> ids;
      if (key == "ns") lines >> nanoseconds;
    }
    if (result.exit_code != 0 || nanoseconds < 0) {
      throw Error(ErrorKind::kIo, fmt::format("bench tokenizer: {} failed (exit {}): {}", impl,
                                              result.exit_code, result.output));
    }
    if (ids != expected_ids) {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("bench tokenizer: {} gives {} ids for the corpus, bitnet {}: not "
                              "the same work",
                              impl, ids, expected_ids));
    }
    return nanoseconds;
  };
  return row;
}

CaseSpec encode_case(const std::string& model, const std::string& peer, size_t bytes,
                     const std::string& size_name) {
  return CaseSpec{
      fmt::format("encode_{}_{}", model, size_name), [=]() -> std::vector<Row> {
        const PeerSetup& setup = peer_setup();
        if (!setup.vocabularies) {
          peer_missing("tokenizer",
                       fmt::format("no {} vocabulary: {}", model, setup.peers_missing));
          return {};
        }
        const fs::path model_dir = setup.dir / model;
        auto tokenizer = std::make_shared<const Tokenizer>(
            Tokenizer::from_hugging_face((model_dir / "tokenizer.json").string()));
        auto corpus = std::make_shared<const std::vector<std::string>>(make_corpus(bytes));
        double total = 0;
        for (const std::string& text : *corpus) total += static_cast<double>(text.size());
        const size_t ids = count_ids(*tokenizer, *corpus);

        std::vector<Row> rows;
        rows.push_back(make_row(std::string(kBitnetImpl), total, Unit::kBytes, [tokenizer, corpus] {
          do_not_optimize(count_ids(*tokenizer, *corpus));
        }));
        if (!setup.peers_missing.empty()) {
          peer_missing("tokenizer", "external rows: " + setup.peers_missing);
          return rows;
        }
        const fs::path corpus_path = setup.dir / fmt::format("corpus-{}.json", size_name);
        std::ofstream(corpus_path, std::ios::binary) << nlohmann::json(*corpus).dump();
        rows.push_back(peer_row("hf_tokenizers", model_dir, corpus_path, total, ids));
        rows.push_back(peer_row(peer, model_dir, corpus_path, total, ids));
        return rows;
      }};
}

}  // namespace

void register_tokenizer_suite(SuiteRegistry& registry) {
  Suite suite{"tokenizer",
              "Encode throughput on one thread (bytes of UTF-8 per second) over a generated 10 MB "
              "mixed corpus (256 KB in the _256kb cases), LLaMA-3 and LLaMA-2 vocabularies from "
              "the npm packages; rows ending in _node are external JavaScript tokenizers timed "
              "through node on the same entries, with the same id count checked first",
              {}};
  suite.cases.push_back(encode_case("llama3", "llama3_tokenizer_js", kFullBytes, "10mb"));
  suite.cases.push_back(encode_case("llama2", "llama_tokenizer_js", kFullBytes, "10mb"));
  suite.cases.push_back(encode_case("llama3", "llama3_tokenizer_js", kSmallBytes, "256kb"));
  suite.cases.push_back(encode_case("llama2", "llama_tokenizer_js", kSmallBytes, "256kb"));
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

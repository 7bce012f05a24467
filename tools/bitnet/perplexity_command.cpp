// `bitnet perplexity`: a model's perplexity on a text (or ids) as llama.cpp's perplexity tool
// computes it, the running value after each chunk on standard error.
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bitnet/error.h"
#include "bitnet/model.h"
#include "bitnet/perplexity.h"
#include "commands.h"
#include "id_list.h"
#include "model_options.h"

namespace bitnet::cli {
namespace {

struct PerplexityOptions {
  std::string model;
  std::string tokenizer;
  std::string file;
  std::string text;
  std::string tokens;
  int64_t context = 512;
  bool json = false;
  std::string ffn_activation;
};

std::string read_file(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw Error(ErrorKind::kIo, path + ": cannot open");
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

int run_perplexity(const PerplexityOptions& options) {
  const int given =
      int(!options.file.empty()) + int(!options.text.empty()) + int(!options.tokens.empty());
  if (given != 1) {
    throw Error(ErrorKind::kInvalidArgument, "give exactly one of --file, --text or --tokens");
  }
  const Model model = load_model_or_default(options.model, load_options(options.ffn_activation));
  std::vector<int32_t> ids;
  std::optional<int32_t> bos;
  if (!options.tokens.empty()) {
    ids = parse_id_list(options.tokens, "--tokens");
  } else {
    const std::optional<Tokenizer> tokenizer =
        find_tokenizer_or_default(options.model, options.tokenizer);
    if (!tokenizer) {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("{} has no tokenizer (tokenizer.json or GGUF tokenizer metadata): "
                              "give --tokenizer PATH, or the text as ids with --tokens",
                              options.model));
    }
    check_tokenizer_fits(*tokenizer, model);
    // As llama.cpp: the whole text tokenized once, with the model's bos when it adds one, which
    // then also starts every chunk.
    ids = tokenizer->encode(options.file.empty() ? options.text : read_file(options.file));
    if (tokenizer->adds_bos()) bos = tokenizer->bos_id();
  }
  const PerplexityResult result =
      perplexity(model, ids, options.context, bos, [&](const PerplexityResult& running) {
        fmt::print(stderr, "[{}] {:.4f}\n", running.chunks, running.perplexity());
        std::fflush(stderr);
      });
  if (options.json) {
    fmt::print(
        "{{\"perplexity\": {}, \"chunks\": {}, \"context\": {}, \"scored_tokens\": {}, "
        "\"negative_log_likelihood\": {}}}\n",
        result.perplexity(), result.chunks, options.context, result.scored_tokens,
        result.negative_log_likelihood);
  } else {
    fmt::print("perplexity: {:.4f} ({} chunks of {} tokens, {} tokens scored)\n",
               result.perplexity(), result.chunks, options.context, result.scored_tokens);
  }
  return 0;
}

}  // namespace

Command add_perplexity_command(CLI::App& parent) {
  CLI::App* command = parent.add_subcommand(
      "perplexity",
      "A model's perplexity on a text, as llama.cpp computes it (chunks of --ctx tokens, the "
      "second half of each scored)");
  auto options = std::make_shared<PerplexityOptions>();
  add_model_option(*command, options->model);
  command->add_option("--tokenizer", options->tokenizer,
                      "A tokenizer.json or its folder (default: the model's own)");
  add_ffn_activation_option(*command, options->ffn_activation);
  command->add_option("--file", options->file, "The text to score");
  command->add_option("--text", options->text, "The text to score, given inline");
  command->add_option("--tokens", options->tokens, "The ids to score (no tokenizer needed): 1,2,3");
  command->add_option("--ctx", options->context, "Tokens per chunk")->capture_default_str();
  command->add_flag("--json", options->json,
                    "Print {perplexity, chunks, context, scored_tokens, negative_log_likelihood}");
  return Command{command, [options] { return run_perplexity(*options); }};
}

}  // namespace bitnet::cli

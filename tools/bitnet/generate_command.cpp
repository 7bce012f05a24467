// `bitnet generate`: text (or ids) from a model, streamed as it is produced, then the prompt and
// decode rates on standard error.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bitnet/error.h"
#include "bitnet/generate.h"
#include "bitnet/model.h"
#include "bitnet/tokenizer.h"
#include "commands.h"
#include "id_list.h"
#include "model_options.h"

namespace bitnet::cli {
namespace {

struct GenerateCommandOptions {
  std::string model;
  std::string tokenizer;  // default: the model folder's tokenizer.json, when there is one
  std::string prompt;
  std::string prompt_ids;
  int64_t tokens = 128;
  int64_t context = 0;
  std::vector<std::string> stops;
  SamplingOptions sampling;
  std::string ffn_activation;
};

std::optional<Tokenizer> find_tokenizer(const GenerateCommandOptions& options) {
  if (!options.tokenizer.empty()) return Tokenizer::from_hugging_face(options.tokenizer);
  const std::filesystem::path candidate = std::filesystem::path(options.model) / "tokenizer.json";
  if (std::filesystem::is_regular_file(candidate))
    return Tokenizer::from_hugging_face(options.model);
  return std::nullopt;
}

int run_generate(const GenerateCommandOptions& options) {
  if (options.prompt.empty() == options.prompt_ids.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "give exactly one of --prompt TEXT or --prompt-ids LIST");
  }
  const Model model = Model::load(options.model, load_options(options.ffn_activation));
  const std::optional<Tokenizer> tokenizer = find_tokenizer(options);
  if (!options.prompt.empty() && !tokenizer) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{} has no tokenizer (tokenizer.json): give --tokenizer PATH, or the "
                            "prompt as ids with --prompt-ids",
                            options.model));
  }
  if (tokenizer && tokenizer->vocab_size() > model.config().vocab_size) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("the tokenizer has {} ids but the model's embedding only {}",
                            tokenizer->vocab_size(), model.config().vocab_size));
  }
  const std::vector<int32_t> prompt = options.prompt.empty()
                                          ? parse_id_list(options.prompt_ids, "--prompt-ids")
                                          : tokenizer->encode(options.prompt);
  GenerateOptions generate_options;
  generate_options.max_new_tokens = options.tokens;
  generate_options.sampling = options.sampling;
  if (tokenizer) {
    for (const auto id : {tokenizer->eos_id(), tokenizer->eot_id()}) {
      if (id) generate_options.stop_ids.push_back(*id);
    }
  }
  Session session(model, options.context);
  std::optional<StreamingDecoder> decoder;
  if (tokenizer) decoder.emplace(*tokenizer, DecodeOptions{.skip_special = true});
  std::string text;  // everything printed, for the stop strings
  const GenerateStats stats = generate(session, prompt, generate_options, [&](int32_t id) {
    if (!decoder) {
      fmt::print("{} ", id);
      std::fflush(stdout);
      return true;
    }
    const std::string piece = decoder->push(id);
    text += piece;
    fmt::print("{}", piece);
    std::fflush(stdout);
    for (const std::string& stop : options.stops) {
      if (!stop.empty() && text.find(stop) != std::string::npos) return false;
    }
    return true;
  });
  if (decoder) fmt::print("{}", decoder->finish());
  fmt::print("\n");
  const auto rate = [](int64_t tokens, double seconds) {
    return seconds > 0 ? static_cast<double>(tokens) / seconds : 0.0;
  };
  fmt::print(stderr,
             "prompt: {} tokens in {:.3f} s ({:.1f} t/s); decode: {} tokens in {:.3f} s ({:.1f} "
             "t/s); stopped: {}\n",
             stats.prompt_tokens, stats.prompt_seconds,
             rate(stats.prompt_tokens, stats.prompt_seconds), stats.generated_tokens,
             stats.decode_seconds,
             rate(std::max<int64_t>(0, stats.generated_tokens - 1), stats.decode_seconds),
             stop_reason_name(stats.stop_reason));
  return 0;
}

}  // namespace

Command add_generate_command(CLI::App& parent) {
  CLI::App* command =
      parent.add_subcommand("generate", "Generate text from a prompt, streamed as it is produced");
  auto options = std::make_shared<GenerateCommandOptions>();
  command->add_option("--model", options->model, "A Hugging Face BitNet folder or a GGUF file")
      ->required();
  add_ffn_activation_option(*command, options->ffn_activation);
  command->add_option("--tokenizer", options->tokenizer,
                      "A tokenizer.json or its folder (default: the model folder's)");
  command->add_option("--prompt", options->prompt, "The prompt text");
  command->add_option("--prompt-ids", options->prompt_ids, "The prompt as token ids: 1,2,3");
  command->add_option("-n,--tokens", options->tokens, "Tokens to generate at most")
      ->capture_default_str();
  command->add_option("--ctx", options->context, "Context positions (default: the model's)");
  command->add_option("--temp", options->sampling.temperature, "Temperature; 0 is greedy")
      ->capture_default_str();
  command->add_option("--top-k", options->sampling.top_k, "Keep the k most likely ids; 0: off");
  command->add_option("--top-p", options->sampling.top_p, "Nucleus sampling mass; 1: off");
  command->add_option("--min-p", options->sampling.min_p, "Drop ids below min-p x the top one");
  command->add_option("--repeat-penalty", options->sampling.repetition_penalty,
                      "Penalty for ids among the last 64; 1: off");
  command->add_option("--seed", options->sampling.seed, "Random seed for sampling");
  command->add_option("--stop", options->stops, "Stop once this text has been produced");
  return Command{command, [options] { return run_generate(*options); }};
}

}  // namespace bitnet::cli

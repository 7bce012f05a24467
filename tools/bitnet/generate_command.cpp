// `bitnet generate`: text (or ids) from a model, streamed as it is produced, then the prompt and
// decode rates on standard error.
#include <chrono>
#include <cstdio>
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
  bool chat = false;
  bool no_chat_template = false;
  std::string system;
  bool verbose = false;
  bool map_weights = false;
};

// The prompt's ids: given as ids, the text as it is, or (--chat) the text as a user turn in the
// model's chat format, after an optional system turn.
std::vector<int32_t> prompt_ids(const GenerateCommandOptions& options,
                                const std::optional<Tokenizer>& tokenizer) {
  if (options.prompt.empty()) return parse_id_list(options.prompt_ids, "--prompt-ids");
  if (!options.chat || options.no_chat_template) return tokenizer->encode(options.prompt);
  std::vector<ChatMessage> messages;
  if (!options.system.empty()) messages.push_back({"system", options.system});
  messages.push_back({"user", options.prompt});
  return tokenizer->encode_chat(messages, true);
}

int run_generate(const GenerateCommandOptions& options) {
  if (options.prompt.empty() == options.prompt_ids.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "give exactly one of --prompt TEXT or --prompt-ids LIST");
  }
  const auto load_start = std::chrono::steady_clock::now();
  const Model model = load_model_or_default(
      options.model, load_options(options.ffn_activation, options.map_weights));
  if (options.verbose) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - load_start;
    fmt::print(stderr, "loaded {} in {:.2f} s; peak resident memory {:.0f} MB\n", options.model,
               took.count(), peak_resident_megabytes());
  }
  if (options.chat && options.prompt.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "--chat needs the prompt as text (--prompt)");
  }
  const std::optional<Tokenizer> tokenizer =
      find_tokenizer_or_default(options.model, options.tokenizer);
  if (!options.prompt.empty() && !tokenizer) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{} has no tokenizer (tokenizer.json or GGUF tokenizer metadata): "
                            "give --tokenizer PATH, or the prompt as ids with --prompt-ids",
                            options.model));
  }
  if (tokenizer) check_tokenizer_fits(*tokenizer, model);
  const std::vector<int32_t> prompt = prompt_ids(options, tokenizer);
  GenerateOptions generate_options;
  generate_options.max_new_tokens = options.tokens;
  generate_options.sampling = options.sampling;
  if (tokenizer) generate_options.stop_ids = stop_ids_of(*tokenizer);
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
  if (options.verbose) {
    fmt::print(stderr, "peak resident memory {:.0f} MB (model, cache of {} positions, buffers)\n",
               peak_resident_megabytes(), session.context());
  }
  return 0;
}

}  // namespace

Command add_generate_command(CLI::App& parent) {
  CLI::App* command =
      parent.add_subcommand("generate", "Generate text from a prompt, streamed as it is produced");
  auto options = std::make_shared<GenerateCommandOptions>();
  add_model_option(*command, options->model);
  add_ffn_activation_option(*command, options->ffn_activation);
  command->add_option("--tokenizer", options->tokenizer,
                      "A tokenizer.json or its folder (default: the model folder's)");
  command->add_option("--prompt", options->prompt, "The prompt text");
  command->add_option("--prompt-ids", options->prompt_ids, "The prompt as token ids: 1,2,3");
  command->add_flag("--chat", options->chat,
                    "Send the prompt as a user turn in the model's chat format");
  command->add_option("--system", options->system, "With --chat: a system turn before the prompt");
  command->add_flag("--no-chat-template", options->no_chat_template,
                    "With --chat: send the prompt as plain text (for a model whose chat template "
                    "is not recognised)");
  command->add_flag("--mmap", options->map_weights,
                    "Read the float weights through the file's mapping instead of copying them "
                    "into memory");
  command->add_flag("-v,--verbose", options->verbose,
                    "Also print the load time and the peak resident memory");
  command->add_option("-n,--tokens", options->tokens, "Tokens to generate at most")
      ->capture_default_str();
  command->add_option("--ctx", options->context, "Context positions (default: the model's)");
  add_sampling_options(*command, options->sampling);
  command->add_option("--stop", options->stops, "Stop once this text has been produced");
  return Command{command, [options] { return run_generate(*options); }};
}

}  // namespace bitnet::cli

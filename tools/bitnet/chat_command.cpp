// `bitnet chat`: an interactive conversation. Each line read from standard input is a user turn;
// the whole conversation is rendered by the model's chat template, and only what follows the part
// already in the key/value cache is run, so earlier turns are not recomputed. A model without a
// chat template (the built-in one) continues the text instead: each line is appended to it. An
// empty line is skipped; end of input (Ctrl-D) ends the conversation.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
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
#include "model_options.h"

namespace bitnet::cli {
namespace {

struct ChatOptions {
  std::string model;
  std::string tokenizer;
  std::string system;
  bool no_chat_template = false;
  int64_t tokens = 256;
  int64_t context = 0;
  SamplingOptions sampling;
  std::string ffn_activation;
};

class Conversation {
 public:
  Conversation(const ChatOptions& options, const Model& model, Tokenizer tokenizer)
      : options_(options), tokenizer_(std::move(tokenizer)), session_(model, options.context) {
    templated_ = tokenizer_.chat_template().has_value() && !options.no_chat_template;
    if (templated_) {
      (void)tokenizer_.apply_chat_template({}, true);  // an unknown template fails here, by name
      if (!options.system.empty()) messages_.push_back({"system", options.system});
    } else if (!options.no_chat_template) {
      fmt::print(stderr,
                 "bitnet: the model has no chat template: each line continues the text as it "
                 "stands\n");
    }
  }

  // Answers one user line, streaming the reply to standard output.
  void answer(const std::string& line) {
    std::vector<int32_t> wanted;
    if (templated_) {
      messages_.push_back({"user", line});
      wanted = tokenizer_.encode_chat(messages_, true);
    } else {
      wanted = history_;
      const std::string text = history_.empty() ? line : "\n" + line;
      const std::vector<int32_t> ids =
          tokenizer_.encode(text, {.add_bos = history_.empty(), .parse_special = false});
      wanted.insert(wanted.end(), ids.begin(), ids.end());
    }
    // Keep the cached prefix both share; run the rest.
    const int64_t cached = session_.position();
    int64_t shared = 0;
    while (shared < cached && shared < static_cast<int64_t>(wanted.size()) &&
           history_[static_cast<size_t>(shared)] == wanted[static_cast<size_t>(shared)]) {
      ++shared;
    }
    if (shared == static_cast<int64_t>(wanted.size())) --shared;  // something must run
    session_.rewind(shared);
    const std::vector<int32_t> fresh(wanted.begin() + shared, wanted.end());
    history_ = wanted;

    GenerateOptions generate_options;
    generate_options.max_new_tokens = options_.tokens;
    generate_options.sampling = options_.sampling;
    generate_options.stop_ids = stop_ids_of(tokenizer_);
    StreamingDecoder decoder(tokenizer_, DecodeOptions{.skip_special = true});
    std::vector<int32_t> reply;
    (void)generate(session_, fresh, generate_options, [&](int32_t id) {
      reply.push_back(id);
      fmt::print("{}", decoder.push(id));
      std::fflush(stdout);
      return true;
    });
    fmt::print("{}\n", decoder.finish());
    std::fflush(stdout);
    history_.insert(history_.end(), reply.begin(), reply.end());
    if (templated_)
      messages_.push_back({"assistant", tokenizer_.decode(reply, {.skip_special = true})});
  }

 private:
  const ChatOptions& options_;
  Tokenizer tokenizer_;
  Session session_;
  bool templated_ = false;
  std::vector<ChatMessage> messages_;
  std::vector<int32_t> history_;  // the ids of the conversation so far; the cache holds a prefix
};

int run_chat(const ChatOptions& options) {
  const Model model = load_model_or_default(options.model, load_options(options.ffn_activation));
  std::optional<Tokenizer> tokenizer = find_tokenizer_or_default(options.model, options.tokenizer);
  if (!tokenizer) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{} has no tokenizer (tokenizer.json or GGUF tokenizer metadata): "
                            "give --tokenizer PATH",
                            options.model));
  }
  check_tokenizer_fits(*tokenizer, model);
  Conversation conversation(options, model, std::move(*tokenizer));
  const bool interactive = isatty(STDIN_FILENO) != 0;
  std::string line;
  while (true) {
    if (interactive) {
      fmt::print(stderr, "> ");
      std::fflush(stderr);
    }
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    conversation.answer(line);
  }
  if (interactive) fmt::print(stderr, "\n");
  return 0;
}

}  // namespace

Command add_chat_command(CLI::App& parent) {
  CLI::App* command = parent.add_subcommand(
      "chat",
      "Talk with a model: each line of standard input is a user turn in its chat format; Ctrl-D "
      "ends");
  auto options = std::make_shared<ChatOptions>();
  add_model_option(*command, options->model);
  add_ffn_activation_option(*command, options->ffn_activation);
  command->add_option("--tokenizer", options->tokenizer,
                      "A tokenizer.json or its folder (default: the model's)");
  command->add_option("--system", options->system, "A system turn before the conversation");
  command->add_flag("--no-chat-template", options->no_chat_template,
                    "Ignore the model's chat template: each line continues the text");
  command->add_option("-n,--tokens", options->tokens, "Tokens per reply at most")
      ->capture_default_str();
  command->add_option("--ctx", options->context, "Context positions (default: the model's)");
  add_sampling_options(*command, options->sampling);
  return Command{command, [options] { return run_chat(*options); }};
}

}  // namespace bitnet::cli

// `bitnet tokenize` and `bitnet detokenize`: text to token ids and back with a model's tokenizer
// (a GGUF file's metadata) or a Hugging Face tokenizer.json (or a folder holding one).
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bitnet/error.h"
#include "bitnet/tokenizer.h"
#include "commands.h"
#include "id_list.h"

namespace bitnet::cli {
namespace {

struct TokenizerSource {
  std::string model;      // a GGUF file
  std::string tokenizer;  // a tokenizer.json or its folder

  void add_to(CLI::App& command) {
    CLI::Option* model_option =
        command.add_option("--model", model, "A GGUF model file: use its tokenizer metadata");
    CLI::Option* tokenizer_option = command.add_option(
        "--tokenizer", tokenizer, "A Hugging Face tokenizer.json, or a folder holding one");
    model_option->excludes(tokenizer_option);
    command.require_option(1, 0);  // at least one option; --ids / --text are checked below
  }

  [[nodiscard]] Tokenizer load() const {
    if (!model.empty()) return Tokenizer::from_gguf(model);
    if (!tokenizer.empty()) return Tokenizer::from_hugging_face(tokenizer);
    throw Error(ErrorKind::kInvalidArgument, "give --model FILE or --tokenizer PATH");
  }
};

std::string read_all(std::istream& stream, const std::string& name) {
  std::string text((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  if (stream.bad()) throw Error(ErrorKind::kIo, name + ": read failed");
  return text;
}

}  // namespace

Command add_tokenize_command(CLI::App& parent) {
  CLI::App* command = parent.add_subcommand(
      "tokenize", "Print the token ids of a text (from --text, --file, or standard input)");
  auto source = std::make_shared<TokenizerSource>();
  source->add_to(*command);
  auto text = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto no_bos = std::make_shared<bool>(false);
  auto parse_special = std::make_shared<bool>(false);
  CLI::Option* text_option = command->add_option("--text", *text, "The text to tokenize");
  CLI::Option* file_option = command->add_option("--file", *file, "A file holding the text");
  text_option->excludes(file_option);
  command->add_flag("--json", *json, "Print {\"ids\": [...]} instead of comma-separated ids");
  command->add_flag("--no-bos", *no_bos, "Do not put the beginning-of-text id in front");
  command->add_flag("--parse-special", *parse_special,
                    "Read special tokens written in the text (\"<|eot_id|>\") as their ids");
  return Command{command, [=] {
                   const Tokenizer tokenizer = source->load();
                   std::string input;
                   if (text_option->count() > 0) {
                     input = *text;
                   } else if (!file->empty()) {
                     std::ifstream stream(*file, std::ios::binary);
                     if (!stream) throw Error(ErrorKind::kIo, *file + ": cannot open");
                     input = read_all(stream, *file);
                   } else {
                     input = read_all(std::cin, "standard input");
                   }
                   const std::vector<int32_t> ids = tokenizer.encode(
                       input, {.add_bos = !*no_bos, .parse_special = *parse_special});
                   if (*json) {
                     fmt::print("{{\"ids\": [{}]}}\n", fmt::join(ids, ", "));
                   } else {
                     fmt::print("{}\n", fmt::join(ids, ","));
                   }
                   return 0;
                 }};
}

Command add_detokenize_command(CLI::App& parent) {
  CLI::App* command = parent.add_subcommand("detokenize", "Print the text of token ids");
  auto source = std::make_shared<TokenizerSource>();
  source->add_to(*command);
  auto ids = std::make_shared<std::string>();
  auto skip_special = std::make_shared<bool>(false);
  command->add_option("--ids", *ids, "Comma-separated token ids, e.g. 128000,9906,1917")
      ->required();
  command->add_flag("--skip-special", *skip_special,
                    "Leave out special tokens (<|begin_of_text|>, <|eot_id|>)");
  return Command{command, [=] {
                   const Tokenizer tokenizer = source->load();
                   const std::string text = tokenizer.decode(parse_id_list(*ids, "--ids"),
                                                             {.skip_special = *skip_special});
                   fmt::print("{}\n", text);
                   return 0;
                 }};
}

}  // namespace bitnet::cli

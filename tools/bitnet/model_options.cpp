#include "model_options.h"

#include <sys/resource.h>

#include <filesystem>

#include <fmt/format.h>

#include "bitnet/default_model.h"
#include "bitnet/error.h"
#include "bitnet/io.h"

namespace bitnet::cli {

void add_ffn_activation_option(CLI::App& command, std::string& name) {
  command
      .add_option("--ffn-act", name,
                  "FFN activation, replacing the model's: relu2 (BitNet b1.58 2B4T) or silu "
                  "(the 1bitLLM models)")
      ->check(CLI::IsMember({"relu2", "silu"}));
}

LoadOptions load_options(const std::string& ffn_activation, bool map_weights) {
  LoadOptions options;
  options.map_weights = map_weights;
  if (!ffn_activation.empty()) {
    options.ffn_activation = ffn_activation_from_name(ffn_activation);
    if (!options.ffn_activation) {
      throw Error(ErrorKind::kInvalidArgument,
                  "--ffn-act: '" + ffn_activation + "' is not relu2 or silu");
    }
  }
  return options;
}

std::optional<Tokenizer> find_tokenizer(const std::string& model_path,
                                        const std::string& tokenizer_path) {
  if (!tokenizer_path.empty()) return Tokenizer::from_hugging_face(tokenizer_path);
  const std::filesystem::path model(model_path);
  if (std::filesystem::is_directory(model)) {
    if (std::filesystem::is_regular_file(model / "tokenizer.json"))
      return Tokenizer::from_hugging_face(model_path);
    return std::nullopt;
  }
  const GgufFile file = GgufFile::open(model_path);
  if (!file.contains("tokenizer.ggml.model")) return std::nullopt;
  return Tokenizer::from_gguf(file);
}

Model load_model_or_default(const std::string& model_path, const LoadOptions& options) {
  if (!model_path.empty()) return Model::load(model_path, options);
  fmt::print(stderr,
             "bitnet: no --model given: running the built-in {} (11.0 M parameters, trained on "
             "Python's documentation and fortunes; docs/TINY_MODEL.md)\n",
             kDefaultModelName);
  return load_default_model(options);
}

std::optional<Tokenizer> find_tokenizer_or_default(const std::string& model_path,
                                                   const std::string& tokenizer_path) {
  if (model_path.empty() && tokenizer_path.empty()) return default_model_tokenizer();
  if (model_path.empty()) return Tokenizer::from_hugging_face(tokenizer_path);
  return find_tokenizer(model_path, tokenizer_path);
}

CLI::Option* add_model_option(CLI::App& command, std::string& path) {
  return command.add_option(
      "--model", path,
      fmt::format("A Hugging Face BitNet folder or a GGUF file (default: the built-in {})",
                  kDefaultModelName));
}

void add_sampling_options(CLI::App& command, SamplingOptions& sampling) {
  command.add_option("--temp", sampling.temperature, "Temperature; 0 is greedy")
      ->capture_default_str();
  command.add_option("--top-k", sampling.top_k, "Keep the k most likely ids; 0: off");
  command.add_option("--top-p", sampling.top_p, "Nucleus sampling mass; 1: off");
  command.add_option("--min-p", sampling.min_p, "Drop ids below min-p x the top one");
  command.add_option("--repeat-penalty", sampling.repetition_penalty,
                     "Penalty for ids among the last 64; 1: off");
  command.add_option("--seed", sampling.seed, "Random seed for sampling");
}

std::vector<int32_t> stop_ids_of(const Tokenizer& tokenizer) {
  std::vector<int32_t> ids;
  for (const auto id : {tokenizer.eos_id(), tokenizer.eot_id()}) {
    if (id) ids.push_back(*id);
  }
  return ids;
}

void check_tokenizer_fits(const Tokenizer& tokenizer, const Model& model) {
  if (tokenizer.vocab_size() > model.config().vocab_size) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("the tokenizer has {} ids but the model's embedding only {}",
                            tokenizer.vocab_size(), model.config().vocab_size));
  }
}

double peak_resident_megabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

}  // namespace bitnet::cli

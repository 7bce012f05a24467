#include "model_options.h"

#include <sys/resource.h>

#include <filesystem>

#include <fmt/format.h>

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

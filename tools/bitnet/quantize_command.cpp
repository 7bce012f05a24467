// `bitnet quantize`: a model (Hugging Face folder or GGUF file) written as a GGUF file of
// llama.cpp's `bitnet` architecture with ternary projections in TQ2_0, TQ1_0 or I2_S.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bitnet/io.h"
#include "bitnet/model.h"
#include "bitnet/quant.h"
#include "commands.h"
#include "model_options.h"

namespace bitnet::cli {
namespace {

struct QuantizeOptions {
  std::string input;
  std::string output;
  std::string type = "tq2_0";
  std::string ffn_activation;
  std::string tokenizer;
  std::string name;
};

int run_quantize(const QuantizeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Model model = Model::load(options.input, load_options(options.ffn_activation));
  // The tokenizer goes into the file as tokenizer.ggml.* metadata, so that the GGUF file alone
  // generates text (and llama.cpp can load it).
  std::vector<GgufMetadataEntry> metadata;
  const std::optional<Tokenizer> tokenizer = find_tokenizer(options.input, options.tokenizer);
  if (tokenizer) {
    check_tokenizer_fits(*tokenizer, model);
    metadata = tokenizer->gguf_metadata();
  } else {
    fmt::print(stderr,
               "warning: {} has no tokenizer; the file will run from token ids only (give one "
               "with --tokenizer)\n",
               options.input);
  }
  if (!options.name.empty()) metadata.push_back({"general.name", GgufValue(options.name)});
  const auto loaded = std::chrono::steady_clock::now();
  // A bar on standard error while layers are converted and the file is written (a terminal only).
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const auto bar = [&](int64_t done, int64_t steps) {
    if (!terminal) return;
    constexpr int64_t kWidth = 40;
    const int64_t filled = done * kWidth / steps;
    fmt::print(stderr, "\r[{}{}] {}/{} {}", std::string(static_cast<size_t>(filled), '#'),
               std::string(static_cast<size_t>(kWidth - filled), '.'), done, steps,
               done < steps ? "layers" : "written\n");
    std::fflush(stderr);
  };
  save_gguf(model, options.output, ternary_format_from_name(options.type), metadata, bar);
  const auto written = std::chrono::steady_clock::now();
  const ModelConfig& config = model.config();
  // save_gguf writes a projection as f32 when its rows are not whole blocks of the type.
  const int64_t block = options.type == "i2_s" ? 128 : 256;
  int64_t projections = 0;
  int64_t in_type = 0;
  for (const LayerWeights& layer : model.weights().layers) {
    for (const TernaryTensor* weights :
         {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) {
      ++projections;
      in_type += weights->cols() % block == 0 ? 1 : 0;
    }
  }
  fmt::print(
      "{}: {} layers, hidden {}, vocabulary {}, FFN {}; {} of {} projections {}{}; {}; {} bytes "
      "(load {:.2f} s, write {:.2f} s)\n",
      options.output, config.num_layers, config.hidden_size, config.vocab_size,
      ffn_activation_name(config.activation), in_type, projections, options.type,
      in_type < projections ? ", the rest f32" : "",
      tokenizer ? fmt::format("tokenizer {} ({} tokens)", tokenizer->model_name(),
                              tokenizer->vocab_size())
                : std::string("no tokenizer"),
      std::filesystem::file_size(options.output),
      std::chrono::duration<double>(loaded - start).count(),
      std::chrono::duration<double>(written - loaded).count());
  return 0;
}

}  // namespace

Command add_quantize_command(CLI::App& parent) {
  CLI::App* command = parent.add_subcommand(
      "quantize", "Write a model (Hugging Face folder or GGUF file) as a bitnet GGUF file");
  auto options = std::make_shared<QuantizeOptions>();
  command->add_option("input", options->input, "A Hugging Face BitNet folder or a GGUF file")
      ->required();
  command->add_option("output", options->output, "The GGUF file to write")->required();
  command
      ->add_option("--type", options->type,
                   "Projection type: tq2_0, tq1_0 or i2_s (rows that are not whole blocks of "
                   "it are written as f32)")
      ->check(CLI::IsMember({"tq2_0", "tq1_0", "i2_s"}))
      ->capture_default_str();
  command->add_option("--tokenizer", options->tokenizer,
                      "A tokenizer.json or its folder to write into the file (default: the "
                      "input's own)");
  command->add_option("--name", options->name, "The model's name (general.name)");
  add_ffn_activation_option(*command, options->ffn_activation);
  return Command{command, [options] { return run_quantize(*options); }};
}

}  // namespace bitnet::cli

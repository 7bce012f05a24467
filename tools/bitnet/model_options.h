// Options shared by the commands that load a model.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bitnet/model.h"
#include "bitnet/sampler.h"
#include "bitnet/tokenizer.h"

namespace bitnet::cli {

// Adds --ffn-act relu2|silu to `command`, stored in `name`.
void add_ffn_activation_option(CLI::App& command, std::string& name);
// LoadOptions from the --ffn-act value (empty: the model's own activation) and --mmap.
[[nodiscard]] LoadOptions load_options(const std::string& ffn_activation, bool map_weights = false);

// The tokenizer for a model: `tokenizer_path` when given (a tokenizer.json or its folder), else
// the model's own: the tokenizer.json of a Hugging Face folder, or the tokenizer metadata of a
// GGUF file. Nothing when the model has none.
[[nodiscard]] std::optional<Tokenizer> find_tokenizer(const std::string& model_path,
                                                      const std::string& tokenizer_path);

// Loads `model_path`, or the built-in model (include/bitnet/default_model.h) when it is empty,
// saying so on standard error.
[[nodiscard]] Model load_model_or_default(const std::string& model_path,
                                          const LoadOptions& options);
// find_tokenizer, or the built-in model's tokenizer when `model_path` is empty.
[[nodiscard]] std::optional<Tokenizer> find_tokenizer_or_default(const std::string& model_path,
                                                                 const std::string& tokenizer_path);
// The --model option of a command that runs the built-in model without one.
CLI::Option* add_model_option(CLI::App& command, std::string& path);

// Adds --temp, --top-k, --top-p, --min-p, --repeat-penalty and --seed, stored in `sampling`.
void add_sampling_options(CLI::App& command, SamplingOptions& sampling);
// The ids that end a reply: the tokenizer's end of text and end of turn, where it has them.
[[nodiscard]] std::vector<int32_t> stop_ids_of(const Tokenizer& tokenizer);

// The process's peak resident set so far (getrusage's ru_maxrss), in MB.
[[nodiscard]] double peak_resident_megabytes();

// Checks that every id of `tokenizer` has a row in the embedding of `model`.
void check_tokenizer_fits(const Tokenizer& tokenizer, const Model& model);

}  // namespace bitnet::cli

// Options shared by the commands that load a model.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "bitnet/model.h"

namespace bitnet::cli {

// Adds --ffn-act relu2|silu to `command`, stored in `name`.
void add_ffn_activation_option(CLI::App& command, std::string& name);
// LoadOptions from the --ffn-act value (empty: the model's own activation).
[[nodiscard]] LoadOptions load_options(const std::string& ffn_activation);

}  // namespace bitnet::cli

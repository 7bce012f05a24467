#include "model_options.h"

#include "bitnet/error.h"

namespace bitnet::cli {

void add_ffn_activation_option(CLI::App& command, std::string& name) {
  command
      .add_option("--ffn-act", name,
                  "FFN activation, replacing the model's: relu2 (BitNet b1.58 2B4T) or silu "
                  "(the 1bitLLM models)")
      ->check(CLI::IsMember({"relu2", "silu"}));
}

LoadOptions load_options(const std::string& ffn_activation) {
  LoadOptions options;
  if (!ffn_activation.empty()) {
    options.ffn_activation = ffn_activation_from_name(ffn_activation);
    if (!options.ffn_activation) {
      throw Error(ErrorKind::kInvalidArgument,
                  "--ffn-act: '" + ffn_activation + "' is not relu2 or silu");
    }
  }
  return options;
}

}  // namespace bitnet::cli

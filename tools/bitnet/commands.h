// The `bitnet` subcommands. Each one adds itself to the CLI11 app and returns how to run it once
// the command line is parsed (after global options such as --threads have been applied).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace bitnet::cli {

struct Command {
  CLI::App* app;             // the subcommand, to ask whether it was given
  std::function<int()> run;  // returns the process exit status; library errors propagate
};

[[nodiscard]] Command add_info_command(CLI::App& parent);
[[nodiscard]] Command add_tokenize_command(CLI::App& parent);
[[nodiscard]] Command add_detokenize_command(CLI::App& parent);
[[nodiscard]] Command add_logits_command(CLI::App& parent);
[[nodiscard]] Command add_generate_command(CLI::App& parent);
[[nodiscard]] Command add_chat_command(CLI::App& parent);
[[nodiscard]] Command add_perplexity_command(CLI::App& parent);
[[nodiscard]] Command add_quantize_command(CLI::App& parent);
#if BITNET_WITH_BENCH
[[nodiscard]] Command add_bench_command(CLI::App& parent);
// The hidden child-process side of `bitnet bench --suite pool`.
[[nodiscard]] Command add_alloc_worker_command(CLI::App& parent);
#endif

}  // namespace bitnet::cli

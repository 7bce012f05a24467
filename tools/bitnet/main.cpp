// `bitnet`: command-line front end of bitnet-core.
#include <cstdio>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "bitnet/config.h"
#include "bitnet/version.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Tools for BitNet b1.58 ternary networks, built on bitnet-core.", "bitnet"};
  app.set_version_flag("--version", fmt::format("bitnet {}", bitnet::version_string()));
  app.require_subcommand(1);
  // Lets global options also follow the subcommand: `bitnet bench --threads 1`.
  app.fallthrough();

  int threads = 0;
  CLI::Option* threads_option = app.add_option(
      "--threads", threads,
      "Worker threads for CPU ops (default: BITNET_THREADS, else all hardware threads)");

  std::vector<bitnet::cli::Command> commands;
  commands.push_back(bitnet::cli::add_info_command(app));
  commands.push_back(bitnet::cli::add_tokenize_command(app));
  commands.push_back(bitnet::cli::add_detokenize_command(app));
  commands.push_back(bitnet::cli::add_logits_command(app));
  commands.push_back(bitnet::cli::add_generate_command(app));
  commands.push_back(bitnet::cli::add_chat_command(app));
  commands.push_back(bitnet::cli::add_perplexity_command(app));
  commands.push_back(bitnet::cli::add_quantize_command(app));
#if BITNET_WITH_BENCH
  commands.push_back(bitnet::cli::add_bench_command(app));
  commands.push_back(bitnet::cli::add_alloc_worker_command(app));
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }

  try {
    // The library validates the value (>= 1) and names it in its error.
    if (threads_option->count() > 0) bitnet::set_num_threads(threads);
    for (const bitnet::cli::Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    return 0;
  } catch (const std::exception& error) {
    // bitnet::Error carries a message naming the op and values; anything else (bad_alloc) is
    // reported the same way rather than aborting.
    fmt::print(stderr, "bitnet: error: {}\n", error.what());
    return 1;
  }
}

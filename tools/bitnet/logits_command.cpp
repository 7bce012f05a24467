// `bitnet logits`: a model's logits for a list of token ids, one row per position; needs no
// tokenizer.
#include <algorithm>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bitnet/error.h"
#include "bitnet/model.h"
#include "commands.h"
#include "id_list.h"
#include "model_options.h"

namespace bitnet::cli {
namespace {

struct LogitsOptions {
  std::string model;
  std::string tokens;
  bool json = false;
  std::string ffn_activation;
};

int run_logits(const LogitsOptions& options) {
  const Model model = load_model_or_default(options.model, load_options(options.ffn_activation));
  const std::vector<int32_t> ids = parse_id_list(options.tokens, "--tokens");
  if (ids.empty()) throw Error(ErrorKind::kInvalidArgument, "--tokens: no token ids given");
  const Tensor logits = model.logits(ids);
  const std::vector<float> values = logits.to_vector<float>();
  const int64_t vocabulary = logits.shape()[1];
  if (options.json) {
    // Shortest text that reads back to the same f32 ({} formats floats round-trippably).
    std::string out = "{\"logits\": [";
    for (size_t position = 0; position < ids.size(); ++position) {
      out += position == 0 ? "[" : ", [";
      for (int64_t id = 0; id < vocabulary; ++id) {
        if (id > 0) out += ", ";
        out += fmt::format("{}", values[position * vocabulary + id]);
      }
      out += "]";
    }
    out += "]}\n";
    fmt::print("{}", out);
    return 0;
  }
  // Human-readable: the five most likely next ids at every position.
  for (size_t position = 0; position < ids.size(); ++position) {
    const float* row = values.data() + position * vocabulary;
    std::vector<int64_t> order(static_cast<size_t>(vocabulary));
    std::iota(order.begin(), order.end(), 0);
    const auto shown = std::min<int64_t>(5, vocabulary);
    std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                      [row](int64_t a, int64_t b) { return row[a] > row[b]; });
    std::string line = fmt::format("position {} (id {}):", position, ids[position]);
    for (int64_t rank = 0; rank < shown; ++rank) {
      line += fmt::format(" {}={:.4f}", order[rank], row[order[rank]]);
    }
    fmt::print("{}\n", line);
  }
  return 0;
}

}  // namespace

Command add_logits_command(CLI::App& parent) {
  CLI::App* command = parent.add_subcommand(
      "logits", "Print a model's logits for token ids (one row per position)");
  auto options = std::make_shared<LogitsOptions>();
  add_model_option(*command, options->model);
  add_ffn_activation_option(*command, options->ffn_activation);
  command->add_option("--tokens", options->tokens, "Token ids, e.g. 5,17,42")->required();
  command->add_flag("--json", options->json, "Print {\"logits\": [[...], ...]} (all ids)");
  return Command{command, [options] { return run_logits(*options); }};
}

}  // namespace bitnet::cli

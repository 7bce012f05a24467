// Suite `model`: whole-model prompt and decode throughput as llama-bench counts them. pp512 is one
// 512-token prompt from an empty cache (logits of its last position only); tg128 is 128 greedy
// single-token steps from an empty cache, starting on one token. Items are tokens. The model is a
// GGUF file: a random-weight one of BitNet b1.58 2B4T's shapes written by our own writer (TQ2_0 and
// TQ1_0 projections, f16 tied embedding), or the file given with `bitnet bench --model`. llama.cpp
// (node-llama-cpp, scripts/peers/node-llama-cpp/) runs the very same file in the same run, with
// the same thread count, its weights read into memory (no mmap) as ours are.
#include <chrono>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/child_process.h"
#include "bench/external_peers.h"
#include "bench/memory_readers.h"
#include "bench/model_file_option.h"
#include "bench/suites.h"
#include "bench/synthetic_model.h"
#include "bitnet/config.h"
#include "bitnet/error.h"
#include "bitnet/model.h"

namespace bitnet::bench {
namespace {

namespace fs = std::filesystem;

struct Workload {
  int64_t prompt_tokens;  // 0: none
  int64_t decode_tokens;  // 0: none
};

constexpr Workload kPp512{512, 0};
constexpr Workload kTg128{0, 128};

// The folder holding decode.mjs with node-llama-cpp installed next to it (run.sh --install, once
// per process); empty with the reason in `missing` when it cannot be had.
struct PeerInstall {
  fs::path dir;
  std::string missing;
};

const PeerInstall& peer_install() {
  static const PeerInstall install = [] {
    PeerInstall made;
    const fs::path script =
        fs::path(BITNET_SOURCE_DIR) / "scripts" / "peers" / "node-llama-cpp" / "run.sh";
    ChildResult result;
    try {
      result = run_program("bash", {script.string(), "--install"});
    } catch (const Error& error) {
      made.missing = error.what();
      return made;
    }
    std::string dir = result.output;
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
    if (result.exit_code != 0 || dir.empty() || !fs::exists(fs::path(dir) / "decode.mjs")) {
      made.missing = fmt::format("{} --install failed (exit {}): {}", script.string(),
                                 result.exit_code, result.output.substr(0, 2000));
      return made;
    }
    made.dir = dir;
    return made;
  }();
  return install;
}

// Our row: one Session reused across iterations (reset, not rebuilt), so that the cache's
// allocation stays out of the timing as llama.cpp's context creation does.
Row bitnet_row(const std::shared_ptr<const Model>& model, const Workload& work) {
  auto session = std::make_shared<Session>(*model, work.prompt_tokens + work.decode_tokens + 16);
  const int64_t vocabulary = model->config().vocab_size;
  std::vector<int32_t> prompt(static_cast<size_t>(work.prompt_tokens));
  // Ids spread over the vocabulary; the work does not depend on which.
  for (size_t index = 0; index < prompt.size(); ++index) {
    prompt[index] = static_cast<int32_t>((index * 7919 + 1) % static_cast<size_t>(vocabulary));
  }
  return make_row(
      std::string(kBitnetImpl), static_cast<double>(work.prompt_tokens + work.decode_tokens),
      Unit::kItems, [session, prompt, work] {
        session->reset();
        if (!prompt.empty()) do_not_optimize(session->forward_last(prompt));
        int32_t token = 1;
        for (int64_t step = 0; step < work.decode_tokens; ++step) {
          const Tensor logits = session->forward_last(std::span(&token, 1));
          const float* values = logits.data_as<float>();
          const int64_t count = logits.numel();
          token = static_cast<int32_t>(std::max_element(values, values + count) - values);
        }
        do_not_optimize(token);
      });
}

// The bytes one decode step must read: every ternary projection as repacked (trits and scales)
// and the output head; the embedding row and the norms are noise beside them.
double bytes_per_token(const Model& model) {
  const ModelWeights& weights = model.weights();
  double bytes = static_cast<double>(weights.head.nbytes());
  for (const LayerWeights& layer : weights.layers) {
    for (const TernaryTensor* projection :
         {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) {
      bytes += static_cast<double>(projection->packed().nbytes() + projection->scales().nbytes());
    }
  }
  return bytes;
}

// `read_bound`: the decode the machine's memory allows, measured in this run: the time to read
// the weight bytes of every step at the best read bandwidth of bench/memory_readers.h (each reader
// over 512 MiB, sixteen times the L3, on all threads). Its ratio column is then the fraction of
// that bound our decode reaches.
Row read_bound_row(const std::shared_ptr<const Model>& model, const Workload& work) {
  Row row;
  row.impl = "read_bound";
  row.items_per_iter = static_cast<double>(work.decode_tokens);
  row.unit = Unit::kItems;
  row.run = [](int64_t) {};
  const double step_bytes = bytes_per_token(*model);
  row.bytes_per_iter = step_bytes * static_cast<double>(work.decode_tokens);
  row.measure = [step_bytes, work](int64_t iterations) {
    constexpr int64_t kBytes = int64_t{512} << 20;
    const Tensor buffer = Tensor::empty({kBytes / 8}, DType::kI64);
    auto* words = buffer.data_as<int64_t>();
    for (int64_t index = 0; index < kBytes / 8; ++index) words[index] = index;  // no zero page
    double best_seconds = 0;
    for (const MemoryReader& reader : memory_readers()) {
      for (int pass = 0; pass < 3; ++pass) {
        const auto start = std::chrono::steady_clock::now();
        do_not_optimize(reader.read(static_cast<const uint8_t*>(buffer.data()), kBytes));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (best_seconds == 0 || seconds < best_seconds) best_seconds = seconds;
      }
    }
    const double bandwidth = static_cast<double>(kBytes) / best_seconds;
    return static_cast<double>(iterations) * static_cast<double>(work.decode_tokens) * step_bytes /
           bandwidth * 1e9;
  };
  return row;
}

// llama.cpp through decode.mjs: one child process per sample (model load and one warm-up pass
// untimed there), the seconds of its timed passes added up.
Row llama_cpp_row(const fs::path& model_path, const Workload& work, int threads) {
  Row row;
  row.impl = threads == num_threads() ? "llama_cpp" : fmt::format("llama_cpp_{}t", threads);
  row.items_per_iter = static_cast<double>(work.prompt_tokens + work.decode_tokens);
  row.unit = Unit::kItems;
  row.run = [](int64_t) {};
  row.measure = [model_path, work, threads](int64_t iterations) {
    const fs::path script = peer_install().dir / "decode.mjs";
    const ChildResult result = run_program(
        "node", {script.string(), model_path.string(), "--threads", std::to_string(threads),
                 "--prompt-tokens", std::to_string(work.prompt_tokens), "--tokens",
                 std::to_string(work.decode_tokens), "--runs", std::to_string(iterations)});
    const auto failed = [&](const std::string& why) {
      return Error(ErrorKind::kIo,
                   fmt::format("bench model: llama.cpp (decode.mjs) {} (exit {}): {}", why,
                               result.exit_code, result.output.substr(0, 2000)));
    };
    if (result.exit_code != 0) throw failed("failed");
    // The report is the last JSON object printed (the library may log lines before it).
    const size_t start = result.output.rfind("\n{");
    nlohmann::json report;
    try {
      report = nlohmann::json::parse(result.output.substr(start == std::string::npos ? 0 : start));
    } catch (const nlohmann::json::exception&) {
      throw failed("printed no JSON report");
    }
    const auto& prompt = report.at("prompt_seconds_runs");
    const auto& decode = report.at("decode_seconds_runs");
    if (static_cast<int64_t>(prompt.size()) != iterations) throw failed("ran another pass count");
    double seconds = 0;
    for (const auto& value : prompt) seconds += value.get<double>();
    for (const auto& value : decode) seconds += value.get<double>();
    return seconds * 1e9;
  };
  return row;
}

// The rows of one workload on `path` (the shared model loaded once per case).
std::vector<Row> model_rows(const fs::path& path, const Workload& work) {
  auto model = std::make_shared<const Model>(Model::load(path.string()));
  std::vector<Row> rows;
  rows.push_back(bitnet_row(model, work));
  if (work.decode_tokens > 0) rows.push_back(read_bound_row(model, work));
  const PeerInstall& install = peer_install();
  if (!install.missing.empty()) {
    peer_missing("model", "llama.cpp: " + install.missing);
  } else {
    rows.push_back(llama_cpp_row(path, work, num_threads()));
    // Through node, llama.cpp's decode on 2 threads of a 2-core machine stalls for about 15 ms a
    // step (its spinning workers and node's own threads share the cores): its one-thread row
    // shows what it does without that, and a comparison takes the better of the two.
    if (num_threads() > 1) rows.push_back(llama_cpp_row(path, work, 1));
  }
  return rows;
}

// A case on the synthetic model of `shape` and `format`; with `bitnet bench --model FILE`, only
// the unsuffixed cases run, on that file.
CaseSpec model_case(const std::string& name, const Workload& work, std::optional<ModelShape> shape,
                    TernaryFormat format) {
  return CaseSpec{name, [=]() -> std::vector<Row> {
                    const std::optional<fs::path> given = bench_model_file();
                    if (given) {
                      if (name != "pp512" && name != "tg128") return {};
                      return model_rows(*given, work);
                    }
                    return model_rows(synthetic_model_file(*shape, format), work);
                  }};
}

}  // namespace

void register_model_suite(SuiteRegistry& registry) {
  Suite suite{"model",
              "Whole-model tokens/s as llama-bench counts them: pp512 (one 512-token prompt) and "
              "tg128 (128 greedy decode steps), from an empty cache, on a random-weight GGUF of "
              "BitNet b1.58 2B4T's shapes (TQ2_0; _tq1_0: TQ1_0) or the --model file; _small: a "
              "two-layer model for smoke runs; llama_cpp: node-llama-cpp on the same file and "
              "threads, weights in memory; read_bound: the decode time the best memory reader of "
              "this run allows for the weight bytes of each step",
              {}};
  const ModelShape full = bitnet_2b4t_shape();
  const ModelShape small = small_model_shape();
  suite.cases.push_back(model_case("pp512", kPp512, full, TernaryFormat::kTQ2_0));
  suite.cases.push_back(model_case("tg128", kTg128, full, TernaryFormat::kTQ2_0));
  suite.cases.push_back(model_case("pp512_tq1_0", kPp512, full, TernaryFormat::kTQ1_0));
  suite.cases.push_back(model_case("tg128_tq1_0", kTg128, full, TernaryFormat::kTQ1_0));
  suite.cases.push_back(model_case("pp512_small", kPp512, small, TernaryFormat::kTQ2_0));
  suite.cases.push_back(model_case("tg128_small", kTg128, small, TernaryFormat::kTQ2_0));
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

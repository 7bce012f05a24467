#include "bench/model_file_option.h"

#include <utility>

namespace bitnet::bench {
namespace {

std::optional<std::filesystem::path>& model_file() {
  static std::optional<std::filesystem::path> path;
  return path;
}

}  // namespace

void set_bench_model_file(std::filesystem::path path) {
  model_file() = std::move(path);
}

std::optional<std::filesystem::path> bench_model_file() {
  return model_file();
}

}  // namespace bitnet::bench

// `bitnet bench --model FILE`: the model file suite `model` times instead of its synthetic ones.
#pragma once

#include <filesystem>
#include <optional>

namespace bitnet::bench {

// Set before the suites run (the CLI parses its options after registering them).
void set_bench_model_file(std::filesystem::path path);
[[nodiscard]] std::optional<std::filesystem::path> bench_model_file();

}  // namespace bitnet::bench

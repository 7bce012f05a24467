// Runs this executable again as a child process, for benchmarks that need a process of their own
// (another malloc preloaded with LD_PRELOAD), or another program (node, for external peers).
#pragma once

#include <string>
#include <vector>

namespace bitnet::bench {

struct ChildResult {
  int exit_code = -1;  // -1 when the child was killed by a signal
  std::string output;  // its stdout
};

// Runs /proc/self/exe with `arguments` (not including argv[0]) and the current environment plus
// `environment` ("NAME=value", replacing a variable of the same name). Its stderr is ours.
// Throws Error(kIo) when the child cannot be started.
[[nodiscard]] ChildResult run_self(const std::vector<std::string>& arguments,
                                   const std::vector<std::string>& environment);

// Runs `program` (looked up in PATH when it has no '/') with `arguments` (not including argv[0]),
// the same way. Throws Error(kIo) when it cannot be started.
[[nodiscard]] ChildResult run_program(const std::string& program,
                                      const std::vector<std::string>& arguments,
                                      const std::vector<std::string>& environment = {});

}  // namespace bitnet::bench

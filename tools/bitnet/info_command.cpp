// `bitnet info`: what this build is and what it found on the machine. The facts come from the
// library (version.h, config.h, system_info.h); this file only lays them out.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bitnet/config.h"
#include "bitnet/system_info.h"
#include "bitnet/version.h"
#include "commands.h"

namespace bitnet::cli {
namespace {

// Cache sizes are powers of two, so binary units read exactly: "32 KiB", "1 MiB", "1.5 MiB".
std::string format_bytes(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 20))
    return fmt::format("{:g} MiB", static_cast<double>(bytes) / (1 << 20));
  if (bytes >= (uint64_t{1} << 10))
    return fmt::format("{:g} KiB", static_cast<double>(bytes) / (1 << 10));
  return fmt::format("{} B", bytes);
}

std::string format_cache(std::string_view name, const CacheLevel& level) {
  if (level.size_bytes == 0) return fmt::format("{} none", name);
  return fmt::format("{} {} x{}", name, format_bytes(level.size_bytes), level.instances);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (size_t index = 0; index < parts.size(); ++index) {
    if (index > 0) joined += separator;
    joined += parts[index];
  }
  return joined;
}

int run_info() {
  const CpuInfo& cpu = cpu_info();
  fmt::print("bitnet {}\n", version_string());
  fmt::print("build:     {}, {}\n", build_type(), compiler_string());
  if (cpu.detected) {
    fmt::print("cpu:       {} ({}), {} package(s), {} core(s), {} hardware thread(s)\n", cpu.model,
               cpu.architecture, cpu.packages, cpu.cores, cpu.logical_processors);
  } else {
    fmt::print("cpu:       {} (detection failed; optional features off)\n", cpu.architecture);
  }

  std::vector<std::string> present;
  std::vector<std::string> absent;
  for (const NamedFeature& feature : cpu_feature_list(cpu)) {
    (feature.present ? present : absent).emplace_back(feature.name);
  }
  fmt::print("features:  {}\n", present.empty() ? "none" : join(present, " "));
  if (!absent.empty()) fmt::print("absent:    {}\n", join(absent, " "));
  fmt::print("caches:    {}, {}, {}\n", format_cache("L1d", cpu.l1d), format_cache("L2", cpu.l2),
             format_cache("L3", cpu.l3));
  fmt::print("threads:   {}\n", num_threads());

  std::vector<std::string> devices;
  for (const BackendStatus& backend : backend_statuses()) {
    devices.push_back(backend.available ? fmt::format("{} ({})", backend.name, backend.detail)
                                        : fmt::format("{}: {}", backend.name, backend.detail));
  }
  fmt::print("devices:   {}\n", join(devices, "; "));
  return 0;
}

}  // namespace

Command add_info_command(CLI::App& parent) {
  CLI::App* command =
      parent.add_subcommand("info", "Show the build, the CPU and its features, caches, threads");
  return Command{command, run_info};
}

}  // namespace bitnet::cli

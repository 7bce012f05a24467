// `bitnet info`: what this build is and what it found on the machine. The facts come from the
// library (version.h, config.h, system_info.h); this file only lays them out.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bitnet/config.h"
#include "bitnet/memory.h"
#include "bitnet/system_info.h"
#include "bitnet/version.h"
#include "commands.h"
#include "file_info.h"

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
  if (level.size_bytes == 0) return fmt::format("{} unknown", name);
  // The fallbacks are named: a size read off sysfs or CPUID on a VM deserves a second look.
  const std::string source = level.source == "cpuinfo" ? "" : fmt::format(" ({})", level.source);
  return fmt::format("{} {} x{}{}", name, format_bytes(level.size_bytes), level.instances, source);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (size_t index = 0; index < parts.size(); ++index) {
    if (index > 0) joined += separator;
    joined += parts[index];
  }
  return joined;
}

std::string format_limit(uint64_t bytes) {
  return bytes == 0 ? std::string("none") : format_bytes(bytes);
}

// `bitnet info --memory`: each pool's configuration and statistics (MemoryStats).
void print_memory() {
  for (const MemoryPool* pool : memory_pools()) {
    const MemoryStats stats = pool->stats();
    fmt::print("memory pool ({}):\n", to_string(stats.device));
    fmt::print("  layout:    small blocks up to {} in {} size classes, 64-byte aligned\n",
               format_bytes(stats.small_block_limit), stats.size_classes.size());
    fmt::print("  limit:     {} (BITNET_MEMORY_LIMIT); large-block cache up to {}\n",
               format_limit(stats.limit_bytes), format_bytes(stats.large_cache_capacity_bytes));
    fmt::print("  in use:    {} requested in {} blocks ({} as blocks), peak {}\n",
               format_bytes(stats.bytes_in_use), stats.live_blocks(),
               format_bytes(stats.block_bytes_in_use), format_bytes(stats.peak_bytes_in_use));
    fmt::print("  held:      {} from the system (peak {}), of which {} cached ({} large)\n",
               format_bytes(stats.reserved_bytes), format_bytes(stats.peak_reserved_bytes),
               format_bytes(stats.cached_bytes), format_bytes(stats.large_cached_bytes));
    fmt::print("  metadata:  {} ({:.2f}% of the bytes in use)\n",
               format_bytes(stats.metadata_bytes), 100.0 * stats.metadata_overhead());
    fmt::print(
        "  calls:     {} allocations, {} frees, {} trims, {} out-of-memory errors, "
        "{} thread cache(s)\n",
        stats.allocations, stats.frees, stats.trims, stats.out_of_memory_errors,
        stats.thread_caches);
    std::vector<std::string> classes;
    for (const SizeClassStats& entry : stats.size_classes) {
      if (entry.allocations == 0) continue;
      classes.push_back(fmt::format("{}: {} live/{}", format_bytes(entry.block_bytes),
                                    entry.live_blocks(), entry.allocations));
    }
    if (stats.large.allocations != 0) {
      classes.push_back(
          fmt::format("large: {} live/{}", stats.large.live_blocks(), stats.large.allocations));
    }
    if (!classes.empty()) fmt::print("  classes:   {}\n", join(classes, ", "));
    for (const TagStats& tag : stats.tags) {
      fmt::print("  tag {}: {} in use, {} allocations, {} frees\n", tag.name,
                 format_bytes(tag.bytes_in_use), tag.allocations, tag.frees);
    }
  }
  // Large blocks ask for huge pages with madvise, which works in the "always" and "madvise" modes.
  std::ifstream huge_pages("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  if (std::getline(huge_pages, mode)) fmt::print("huge pages: {}\n", mode);
}

int run_info(bool memory) {
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
  const SimdStatus simd = simd_status();
  fmt::print("simd:      {} (selected: {})\n", join(simd.available, " "), simd.selected);
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
  if (memory) print_memory();
  return 0;
}

}  // namespace

Command add_info_command(CLI::App& parent) {
  CLI::App* command = parent.add_subcommand(
      "info",
      "Show the build, the CPU and its features, caches, threads; or, given FILE, a model file's "
      "metadata and tensor table");
  auto memory = std::make_shared<bool>(false);
  command->add_flag("--memory", *memory,
                    "Also show the memory pools: limits, bytes in use and held, classes, tags");
  auto file = std::make_shared<std::string>();
  auto repack = std::make_shared<bool>(false);
  command->add_option("file", *file,
                      "A GGUF or safetensors file, or a checkpoint's index .json or directory: "
                      "print its metadata and tensors (exit status 1 if it is invalid)");
  command->add_flag("--repack", *repack,
                    "With FILE: also repack every ternary tensor into t2 and report time and "
                    "memory");
  return Command{command, [memory, file, repack] {
                   return file->empty() ? run_info(*memory) : run_file_info(*file, *repack);
                 }};
}

}  // namespace bitnet::cli

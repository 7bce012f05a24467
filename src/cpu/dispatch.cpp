// Builds one kernel table per available level, each layered on the level below it, so a level
// that lacks a kernel falls back to the best lower implementation.
#include <array>
#include <mutex>

#include "core/raise.h"
#include "cpu/kernels.h"
#include "cpu/ternary_kernels.h"

namespace bitnet::cpu {
namespace {

constexpr int kLevelCount = 5;

struct KernelTables {
  std::array<CpuKernels, kLevelCount> tables;
  std::array<bool, kLevelCount> present{};
};

const KernelTables& all_tables() {
  static const KernelTables built = [] {
    KernelTables result;
    CpuKernels current;
    fill_scalar_kernels(current);
    current.isa = Isa::kScalar;
    result.tables[0] = current;
    result.present[0] = true;
#if defined(__x86_64__)
    struct Level {
      Isa isa;
      void (*fill)(CpuKernels&);
    };
    for (const Level level :
         {Level{Isa::kSse41, fill_sse41_kernels}, Level{Isa::kAvx2, fill_avx2_kernels},
          Level{Isa::kAvx512, fill_avx512_kernels}}) {
      if (!isa_available(level.isa)) break;
      level.fill(current);
      fill_ternary_kernels(level.isa, current);
      current.isa = level.isa;
      result.tables[static_cast<int>(level.isa)] = current;
      result.present[static_cast<int>(level.isa)] = true;
    }
#elif defined(__aarch64__)
    fill_neon_kernels(current);
    fill_ternary_kernels(Isa::kNeon, current);
    current.isa = Isa::kNeon;
    result.tables[static_cast<int>(Isa::kNeon)] = current;
    result.present[static_cast<int>(Isa::kNeon)] = true;
#endif
    return result;
  }();
  return built;
}

}  // namespace

const CpuKernels& kernels_for(Isa isa) {
  const KernelTables& tables = all_tables();
  const int index = static_cast<int>(isa);
  if (!tables.present[index]) {
    raise(ErrorKind::kUnsupported, "SIMD level {} is not available on this CPU or build",
          isa_name(isa));
  }
  return tables.tables[index];
}

const CpuKernels& kernels() {
  static const CpuKernels& selected = kernels_for(selected_isa());
  return selected;
}

}  // namespace bitnet::cpu

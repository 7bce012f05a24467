#include "cpu/isa.h"

#include "bitnet/config.h"
#include "bitnet/system_info.h"
#include "core/raise.h"

namespace bitnet::cpu {

std::string_view isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kSse41:
      return "sse4.1";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kNeon:
      return "neon";
  }
  return "?";
}

Isa isa_from_name(std::string_view name) {
  for (Isa isa : {Isa::kScalar, Isa::kSse41, Isa::kAvx2, Isa::kAvx512, Isa::kNeon}) {
    if (isa_name(isa) == name) return isa;
  }
  raise(ErrorKind::kInvalidArgument,
        "BITNET_ISA='{}' is not a SIMD level: expected scalar, sse4.1, avx2, avx512 or neon", name);
}

bool isa_available(Isa isa) noexcept {
  const CpuFeatures& features = cpu_info().features;
  switch (isa) {
    case Isa::kScalar:
      return true;
#if defined(__x86_64__)
    case Isa::kSse41:
      return features.sse4_1;
    // The AVX2 level also uses FMA3 and F16C, which every AVX2 CPU we know of has.
    case Isa::kAvx2:
      return features.avx2 && features.fma && features.f16c;
    case Isa::kAvx512:
      return features.avx512f && features.avx512bw && features.avx512vl && features.avx2 &&
             features.fma && features.f16c;
#endif
#if defined(__aarch64__)
    case Isa::kNeon:
      return true;  // Advanced SIMD is part of the arm64 base architecture
#endif
    default:
      return false;
  }
}

std::vector<Isa> available_isas() {
  std::vector<Isa> levels;
  for (Isa isa : {Isa::kScalar, Isa::kSse41, Isa::kAvx2, Isa::kAvx512, Isa::kNeon}) {
    if (isa_available(isa)) levels.push_back(isa);
  }
  return levels;
}

Isa selected_isa() {
  const std::string& forced = config().isa;
  if (forced.empty()) return available_isas().back();
  const Isa isa = isa_from_name(forced);
  if (!isa_available(isa)) {
    raise(ErrorKind::kUnsupported, "BITNET_ISA={}: this CPU or build does not support it", forced);
  }
  return isa;
}

}  // namespace bitnet::cpu

namespace bitnet {

SimdStatus simd_status() {
  SimdStatus status;
  for (cpu::Isa isa : cpu::available_isas()) status.available.emplace_back(cpu::isa_name(isa));
  status.selected = std::string(cpu::isa_name(cpu::selected_isa()));
  return status;
}

}  // namespace bitnet

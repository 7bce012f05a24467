// SIMD instruction-set levels and their selection. The level is chosen once: the best one the CPU
// supports, or the one BITNET_ISA forces (an Error when the CPU lacks it).
#pragma once

#include <string_view>
#include <vector>

namespace bitnet::cpu {

enum class Isa { kScalar, kSse41, kAvx2, kAvx512, kNeon };

[[nodiscard]] std::string_view isa_name(Isa isa) noexcept;  // "scalar", "sse4.1", "avx2", ...
// Parses a BITNET_ISA value; throws Error listing the accepted names.
[[nodiscard]] Isa isa_from_name(std::string_view name);
// Compiled into this build (x86 levels on x86-64, NEON on arm64) and supported by this CPU.
[[nodiscard]] bool isa_available(Isa isa) noexcept;
// Every available level, scalar first.
[[nodiscard]] std::vector<Isa> available_isas();
// The level kernels run at: BITNET_ISA when set (validated), else the best available.
[[nodiscard]] Isa selected_isa();

}  // namespace bitnet::cpu

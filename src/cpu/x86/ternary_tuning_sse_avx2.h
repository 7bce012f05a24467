// Tuning constants of the ternary kernels on the x86 levels without a dot-product instruction
// and with 16 vector registers (SSE4.1, AVX2): products go through PMADDUBSW into i16 sums.
// Constants only, so that it may be included by translation units compiled for different levels.
#pragma once

#include <cstdint>

namespace bitnet::cpu {

struct MaddubsTuning {
  static constexpr bool kDotProduct = false;
  static constexpr bool kUnsignedDot = false;
  static constexpr int kGemvAccumulators = 8;  // GEMV tile registers: rows x columns
  static constexpr int kGemvColumns = 4;
  static constexpr int kGemvColumnsWide = 4;
  static constexpr int64_t kGemvWideBytes = 24 << 10;  // activations kept in L1
  static constexpr int kPanelRegisters = 2;
  static constexpr int kTileColumns = 5;  // 2 x 5 i16 accumulators + 2 code vectors
  static constexpr int kGemmMinColumns = 16;
  static constexpr int64_t kChunkWeights = 1024;
};

}  // namespace bitnet::cpu

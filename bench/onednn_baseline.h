// oneDNN's int8 matmul, a baseline for the ternary matmul. This adapter is the only file that
// includes oneDNN's headers (docs/ARCHITECTURE.md, rule 7). Built without oneDNN
// (BITNET_HAVE_ONEDNN=0), it reports itself unavailable and suites skip its rows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace bitnet::bench {

// Whether this build links oneDNN; when false, constructing OnednnInt8Matmul throws Error.
[[nodiscard]] bool onednn_available() noexcept;

// out[n, m] (s32) = x[n, k] (s8) * W[m, k]^T (s8 weights in -1/0/+1): the primitive is created
// once, and W is reordered once into the blocked layout the primitive asks for (as an inference
// engine would at load time), into `copies` separate buffers that callers rotate over to read the
// weights from DRAM rather than cache. oneDNN runs on its own OpenMP threads.
class OnednnInt8Matmul {
 public:
  // weights: s8 [m, k] contiguous; read during construction only.
  OnednnInt8Matmul(int64_t m, int64_t k, int64_t n, const int8_t* weights, int copies = 1);
  ~OnednnInt8Matmul();
  OnednnInt8Matmul(const OnednnInt8Matmul&) = delete;
  OnednnInt8Matmul& operator=(const OnednnInt8Matmul&) = delete;

  // x: s8 [n, k] contiguous; out: s32 [n, m] contiguous, not overlapping x. copy < copies.
  void run(int copy, const int8_t* x, int32_t* out);

  // Bytes of one reordered weight buffer (what one run reads of the weights).
  [[nodiscard]] int64_t weight_bytes() const noexcept;
  // oneDNN's name for the implementation it picked, e.g. "brg:avx512_core_vnni".
  [[nodiscard]] std::string implementation() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace bitnet::bench

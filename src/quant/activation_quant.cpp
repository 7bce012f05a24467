// Per-token absmax int8 quantization of activations (BitNet b1.58), through the dispatched
// quantize_absmax_i8 kernel: the same codes on every SIMD level.
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "bitnet/quant.h"
#include "core/raise.h"
#include "cpu/kernels.h"

namespace bitnet {
namespace {

// The sum of int8 codes. x86-64 always has SSE2, whose PSADBW adds 16 unsigned bytes in one
// instruction: x ^ 0x80 is x + 128 as an unsigned byte, so the sum is sad(x ^ 0x80) - 128 n
// (four times faster than the compiler's sign-extending loop, which cost more than the SIMD
// quantization itself).
int32_t sum_codes(const int8_t* codes, int64_t count) {
  int64_t total = 0;
  int64_t i = 0;
#if defined(__x86_64__)
  __m128i sums = _mm_setzero_si128();
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  for (; i + 16 <= count; i += 16) {
    // reinterpret_cast: the unaligned-load intrinsic takes an __m128i pointer.
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + i));
    sums = _mm_add_epi64(sums, _mm_sad_epu8(_mm_xor_si128(bytes, flip), _mm_setzero_si128()));
  }
  total = _mm_cvtsi128_si64(sums) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)) - 128 * i;
#endif
  for (; i < count; ++i) total += codes[i];
  return static_cast<int32_t>(total);
}

}  // namespace

QuantizedActivations quantize_activations(const Tensor& x, std::optional<int64_t> padded_cols) {
  if (!x.defined() || !is_floating(x.dtype()) || x.rank() == 0) {
    raise(ErrorKind::kInvalidArgument,
          "quantize_activations: need a floating tensor with at least one axis, got {}",
          x.defined() ? x.describe() : "undefined");
  }
  const int64_t cols = x.size(-1);
  const int64_t padded = padded_cols.value_or(cols);
  if (padded < cols) {
    raise(ErrorKind::kInvalidArgument,
          "quantize_activations: padded_cols {} is below the row length {}", padded, cols);
  }
  const int64_t tokens = cols == 0 ? x.numel() : x.numel() / cols;
  // cast() always copies; an f32 input is read in place (copied only when not contiguous).
  const Tensor values = x.dtype() == DType::kF32 ? x.contiguous() : cast(x, DType::kF32);
  QuantizedActivations result;
  result.cols = cols;
  // Only the padding past `cols` needs zeros; the kernel writes the rest.
  result.codes = Tensor::empty({tokens, padded}, DType::kI8);
  result.scales = Tensor::empty({tokens}, DType::kF32);
  result.sums = Tensor::empty({tokens}, DType::kI32);
  const auto* in = static_cast<const float*>(values.data());
  auto* codes = static_cast<int8_t*>(result.codes.data());
  auto* scales = static_cast<float*>(result.scales.data());
  auto* sums = static_cast<int32_t*>(result.sums.data());
  const auto quantize_row = cpu::kernels().quantize_absmax_i8;
  // A row of 2560 takes about 0.2 µs: below some 64 Ki elements a second thread costs more than
  // it saves.
  parallel_for(0, tokens, std::max<int64_t>(1, 65536 / std::max<int64_t>(cols, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t t = begin; t < end; ++t) {
                   int8_t* row = codes + t * padded;
                   std::memset(row + cols, 0, static_cast<size_t>(padded - cols));
                   const float scale = quantize_row(in + t * cols, row, cols);
                   if (!std::isfinite(scale)) {
                     raise(ErrorKind::kInvalidArgument,
                           "quantize_activations: row {} of shape {} contains NaN or Inf", t,
                           to_string(x.shape()));
                   }
                   scales[t] = scale;
                   sums[t] = sum_codes(row, cols);
                 }
               });
  return result;
}

}  // namespace bitnet

// BitNet b1.58 quantization: ternary weights (absmean), int8 activations (per-token absmax), packed
// ternary formats, ternary matmul and BitLinear. Rounding follows the Hugging Face `bitnet`
// integration: round half to even (torch.round), products in f32.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "bitnet/tensor.h"

namespace bitnet {

// ---- packed formats -----------------------------------------------------------------------------
// kT2: our 2-bit layout, 256 weights in 64 bytes; byte j holds weights j, j+64, j+128, j+192 in
// bits
//      0-1, 2-3, 4-5, 6-7 as codes 0, 1, 2 for -1, 0, +1 (one vector load unpacks into four
//      contiguous runs on every SIMD width). 2 bits per weight.
// kT1: our base-3 layout, 320 weights in 64 bytes; byte j holds weights j, j+64, ..., j+256 as the
//      five base-3 digits of ceil(v * 256 / 243), most significant first (digit extraction by
//      multiply-shift, as TQ1_0 does). 1.6 bits per weight.
// kTQ2_0 / kTQ1_0: llama.cpp's GGML types 35 and 34 (QK_K = 256 blocks with an f16 scale each).
// kI2S: bitnet.cpp's I2_S (x86 layout: 128 weights in 32 bytes, byte j holds weights j, j+32,
//      j+64, j+96 from the high bits down; one f32 scale for the whole tensor after the data).
enum class TernaryFormat { kT2, kT1, kTQ2_0, kTQ1_0, kI2S };

// One row of the formats table (ggml's traits pattern): packing of one row of trits.
struct TernaryFormatTraits {
  TernaryFormat format;
  std::string_view name;   // "t2", "t1", "tq2_0", "tq1_0", "i2_s"
  int64_t block_weights;   // weights per block
  int64_t block_bytes;     // bytes per block, scale included where the format has one per block
  double bits_per_weight;  // block_bytes * 8 / block_weights
  bool has_block_scale;    // an f16 scale inside every block (TQ1_0, TQ2_0)
  // Packs `count` trits (a multiple of block_weights) with block scale `scale` (ignored by formats
  // without block scales); `out` receives count / block_weights * block_bytes bytes.
  void (*pack)(const int8_t* trits, int64_t count, float scale, uint8_t* out);
  // Unpacks to trits; returns the scale of the first block (1 when the format has none).
  void (*unpack)(const uint8_t* packed, int64_t count, int8_t* trits, float* block_scales);
  // Reference dot product of packed weights with int8 activations over `count` weights.
  int32_t (*dot)(const uint8_t* packed, const int8_t* activations, int64_t count);
};

[[nodiscard]] const TernaryFormatTraits& ternary_format_traits(TernaryFormat format);
[[nodiscard]] TernaryFormat ternary_format_from_name(std::string_view name);
[[nodiscard]] const std::vector<TernaryFormatTraits>& ternary_formats();

// ---- ternary weights ----------------------------------------------------------------------------
enum class ScaleGranularity { kPerTensor, kPerRow };

// A [rows, cols] ternary matrix in one of our native formats (kT2 or kT1), with one f32 scale per
// tensor or per row: W ~ scale * W_t. Rows are padded to whole blocks with zero weights. Row
// slices are views (sharing the packed bytes); other views would split packed blocks and are
// refused with an Error.
class TernaryTensor {
 public:
  TernaryTensor() = default;

  // Absmean quantization (BitNet b1.58): gamma = max(mean|W|, 1e-5) over the tensor or each row,
  // W_t = clamp(round_half_even(W * (1 / gamma)), -1, 1), as Hugging Face's WeightQuant does.
  // `weights` is a 2-D floating tensor [rows, cols].
  [[nodiscard]] static TernaryTensor quantize(
      const Tensor& weights, ScaleGranularity granularity = ScaleGranularity::kPerTensor,
      TernaryFormat format = TernaryFormat::kT2);
  // From trits (i8 [rows, cols] in {-1, 0, 1}) and scales (f32 [1] or [rows]).
  [[nodiscard]] static TernaryTensor from_trits(const Tensor& trits, const Tensor& scales,
                                                TernaryFormat format = TernaryFormat::kT2);
  // Imports rows stored in a foreign or native format (bytes laid out row after row as the format
  // defines; for kI2S the trailing tensor scale is read too) and repacks them into `target`.
  // TQ1_0/TQ2_0 blocks of a row must share one scale (a ternary model's do); otherwise an Error
  // names the row and the two scales.
  [[nodiscard]] static TernaryTensor import(TernaryFormat source, const uint8_t* data, size_t bytes,
                                            int64_t rows, int64_t cols,
                                            TernaryFormat target = TernaryFormat::kT2);
  // Writes the matrix in `format` (for files: GGUF TQ1_0/TQ2_0/I2_S); the inverse of import().
  [[nodiscard]] std::vector<uint8_t> export_as(TernaryFormat format) const;

  [[nodiscard]] bool defined() const noexcept { return packed_.defined(); }
  [[nodiscard]] int64_t rows() const noexcept { return rows_; }
  [[nodiscard]] int64_t cols() const noexcept { return cols_; }
  [[nodiscard]] int64_t padded_cols() const noexcept { return padded_cols_; }
  [[nodiscard]] TernaryFormat format() const noexcept { return format_; }
  [[nodiscard]] ScaleGranularity granularity() const noexcept { return granularity_; }
  // u8 [rows, bytes_per_row]: the packed blocks (a view when this tensor is a row slice).
  [[nodiscard]] const Tensor& packed() const noexcept { return packed_; }
  // f32 [1] (per tensor) or [rows] (per row).
  [[nodiscard]] const Tensor& scales() const noexcept { return scales_; }
  [[nodiscard]] int64_t bytes_per_row() const noexcept;
  [[nodiscard]] float row_scale(int64_t row) const;

  [[nodiscard]] Tensor trits() const;       // i8 [rows, cols]
  [[nodiscard]] Tensor dequantize() const;  // f32 [rows, cols] = scale * trits
  [[nodiscard]] TernaryTensor repack(TernaryFormat format) const;

  // Views: rows [start, stop) share the packed bytes. Column slices, transposes and reshapes would
  // cut through packed blocks: they throw Error(kUnsupported) naming the reason.
  [[nodiscard]] TernaryTensor slice_rows(int64_t start, int64_t stop) const;
  [[nodiscard]] TernaryTensor slice_cols(int64_t start, int64_t stop) const;
  [[nodiscard]] TernaryTensor transpose() const;

 private:
  // import()'s fast path from TQ2_0 to kT2; nullopt when the general path must report an error.
  static std::optional<TernaryTensor> import_tq2_0_as_t2(const uint8_t* data, int64_t rows,
                                                         int64_t cols);

  Tensor packed_;
  Tensor scales_;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  int64_t padded_cols_ = 0;
  TernaryFormat format_ = TernaryFormat::kT2;
  ScaleGranularity granularity_ = ScaleGranularity::kPerTensor;
};

// ---- activations --------------------------------------------------------------------------------
// Per-token absmax int8: scale = 127 / max(max|x|, 1e-5) per row of the last axis,
// codes = clamp(round_half_even(x * scale), -128, 127). NaN or Inf in a row is an Error naming
// the row.
struct QuantizedActivations {
  Tensor codes;   // i8 [tokens, padded_cols], zero beyond cols
  Tensor scales;  // f32 [tokens]
  Tensor sums;    // i32 [tokens]: the sum of each row's codes (kernels use it)
  int64_t cols = 0;
};
// x: floating [..., cols]; leading dimensions are flattened into tokens. `padded_cols` >= cols.
[[nodiscard]] QuantizedActivations quantize_activations(const Tensor& x,
                                                        std::optional<int64_t> padded_cols = {});

// ---- matmul and BitLinear -----------------------------------------------------------------------
// y[..., m] = sum_k W_t[m, k] * codes[..., k] / x_scale * w_scale[m]: int32 accumulation on every
// SIMD level (bit-identical), then one rescale. x is f32 or bf16 [..., cols]; y has x's dtype.
[[nodiscard]] Tensor ternary_matmul(const Tensor& x, const TernaryTensor& weights);
// The int32 accumulations alone (for tests and kernels): i32 [tokens, rows].
[[nodiscard]] Tensor ternary_matmul_int(const QuantizedActivations& x,
                                        const TernaryTensor& weights);

// BitLinear: optional RMSNorm (weight [cols]) -> activation quantization -> ternary matmul ->
// rescale -> optional bias [rows].
class BitLinear {
 public:
  BitLinear(TernaryTensor weights, Tensor bias = {}, Tensor norm_weight = {},
            bool use_rms_norm = false, double rms_norm_eps = 1e-6);
  [[nodiscard]] Tensor forward(const Tensor& x) const;
  [[nodiscard]] const TernaryTensor& weights() const noexcept { return weights_; }

 private:
  TernaryTensor weights_;
  Tensor bias_;
  Tensor norm_weight_;
  bool use_rms_norm_;
  double rms_norm_eps_;
};

}  // namespace bitnet

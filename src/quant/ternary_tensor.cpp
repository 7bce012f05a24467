// TernaryTensor: absmean quantization, packing into the native formats, import from and export to
// foreign formats, row-slice views.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <optional>

#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "bitnet/quant.h"
#include "core/raise.h"
#include "quant/formats/tq2_0_to_t2.h"
#include "tensor/copy.h"

namespace bitnet {
namespace {

bool is_native(TernaryFormat format) {
  return format == TernaryFormat::kT2 || format == TernaryFormat::kT1;
}

void require_native(TernaryFormat format, const char* op) {
  if (!is_native(format)) {
    raise(ErrorKind::kInvalidArgument,
          "{}: {} is a file format; ternary tensors are held in t2 or t1 (import/export convert)",
          op, ternary_format_traits(format).name);
  }
}

// Whether the first `count` values are all equal, compared as floats.
bool all_equal(const float* values, int64_t count) {
  for (int64_t i = 1; i < count; ++i) {
    if (values[i] != values[0]) return false;
  }
  return true;
}

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Packs trits [rows, cols] (contiguous i8) into a fresh [rows, bytes_per_row] u8 tensor.
Tensor pack_rows(const int8_t* trits, int64_t rows, int64_t cols, TernaryFormat format) {
  const TernaryFormatTraits& traits = ternary_format_traits(format);
  const int64_t padded = round_up(std::max<int64_t>(cols, 1), traits.block_weights);
  const int64_t row_bytes = padded / traits.block_weights * traits.block_bytes;
  Tensor packed = Tensor::empty({rows, row_bytes}, DType::kU8);
  auto* out = static_cast<uint8_t*>(packed.data());
  parallel_for(0, rows, 64, [&](int64_t begin, int64_t end) {
    std::vector<int8_t> row(static_cast<size_t>(padded), 0);
    for (int64_t r = begin; r < end; ++r) {
      std::memcpy(row.data(), trits + r * cols, static_cast<size_t>(cols));
      traits.pack(row.data(), padded, 1.0f, out + r * row_bytes);
    }
  });
  return packed;
}

}  // namespace

int64_t TernaryTensor::bytes_per_row() const noexcept {
  const TernaryFormatTraits& traits = ternary_format_traits(format_);
  return padded_cols_ / traits.block_weights * traits.block_bytes;
}

float TernaryTensor::row_scale(int64_t row) const {
  if (row < 0 || row >= rows_) {
    raise(ErrorKind::kIndexOutOfRange, "row_scale: row {} is out of range for {} rows", row, rows_);
  }
  const float* scales = static_cast<const float*>(scales_.data());
  return granularity_ == ScaleGranularity::kPerTensor ? scales[0]
                                                      : scales[row * scales_.strides()[0]];
}

TernaryTensor TernaryTensor::from_trits(const Tensor& trits, const Tensor& scales,
                                        TernaryFormat format) {
  require_native(format, "TernaryTensor::from_trits");
  if (!trits.defined() || trits.rank() != 2) {
    raise(ErrorKind::kShapeMismatch,
          "TernaryTensor::from_trits: trits must be 2-D [rows, cols], got {}",
          trits.defined() ? to_string(trits.shape()) : "undefined");
  }
  const int64_t rows = trits.size(0);
  const int64_t cols = trits.size(1);
  if (!scales.defined() || scales.rank() != 1 || (scales.size(0) != 1 && scales.size(0) != rows)) {
    raise(ErrorKind::kShapeMismatch,
          "TernaryTensor::from_trits: scales must be [1] or [{}] for {} rows, got {}", rows, rows,
          scales.defined() ? to_string(scales.shape()) : "undefined");
  }
  const Tensor codes = cast(trits, DType::kI8).contiguous();
  const auto* values = static_cast<const int8_t*>(codes.data());
  for (int64_t i = 0; i < codes.numel(); ++i) {
    if (values[i] < -1 || values[i] > 1) {
      raise(ErrorKind::kInvalidArgument,
            "TernaryTensor::from_trits: element [{},{}] is {}, not -1, 0 or +1", i / cols, i % cols,
            static_cast<int>(values[i]));
    }
  }
  TernaryTensor result;
  result.packed_ = pack_rows(values, rows, cols, format);
  result.scales_ = cast(scales, DType::kF32).contiguous();
  result.rows_ = rows;
  result.cols_ = cols;
  result.padded_cols_ =
      round_up(std::max<int64_t>(cols, 1), ternary_format_traits(format).block_weights);
  result.format_ = format;
  result.granularity_ =
      scales.size(0) == 1 ? ScaleGranularity::kPerTensor : ScaleGranularity::kPerRow;
  return result;
}

TernaryTensor TernaryTensor::quantize(const Tensor& weights, ScaleGranularity granularity,
                                      TernaryFormat format) {
  require_native(format, "TernaryTensor::quantize");
  if (!weights.defined() || weights.rank() != 2 || !is_floating(weights.dtype())) {
    raise(ErrorKind::kInvalidArgument,
          "TernaryTensor::quantize: weights must be a 2-D floating tensor, got {}",
          weights.defined() ? weights.describe() : "undefined");
  }
  const int64_t rows = weights.size(0);
  const int64_t cols = weights.size(1);
  const Tensor values = cast(weights, DType::kF32).contiguous();
  const auto* w = static_cast<const float*>(values.data());
  for (int64_t i = 0; i < values.numel(); ++i) {
    if (!std::isfinite(w[i])) {
      raise(ErrorKind::kInvalidArgument, "TernaryTensor::quantize: weight [{},{}] is {}", i / cols,
            i % cols, w[i]);
    }
  }
  // gamma = max(mean|W|, 1e-5), over the tensor or each row; W_t = clamp(round(W * (1/gamma))).
  const int64_t groups = granularity == ScaleGranularity::kPerTensor ? 1 : rows;
  const int64_t group_size = granularity == ScaleGranularity::kPerTensor ? values.numel() : cols;
  Tensor scales = Tensor::empty({std::max<int64_t>(groups, 1)}, DType::kF32);
  auto* gamma = static_cast<float*>(scales.data());
  if (groups == 0) gamma[0] = 1.0f;
  for (int64_t g = 0; g < groups; ++g) {
    double total = 0;
    for (int64_t i = 0; i < group_size; ++i) total += std::fabs(w[g * group_size + i]);
    const float mean =
        group_size == 0 ? 0.0f : static_cast<float>(total / static_cast<double>(group_size));
    gamma[g] = mean > 1e-5f ? mean : 1e-5f;
  }
  Tensor trits = Tensor::empty({rows, cols}, DType::kI8);
  auto* t = static_cast<int8_t*>(trits.data());
  for (int64_t i = 0; i < values.numel(); ++i) {
    const float inverse = 1.0f / gamma[granularity == ScaleGranularity::kPerTensor ? 0 : i / cols];
    const float rounded = std::nearbyint(w[i] * inverse);
    t[i] = static_cast<int8_t>(rounded > 1.0f ? 1 : (rounded < -1.0f ? -1 : rounded));
  }
  TernaryTensor result = from_trits(trits, scales, format);
  result.granularity_ = granularity;
  return result;
}

std::optional<TernaryTensor> TernaryTensor::import_tq2_0_as_t2(const uint8_t* data, int64_t rows,
                                                               int64_t cols) {
  const TernaryFormatTraits& source = ternary_format_traits(TernaryFormat::kTQ2_0);
  const TernaryFormatTraits& target = ternary_format_traits(TernaryFormat::kT2);
  const int64_t blocks = cols / source.block_weights;  // t2 blocks hold as many weights
  const int64_t source_row_bytes = blocks * source.block_bytes;
  const int64_t row_bytes = blocks * target.block_bytes;
  Tensor packed = Tensor::empty({rows, row_bytes}, DType::kU8);
  Tensor scales = Tensor::empty({rows}, DType::kF32);
  auto* out = static_cast<uint8_t*>(packed.data());
  auto* row_scales = static_cast<float*>(scales.data());
  std::atomic<bool> valid{true};
  parallel_for(0, rows, std::max<int64_t>(1, (int64_t{1} << 16) / row_bytes),
               [&](int64_t begin, int64_t end) {
                 bool chunk_valid = true;
                 for (int64_t r = begin; r < end && chunk_valid; ++r) {
                   chunk_valid = quant::tq2_0_row_to_t2(data + r * source_row_bytes, blocks,
                                                        out + r * row_bytes, row_scales + r);
                 }
                 if (!chunk_valid) valid.store(false, std::memory_order_relaxed);
               });
  if (!valid.load(std::memory_order_relaxed)) return std::nullopt;
  const bool uniform = all_equal(row_scales, rows);
  TernaryTensor result;
  result.packed_ = std::move(packed);
  result.scales_ = uniform ? Tensor::full({1}, static_cast<double>(row_scales[0])) : scales;
  result.rows_ = rows;
  result.cols_ = cols;
  result.padded_cols_ = cols;
  result.format_ = TernaryFormat::kT2;
  result.granularity_ = uniform ? ScaleGranularity::kPerTensor : ScaleGranularity::kPerRow;
  return result;
}

TernaryTensor TernaryTensor::import(TernaryFormat source, const uint8_t* data, size_t bytes,
                                    int64_t rows, int64_t cols, TernaryFormat target) {
  const TernaryFormatTraits& traits = ternary_format_traits(source);
  if (rows < 0 || cols < 0) {
    raise(ErrorKind::kInvalidArgument, "import {}: negative shape [{},{}]", traits.name, rows,
          cols);
  }
  // Our native layouts pad rows to whole blocks; foreign formats require whole blocks.
  if (!is_native(source) && cols % traits.block_weights != 0) {
    raise(ErrorKind::kShapeMismatch,
          "import {}: row length {} is not a multiple of the block size {}", traits.name, cols,
          traits.block_weights);
  }
  // A matrix with no rows holds no bytes whatever its row length, so the file size bounds nothing:
  // refuse row lengths whose padding or per-row buffers could not exist.
  constexpr int64_t kMaxCols = int64_t{1} << 40;
  if (cols > kMaxCols) {
    raise(ErrorKind::kInvalidArgument, "import {}: row length {} exceeds the limit of {}",
          traits.name, cols, kMaxCols);
  }
  const int64_t stored_cols =
      is_native(source) ? round_up(std::max<int64_t>(cols, 1), traits.block_weights) : cols;
  const int64_t row_bytes = stored_cols / traits.block_weights * traits.block_bytes;
  int64_t needed = 0;
  if (__builtin_mul_overflow(row_bytes, rows, &needed)) {
    raise(ErrorKind::kOverflow, "import {}: [{},{}] overflows", traits.name, rows, cols);
  }
  const int64_t tensor_scale_bytes = source == TernaryFormat::kI2S ? 4 : 0;
  if (static_cast<int64_t>(bytes) < needed + tensor_scale_bytes) {
    raise(ErrorKind::kInvalidArgument, "import {}: [{},{}] needs {} bytes, {} given", traits.name,
          rows, cols, needed + tensor_scale_bytes, bytes);
  }
  if (source == TernaryFormat::kTQ2_0 && target == TernaryFormat::kT2 && rows > 0 && cols > 0) {
    std::optional<TernaryTensor> direct = import_tq2_0_as_t2(data, rows, cols);
    if (direct) return *std::move(direct);
  }
  Tensor trits = Tensor::empty({rows, cols}, DType::kI8);
  Tensor scales = Tensor::empty({std::max<int64_t>(rows, 1)}, DType::kF32);
  auto* t = static_cast<int8_t*>(trits.data());
  auto* row_scales = static_cast<float*>(scales.data());
  if (rows == 0) row_scales[0] = 1.0f;
  float tensor_scale = 1.0f;
  if (source == TernaryFormat::kI2S) std::memcpy(&tensor_scale, data + needed, 4);
  // Row buffers only when there are rows: with none, the row length is bounded only by kMaxCols.
  std::vector<float> block_scales;
  std::vector<int8_t> row;
  if (rows > 0) {
    block_scales.resize(static_cast<size_t>(stored_cols / traits.block_weights + 1));
    row.resize(static_cast<size_t>(stored_cols));
  }
  for (int64_t r = 0; r < rows; ++r) {
    traits.unpack(data + r * row_bytes, stored_cols, row.data(), block_scales.data());
    std::memcpy(t + r * cols, row.data(), static_cast<size_t>(cols));
    float scale = tensor_scale;
    if (traits.has_block_scale && cols > 0) {
      // A block of zeros multiplies nothing, so its scale is free (ggml's quantizer writes the
      // block's absmax, 0): only blocks holding a weight must agree.
      scale = block_scales[0];
      bool found = false;
      for (int64_t b = 0; b < cols / traits.block_weights; ++b) {
        const int8_t* block = row.data() + b * traits.block_weights;
        if (std::all_of(block, block + traits.block_weights, [](int8_t v) { return v == 0; })) {
          continue;
        }
        const float block_scale = block_scales[static_cast<size_t>(b)];
        if (!found) {
          scale = block_scale;
          found = true;
        } else if (block_scale != scale) {
          raise(ErrorKind::kUnsupported,
                "import {}: row {} has blocks with different scales ({} and {}); a ternary tensor "
                "needs one scale per row",
                traits.name, r, scale, block_scale);
        }
      }
    }
    row_scales[r] = scale;
    for (int64_t k = 0; k < cols; ++k) {
      // Code 3 (2-bit formats) or digit overflow would decode to +2.
      if (t[r * cols + k] > 1) {
        raise(ErrorKind::kInvalidArgument, "import {}: row {} column {} holds an invalid code",
              traits.name, r, k);
      }
    }
  }
  return from_trits(trits, all_equal(row_scales, rows) ? scales.slice(0, 0, 1) : scales, target);
}

std::vector<uint8_t> TernaryTensor::export_as(TernaryFormat format) const {
  const TernaryFormatTraits& traits = ternary_format_traits(format);
  if (!is_native(format) && cols_ % traits.block_weights != 0) {
    raise(ErrorKind::kShapeMismatch,
          "export {}: row length {} is not a multiple of the block size {}", traits.name, cols_,
          traits.block_weights);
  }
  if (format == TernaryFormat::kI2S && granularity_ != ScaleGranularity::kPerTensor) {
    raise(ErrorKind::kUnsupported,
          "export i2_s: the format has one scale per tensor, this tensor has one per row");
  }
  const int64_t padded =
      is_native(format) ? round_up(std::max<int64_t>(cols_, 1), traits.block_weights) : cols_;
  const int64_t row_bytes = padded / traits.block_weights * traits.block_bytes;
  const int64_t tail =
      format == TernaryFormat::kI2S ? 32 : 0;  // the scale, padded as bitnet.cpp does
  std::vector<uint8_t> out(static_cast<size_t>(row_bytes * rows_ + tail), 0);
  const Tensor all = trits();
  const auto* t = static_cast<const int8_t*>(all.data());
  std::vector<int8_t> row(static_cast<size_t>(padded), 0);
  for (int64_t r = 0; r < rows_; ++r) {
    std::memcpy(row.data(), t + r * cols_, static_cast<size_t>(cols_));
    traits.pack(row.data(), padded, row_scale(r), out.data() + r * row_bytes);
  }
  if (format == TernaryFormat::kI2S) {
    const float scale = rows_ > 0 ? row_scale(0) : 1.0f;
    std::memcpy(out.data() + row_bytes * rows_, &scale, 4);
  }
  return out;
}

Tensor TernaryTensor::trits() const {
  if (!defined())
    raise(ErrorKind::kInvalidArgument, "TernaryTensor::trits: the tensor is undefined");
  const TernaryFormatTraits& traits = ternary_format_traits(format_);
  Tensor out = Tensor::empty({rows_, cols_}, DType::kI8);
  auto* t = static_cast<int8_t*>(out.data());
  const auto* packed = static_cast<const uint8_t*>(packed_.data());
  const int64_t stride = packed_.strides()[0];
  parallel_for(0, rows_, 64, [&](int64_t begin, int64_t end) {
    std::vector<int8_t> row(static_cast<size_t>(padded_cols_));
    for (int64_t r = begin; r < end; ++r) {
      traits.unpack(packed + r * stride, padded_cols_, row.data(), nullptr);
      std::memcpy(t + r * cols_, row.data(), static_cast<size_t>(cols_));
    }
  });
  return out;
}

Tensor TernaryTensor::dequantize() const {
  Tensor values = cast(trits(), DType::kF32);
  const Tensor scale =
      granularity_ == ScaleGranularity::kPerTensor ? scales_.slice(0, 0, 1) : scales_.unsqueeze(1);
  return mul(values, scale);
}

TernaryTensor TernaryTensor::repack(TernaryFormat format) const {
  require_native(format, "TernaryTensor::repack");
  TernaryTensor result = from_trits(trits(), scales_, format);
  result.granularity_ = granularity_;
  return result;
}

TernaryTensor TernaryTensor::slice_rows(int64_t start, int64_t stop) const {
  if (!defined())
    raise(ErrorKind::kInvalidArgument, "TernaryTensor::slice_rows: the tensor is undefined");
  TernaryTensor view = *this;
  view.packed_ = packed_.slice(0, start, stop);
  view.rows_ = view.packed_.size(0);
  if (granularity_ == ScaleGranularity::kPerRow) view.scales_ = scales_.slice(0, start, stop);
  return view;
}

TernaryTensor TernaryTensor::slice_cols(int64_t, int64_t) const {
  raise(ErrorKind::kUnsupported,
        "TernaryTensor::slice_cols: a column slice would cut through packed {} blocks of {} "
        "weights; dequantize() or trits() first",
        ternary_format_traits(format_).name, ternary_format_traits(format_).block_weights);
}

TernaryTensor TernaryTensor::transpose() const {
  raise(ErrorKind::kUnsupported,
        "TernaryTensor::transpose: packed {} rows cannot be viewed transposed; use trits() or "
        "dequantize() and transpose the result",
        ternary_format_traits(format_).name);
}

}  // namespace bitnet

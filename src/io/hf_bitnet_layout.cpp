// The Hugging Face BitNet b1.58 checkpoint layout (transformers' integrations/bitnet.py, as in
// microsoft/bitnet-b1.58-2B-4T): a ternary weight W_t [out, in] is stored as u8 [out/4, in] where
// packed row j carries unpacked rows j, j + out/4, j + 2 out/4, j + 3 out/4 in bits 0-1, 2-3, 4-5,
// 6-7 as codes 0, 1, 2 for -1, 0, +1; weight_scale divides the output:
// y = (x_q @ W_t^T) / (x_scale * weight_scale), so W ~ (1 / weight_scale) * W_t.
#include <atomic>
#include <chrono>
#include <cmath>

#include "bitnet/io.h"
#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "core/raise.h"

namespace bitnet {
namespace {

constexpr int64_t kValuesPerByte = 4;

// "<prefix>.weight" -> "<prefix>.weight_scale"; any other name gets "_scale" appended.
std::string scale_name(std::string_view weight_name) {
  return std::string(weight_name) + "_scale";
}

}  // namespace

bool is_hf_bitnet_weight(const SafetensorsCheckpoint& checkpoint, std::string_view weight_name) {
  const SafetensorsTensorInfo* weight = checkpoint.find_tensor(weight_name);
  return weight != nullptr && weight->dtype == "U8" && weight->shape.rank() == 2 &&
         checkpoint.find_tensor(scale_name(weight_name)) != nullptr;
}

std::vector<std::string> hf_bitnet_weights(const SafetensorsCheckpoint& checkpoint) {
  std::vector<std::string> names;
  for (const std::string& name : checkpoint.tensor_names()) {
    if (is_hf_bitnet_weight(checkpoint, name)) names.push_back(name);
  }
  return names;
}

TernaryTensor load_hf_bitnet_weight(const SafetensorsCheckpoint& checkpoint,
                                    std::string_view weight_name, TernaryFormat target,
                                    RepackReport* report) {
  const auto start = std::chrono::steady_clock::now();
  const SafetensorsFile& shard = checkpoint.shard_of(weight_name);
  const SafetensorsTensorInfo& info = shard.tensor_info(weight_name);
  if (info.dtype != "U8" || info.shape.rank() != 2) {
    raise(ErrorKind::kInvalidArgument, "{}: '{}' is {} {}, not a packed BitNet weight (U8, rank 2)",
          shard.path(), weight_name, info.dtype, to_string(info.shape));
  }
  const std::string scale_tensor = scale_name(weight_name);
  if (checkpoint.find_tensor(scale_tensor) == nullptr) {
    raise(ErrorKind::kInvalidArgument, "{}: '{}' has no '{}' beside it", checkpoint.path(),
          weight_name, scale_tensor);
  }
  const int64_t packed_rows = info.shape[0];
  const int64_t cols = info.shape[1];
  int64_t rows = 0;
  if (__builtin_mul_overflow(packed_rows, kValuesPerByte, &rows)) {
    raise(ErrorKind::kOverflow, "{}: '{}' with {} packed rows overflows", shard.path(), weight_name,
          packed_rows);
  }

  // weight_scale: one value (shape [1] or []) or one per output row, finite and non-zero.
  const Tensor scale_values = cast(checkpoint.tensor(scale_tensor), DType::kF32).contiguous();
  const int64_t scale_count = scale_values.numel();
  if (scale_count != 1 && !(scale_values.rank() == 1 && scale_count == rows)) {
    raise(ErrorKind::kShapeMismatch,
          "{}: '{}' has shape {}; it must hold one value or one per output row ({})",
          checkpoint.shard_of(scale_tensor).path(), scale_tensor, to_string(scale_values.shape()),
          rows);
  }
  Tensor scales = Tensor::empty({scale_count}, DType::kF32);
  const auto* stored = scale_values.data_as<float>();
  auto* inverse = scales.data_as<float>();
  for (int64_t index = 0; index < scale_count; ++index) {
    if (!std::isfinite(stored[index]) || stored[index] == 0.0f) {
      raise(ErrorKind::kInvalidArgument,
            "{}: '{}' element {} is {}; it must be finite and non-zero",
            checkpoint.shard_of(scale_tensor).path(), scale_tensor, index, stored[index]);
    }
    inverse[index] = 1.0f / stored[index];
  }

  const std::span<const uint8_t> packed = shard.tensor_bytes(weight_name);
  Tensor trits = Tensor::empty({rows, cols}, DType::kI8);
  auto* out = trits.data_as<int8_t>();
  // Code 3 does not exist; the first one found (lowest packed row) is reported.
  std::atomic<int64_t> bad_position{INT64_MAX};
  parallel_for(0, packed_rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const uint8_t* in = packed.data() + row * cols;
      for (int64_t group = 0; group < kValuesPerByte; ++group) {
        int8_t* destination = out + (group * packed_rows + row) * cols;
        for (int64_t col = 0; col < cols; ++col) {
          const int code = (in[col] >> (2 * group)) & 3;
          if (code == 3) {
            int64_t expected = bad_position.load();
            const int64_t position = row * cols + col;
            while (position < expected && !bad_position.compare_exchange_weak(expected, position)) {
            }
          }
          destination[col] = static_cast<int8_t>(code - 1);
        }
      }
    }
  });
  if (const int64_t position = bad_position.load(); position != INT64_MAX) {
    const uint8_t byte = packed[static_cast<size_t>(position)];
    raise(ErrorKind::kInvalidArgument,
          "{}: '{}' packed row {} column {} is byte 0x{:02x}, which holds code 3 (codes are 0, 1, "
          "2 for -1, 0, +1)",
          shard.path(), weight_name, position / cols, position % cols, byte);
  }
  TernaryTensor weights = TernaryTensor::from_trits(trits, scales, target);
  if (report != nullptr) {
    report->source_format = "hf_bitnet";
    report->target_format = std::string(ternary_format_traits(target).name);
    report->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report->source_bytes = info.bytes();
    report->packed_bytes = static_cast<uint64_t>(weights.rows() * weights.bytes_per_row());
    report->temporary_bytes = static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) +
                              static_cast<uint64_t>(scale_count) * 4;
  }
  return weights;
}

HfBitnetPacked pack_hf_bitnet_weight(const TernaryTensor& weights, DType scale_dtype) {
  if (!weights.defined() || weights.rows() % kValuesPerByte != 0) {
    raise(ErrorKind::kShapeMismatch,
          "pack_hf_bitnet_weight: the weight needs a multiple of 4 rows, it has {}",
          weights.defined() ? weights.rows() : 0);
  }
  if (!is_floating(scale_dtype)) {
    raise(ErrorKind::kDTypeMismatch, "pack_hf_bitnet_weight: scale dtype {} is not floating",
          dtype_name(scale_dtype));
  }
  const int64_t rows = weights.rows();
  const int64_t cols = weights.cols();
  const int64_t packed_rows = rows / kValuesPerByte;
  const Tensor trits = weights.trits();
  const auto* in = trits.data_as<int8_t>();
  Tensor packed = Tensor::zeros({packed_rows, cols}, DType::kU8);
  auto* out = packed.data_as<uint8_t>();
  for (int64_t group = 0; group < kValuesPerByte; ++group) {
    for (int64_t row = 0; row < packed_rows; ++row) {
      const int8_t* source = in + (group * packed_rows + row) * cols;
      for (int64_t col = 0; col < cols; ++col) {
        out[row * cols + col] |= static_cast<uint8_t>((source[col] + 1) << (2 * group));
      }
    }
  }
  const int64_t scale_count = weights.granularity() == ScaleGranularity::kPerTensor ? 1 : rows;
  Tensor scale = Tensor::empty({scale_count}, DType::kF32);
  for (int64_t index = 0; index < scale_count; ++index) {
    scale.data_as<float>()[index] = 1.0f / weights.row_scale(index);
  }
  return {packed, cast(scale, scale_dtype)};
}

}  // namespace bitnet

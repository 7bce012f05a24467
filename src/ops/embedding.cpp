// embedding(): rows of a table gathered by id, widened to f32.
#include <cstring>

#include "bitnet/half.h"
#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "core/raise.h"

namespace bitnet {
namespace {

int64_t id_at(const Tensor& ids, int64_t index) {
  return ids.dtype() == DType::kI32 ? ids.data_as<int32_t>()[index] : ids.data_as<int64_t>()[index];
}

// One row of `dim` elements of the table's dtype into f32.
void widen_row(const void* row, DType dtype, int64_t dim, float* out) {
  switch (dtype) {
    case DType::kF32:
      std::memcpy(out, row, static_cast<size_t>(dim) * sizeof(float));
      return;
    case DType::kF16: {
      const auto* values = static_cast<const uint16_t*>(row);
      for (int64_t index = 0; index < dim; ++index) out[index] = f16_bits_to_float(values[index]);
      return;
    }
    case DType::kBF16: {
      const auto* values = static_cast<const uint16_t*>(row);
      for (int64_t index = 0; index < dim; ++index) out[index] = bf16_bits_to_float(values[index]);
      return;
    }
    default:
      raise(ErrorKind::kInternal, "embedding: unexpected table dtype {}", dtype_name(dtype));
  }
}

}  // namespace

Tensor embedding(const Tensor& table, const Tensor& ids) {
  if (table.rank() != 2) {
    raise(ErrorKind::kShapeMismatch, "embedding: the table must be [rows, dim], got {}",
          to_string(table.shape()));
  }
  if (table.dtype() != DType::kF32 && table.dtype() != DType::kF16 &&
      table.dtype() != DType::kBF16) {
    raise(ErrorKind::kDTypeMismatch, "embedding: the table must be f32, f16 or bf16, got {}",
          dtype_name(table.dtype()));
  }
  if (ids.dtype() != DType::kI32 && ids.dtype() != DType::kI64) {
    raise(ErrorKind::kDTypeMismatch, "embedding: ids must be i32 or i64, got {}",
          dtype_name(ids.dtype()));
  }
  const Tensor rows = table.contiguous();
  const Tensor flat_ids = ids.contiguous();
  const int64_t count = flat_ids.numel();
  const int64_t vocabulary = rows.shape()[0];
  const int64_t dim = rows.shape()[1];
  for (int64_t index = 0; index < count; ++index) {
    const int64_t id = id_at(flat_ids, index);
    if (id < 0 || id >= vocabulary) {
      raise(ErrorKind::kIndexOutOfRange,
            "embedding: id {} at position {} is outside the table's {} rows", id, index,
            vocabulary);
    }
  }
  Shape out_shape = ids.shape();
  out_shape.push_back(dim);
  Tensor out = Tensor::empty(out_shape, DType::kF32);
  auto* destination = out.data_as<float>();
  const auto* source = static_cast<const uint8_t*>(rows.data());
  const int64_t row_bytes = dim * dtype_size(rows.dtype());
  parallel_for(0, count, 64, [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index < end; ++index) {
      widen_row(source + id_at(flat_ids, index) * row_bytes, rows.dtype(), dim,
                destination + index * dim);
    }
  });
  return out;
}

}  // namespace bitnet

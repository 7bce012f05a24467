// Tensor factories: empty, zeros, ones, full, arange, from_data, from_blob.
#include <cmath>
#include <cstring>

#include "bitnet/tensor.h"
#include "core/raise.h"
#include "tensor/convert.h"
#include "tensor/copy.h"
#include "tensor/dtype_dispatch.h"

namespace bitnet {
namespace {

void fill_with(const Tensor& tensor, double value) {
  visit_dtype(tensor.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T converted = convert_element<T, double>(value);
    T* data = static_cast<T*>(tensor.data());
    // Precondition: the tensor is freshly allocated and contiguous.
    std::fill(data, data + tensor.numel(), converted);
  });
}

}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  return allocate_tensor(shape, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor tensor = allocate_tensor(shape, dtype);
  // All-zero bytes are 0 (or false, or +0.0) in every dtype.
  std::memset(tensor.data(), 0, static_cast<size_t>(tensor.nbytes()));
  return tensor;
}

Tensor Tensor::ones(const Shape& shape, DType dtype) {
  return full(shape, 1.0, dtype);
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor tensor = allocate_tensor(shape, dtype);
  fill_with(tensor, value);
  return tensor;
}

Tensor Tensor::arange(double start, double stop, double step, DType dtype) {
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step)) {
    raise(ErrorKind::kInvalidArgument, "arange: start {}, stop {} and step {} must be finite",
          start, stop, step);
  }
  if (step == 0) raise(ErrorKind::kInvalidArgument, "arange: step must not be zero");
  const double span = std::ceil((stop - start) / step);
  if (span > 9.0e15) {
    raise(ErrorKind::kOverflow, "arange: {} elements from {} to {} by {} is too many", span, start,
          stop, step);
  }
  const int64_t count = span > 0 ? static_cast<int64_t>(span) : 0;
  Tensor tensor = allocate_tensor({count}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* data = static_cast<T*>(tensor.data());
    for (int64_t i = 0; i < count; ++i) {
      data[i] = convert_element<T, double>(start + static_cast<double>(i) * step);
    }
  });
  return tensor;
}

Tensor Tensor::from_data(const void* data, size_t bytes, const Shape& shape, DType dtype) {
  const int64_t numel = checked_numel(shape);
  const int64_t expected = checked_bytes(numel, dtype_size(dtype), "from_data");
  if (static_cast<int64_t>(bytes) != expected) {
    raise(ErrorKind::kShapeMismatch, "from_data: {} bytes given, shape {} of {} needs {}", bytes,
          to_string(shape), dtype_name(dtype), expected);
  }
  if (data == nullptr && bytes != 0) {
    raise(ErrorKind::kInvalidArgument, "from_data: null data for {} bytes", bytes);
  }
  Tensor tensor = allocate_tensor(shape, dtype);
  if (bytes != 0) std::memcpy(tensor.data(), data, bytes);
  if (dtype == DType::kBool) {
    // Any non-zero byte is true; store canonical 0/1 so later reads are valid bools.
    auto* flags = static_cast<uint8_t*>(tensor.data());
    for (int64_t i = 0; i < numel; ++i) flags[i] = flags[i] != 0;
  }
  return tensor;
}

Tensor Tensor::from_blob(void* data, const Shape& shape, DType dtype, Storage::Deleter deleter,
                         std::optional<Shape> strides) {
  const int64_t numel = checked_numel(shape);
  const Shape layout = strides.value_or(contiguous_strides(shape));
  if (layout.rank() != shape.rank()) {
    raise(ErrorKind::kInvalidArgument, "from_blob: shape {} and strides {} differ in rank",
          to_string(shape), to_string(layout));
  }
  // The extent the view addresses: 1 + sum (dim - 1) * stride over non-empty dimensions.
  int64_t extent = numel == 0 ? 0 : 1;
  for (int d = 0; d < shape.rank() && numel != 0; ++d) {
    if (layout[d] < 0) {
      raise(ErrorKind::kInvalidArgument, "from_blob: negative stride in {}", to_string(layout));
    }
    int64_t reach = 0;
    if (__builtin_mul_overflow(shape[d] - 1, layout[d], &reach) ||
        __builtin_add_overflow(extent, reach, &extent)) {
      raise(ErrorKind::kOverflow, "from_blob: shape {} with strides {} overflows int64",
            to_string(shape), to_string(layout));
    }
  }
  const int64_t bytes = checked_bytes(extent, dtype_size(dtype), "from_blob");
  auto storage = Storage::wrap(data, static_cast<size_t>(bytes), Device::cpu(), std::move(deleter));
  return Tensor(std::move(storage), 0, shape, layout, dtype);
}

}  // namespace bitnet

#include "tensor/copy.h"

#include <cstring>

#include "bitnet/ops.h"
#include "core/raise.h"
#include "cpu/kernels.h"
#include "tensor/convert.h"
#include "tensor/dtype_dispatch.h"
#include "tensor/element_loop.h"

namespace bitnet {

Tensor allocate_tensor(const Shape& shape, DType dtype) {
  const int64_t numel = checked_numel(shape);
  const int64_t bytes = checked_bytes(numel, dtype_size(dtype), "allocate");
  return Tensor(Storage::allocate(static_cast<size_t>(bytes)), 0, shape, contiguous_strides(shape),
                dtype);
}

namespace {

using ContiguousConversion = void (*)(const char* in, char* out, int64_t count);

// The SIMD kernel converting a contiguous run from In to Out, or null when there is none.
template <typename Out, typename In>
ContiguousConversion contiguous_conversion() {
  const cpu::CpuKernels& table = cpu::kernels();
  // The casts only reinterpret element pointers for the kernel's signature.
  if constexpr (std::is_same_v<In, float> && std::is_same_v<Out, Half>) {
    static const auto kernel = table.f32_to_f16;
    return [](const char* in, char* out, int64_t count) {
      kernel(reinterpret_cast<const float*>(in), reinterpret_cast<uint16_t*>(out), count);
    };
  } else if constexpr (std::is_same_v<In, Half> && std::is_same_v<Out, float>) {
    static const auto kernel = table.f16_to_f32;
    return [](const char* in, char* out, int64_t count) {
      kernel(reinterpret_cast<const uint16_t*>(in), reinterpret_cast<float*>(out), count);
    };
  } else if constexpr (std::is_same_v<In, float> && std::is_same_v<Out, BFloat16>) {
    static const auto kernel = table.f32_to_bf16;
    return [](const char* in, char* out, int64_t count) {
      kernel(reinterpret_cast<const float*>(in), reinterpret_cast<uint16_t*>(out), count);
    };
  } else if constexpr (std::is_same_v<In, BFloat16> && std::is_same_v<Out, float>) {
    static const auto kernel = table.bf16_to_f32;
    return [](const char* in, char* out, int64_t count) {
      kernel(reinterpret_cast<const uint16_t*>(in), reinterpret_cast<float*>(out), count);
    };
  } else {
    (void)table;
    return nullptr;
  }
}

}  // namespace

void copy_elements(const Tensor& source, const Tensor& destination) {
  const ElementLoop<2> loop = make_element_loop<2>(destination.shape(), {&destination, &source});
  const bool same_type = source.dtype() == destination.dtype();
  const int64_t element = static_cast<int64_t>(destination.element_size());
  visit_dtype(destination.dtype(), [&](auto out_tag) {
    using Out = typename decltype(out_tag)::type;
    visit_dtype(source.dtype(), [&](auto in_tag) {
      using In = typename decltype(in_tag)::type;
      // f32 <-> f16/bf16 runs go to the dispatched SIMD conversions (bit-identical to convert.h).
      const auto simd_conversion = contiguous_conversion<Out, In>();
      run_element_loop(loop, [&](char* const* pointers, const int64_t* strides, int64_t count) {
        if (same_type && strides[0] == element && strides[1] == element) {
          // Precondition: both runs are contiguous and do not overlap (checked by the caller).
          std::memcpy(pointers[0], pointers[1], static_cast<size_t>(count * element));
          return;
        }
        if (simd_conversion != nullptr && strides[0] == sizeof(Out) && strides[1] == sizeof(In)) {
          simd_conversion(pointers[1], pointers[0], count);
          return;
        }
        for (int64_t i = 0; i < count; ++i) {
          const In value = *reinterpret_cast<const In*>(pointers[1] + i * strides[1]);
          *reinterpret_cast<Out*>(pointers[0] + i * strides[0]) = convert_element<Out, In>(value);
        }
      });
    });
  });
}

Tensor Tensor::contiguous() const {
  if (!defined()) raise(ErrorKind::kInvalidArgument, "contiguous: the tensor is undefined");
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  if (!defined()) raise(ErrorKind::kInvalidArgument, "clone: the tensor is undefined");
  Tensor copy = allocate_tensor(shape_, dtype_);
  copy_elements(*this, copy);
  return copy;
}

Tensor Tensor::to(DType dtype) const {
  if (!defined()) raise(ErrorKind::kInvalidArgument, "to: the tensor is undefined");
  return dtype == dtype_ ? *this : cast(*this, dtype);
}

void Tensor::copy_from(const Tensor& source) const {
  if (!defined() || !source.defined()) {
    raise(ErrorKind::kInvalidArgument, "copy_from: the {} tensor is undefined",
          defined() ? "source" : "destination");
  }
  Tensor expanded = source;
  if (source.shape() != shape_) {
    const Shape common = broadcast_shapes(shape_, source.shape(), "copy_from");
    if (common != shape_) {
      raise(ErrorKind::kShapeMismatch, "copy_from: source shape {} does not broadcast to {}",
            bitnet::to_string(source.shape()), bitnet::to_string(shape_));
    }
    expanded = source.expand(shape_);
  }
  // Reading and writing one storage element by element could read values already overwritten.
  if (shares_storage(source)) expanded = expanded.clone();
  copy_elements(expanded, *this);
}

Tensor cast(const Tensor& x, DType dtype) {
  if (!x.defined()) raise(ErrorKind::kInvalidArgument, "cast: the tensor is undefined");
  Tensor result = allocate_tensor(x.shape(), dtype);
  copy_elements(x, result);
  return result;
}

namespace detail {

void copy_to_contiguous(const Tensor& tensor, void* out, DType out_dtype) {
  if (!tensor.defined()) raise(ErrorKind::kInvalidArgument, "to_vector: the tensor is undefined");
  // Precondition: `out` holds numel elements of out_dtype.
  Tensor destination = Tensor::from_blob(out, tensor.shape(), out_dtype);
  copy_elements(tensor, destination);
}

}  // namespace detail
}  // namespace bitnet

// Tensor: a typed, strided view of reference-counted Storage. Copying a Tensor copies the view, not
// the data; views (view, permute, slice, expand, ...) share storage and never copy.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "bitnet/device.h"
#include "bitnet/dtype.h"
#include "bitnet/half.h"
#include "bitnet/shape.h"
#include "bitnet/storage.h"

namespace bitnet {

class Tensor {
 public:
  // An undefined tensor (no storage); defined() is false. Ops reject it with a clear error.
  Tensor() = default;
  Tensor(std::shared_ptr<Storage> storage, int64_t offset, Shape shape, Shape strides, DType dtype);

  // ---- factories -------------------------------------------------------------------------------
  [[nodiscard]] static Tensor empty(const Shape& shape, DType dtype = DType::kF32);
  [[nodiscard]] static Tensor zeros(const Shape& shape, DType dtype = DType::kF32);
  [[nodiscard]] static Tensor ones(const Shape& shape, DType dtype = DType::kF32);
  // `value` is converted with the cast rules of cast() (saturating for integers).
  [[nodiscard]] static Tensor full(const Shape& shape, double value, DType dtype = DType::kF32);
  // start, start+step, ... below stop (above it for a negative step), as NumPy's arange.
  [[nodiscard]] static Tensor arange(double start, double stop, double step = 1.0,
                                     DType dtype = DType::kF32);
  // Copies `bytes` of host data laid out contiguously (C order) in `dtype`.
  [[nodiscard]] static Tensor from_data(const void* data, size_t bytes, const Shape& shape,
                                        DType dtype);
  template <typename T>
  [[nodiscard]] static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  // Wraps a caller's buffer without copying. `strides` default to C order. `deleter` runs when the
  // last view is destroyed (pass {} to keep ownership). The caller guarantees the buffer spans
  // every addressed element.
  [[nodiscard]] static Tensor from_blob(void* data, const Shape& shape, DType dtype,
                                        Storage::Deleter deleter = {},
                                        std::optional<Shape> strides = std::nullopt);
  // Reproducible random tensors: the same seed, shape and dtype give the same values on every
  // machine and thread count (a counter-based generator: value i depends only on seed and i).
  [[nodiscard]] static Tensor uniform(const Shape& shape, uint64_t seed, double low = 0.0,
                                      double high = 1.0, DType dtype = DType::kF32);
  [[nodiscard]] static Tensor normal(const Shape& shape, uint64_t seed, double mean = 0.0,
                                     double stddev = 1.0, DType dtype = DType::kF32);

  // ---- metadata --------------------------------------------------------------------------------
  [[nodiscard]] bool defined() const noexcept { return storage_ != nullptr; }
  [[nodiscard]] const Shape& shape() const noexcept { return shape_; }
  [[nodiscard]] const Shape& strides() const noexcept { return strides_; }  // in elements
  [[nodiscard]] int64_t size(int64_t axis) const;  // negative axes count from the end
  [[nodiscard]] int rank() const noexcept { return shape_.rank(); }
  [[nodiscard]] int64_t numel() const noexcept { return numel_; }
  [[nodiscard]] DType dtype() const noexcept { return dtype_; }
  [[nodiscard]] Device device() const noexcept;
  [[nodiscard]] int64_t offset() const noexcept { return offset_; }  // in elements
  [[nodiscard]] size_t element_size() const noexcept { return dtype_size(dtype_); }
  [[nodiscard]] int64_t nbytes() const noexcept {
    return numel_ * static_cast<int64_t>(element_size());
  }
  [[nodiscard]] bool is_contiguous() const noexcept;
  [[nodiscard]] const std::shared_ptr<Storage>& storage() const noexcept { return storage_; }
  [[nodiscard]] bool shares_storage(const Tensor& other) const noexcept {
    return storage_ != nullptr && storage_ == other.storage_;
  }
  // Address of the first element (element at all-zero indices).
  [[nodiscard]] void* data() const noexcept;
  // Typed pointer; throws Error(kDTypeMismatch) when T does not match dtype().
  template <typename T>
  [[nodiscard]] T* data_as() const;
  // The value of a one-element tensor, converted to double; throws for other sizes.
  [[nodiscard]] double item() const;
  // Copies all elements in logical (C) order, converting to T with the cast rules.
  template <typename T>
  [[nodiscard]] std::vector<T> to_vector() const;
  // "Tensor(shape=[2,3], dtype=f32, ...)" with values for small tensors.
  [[nodiscard]] std::string describe() const;

  // ---- views (never copy) ----------------------------------------------------------------------
  // One dimension may be -1 (inferred). Throws when the strides cannot express the new shape.
  [[nodiscard]] Tensor view(const Shape& shape) const;
  // A view when possible, otherwise a contiguous copy.
  [[nodiscard]] Tensor reshape(const Shape& shape) const;
  [[nodiscard]] Tensor permute(const std::vector<int64_t>& axes) const;
  [[nodiscard]] Tensor transpose(int64_t axis0, int64_t axis1) const;
  // Python slicing: start/stop clamp to the dimension, negative values count from the end;
  // step > 0. stop defaults to the end.
  [[nodiscard]] Tensor slice(int64_t axis, int64_t start, std::optional<int64_t> stop = {},
                             int64_t step = 1) const;
  // Removes `axis` by taking element `index` along it (negative indices count from the end).
  [[nodiscard]] Tensor select(int64_t axis, int64_t index) const;
  // Broadcasts size-1 dimensions (stride 0) and prepends new ones; -1 keeps a dimension.
  [[nodiscard]] Tensor expand(const Shape& shape) const;
  [[nodiscard]] Tensor squeeze() const;                // drops every size-1 dimension
  [[nodiscard]] Tensor squeeze(int64_t axis) const;    // drops `axis`, which must have size 1
  [[nodiscard]] Tensor unsqueeze(int64_t axis) const;  // inserts a size-1 dimension
  [[nodiscard]] Tensor flatten(int64_t start_axis = 0, int64_t end_axis = -1) const;

  // ---- copies ----------------------------------------------------------------------------------
  // This tensor when already contiguous, otherwise a contiguous copy.
  [[nodiscard]] Tensor contiguous() const;
  [[nodiscard]] Tensor clone() const;          // always a fresh contiguous copy
  [[nodiscard]] Tensor to(DType dtype) const;  // cast(); this tensor when the dtype already matches
  // Copies `source` (broadcast to this shape, cast to this dtype) into this tensor's elements.
  void copy_from(const Tensor& source) const;

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;
  int64_t numel_ = 0;
  Shape shape_;
  Shape strides_;
  DType dtype_ = DType::kF32;
};

// Maps C++ element types to DType.
template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<bool> {
  static constexpr DType value = DType::kBool;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::kU8;
};
template <>
struct DTypeOf<int8_t> {
  static constexpr DType value = DType::kI8;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = DType::kI32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::kI64;
};
template <>
struct DTypeOf<Half> {
  static constexpr DType value = DType::kF16;
};
template <>
struct DTypeOf<BFloat16> {
  static constexpr DType value = DType::kBF16;
};
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::kF32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::kF64;
};
template <typename T>
inline constexpr DType dtype_of = DTypeOf<T>::value;

namespace detail {
[[noreturn]] void throw_data_as_mismatch(DType actual, DType requested);
// Copies the elements in C order into `out`, converted to `out_dtype`.
void copy_to_contiguous(const Tensor& tensor, void* out, DType out_dtype);
}  // namespace detail

template <typename T>
T* Tensor::data_as() const {
  if (dtype_of<T> != dtype_) detail::throw_data_as_mismatch(dtype_, dtype_of<T>);
  return static_cast<T*>(data());
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    return from_data(bytes.data(), bytes.size(), shape, DType::kBool);
  } else {
    return from_data(values.data(), values.size() * sizeof(T), shape, dtype_of<T>);
  }
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(static_cast<size_t>(numel_));
    detail::copy_to_contiguous(*this, bytes.data(), DType::kBool);
    return std::vector<bool>(bytes.begin(), bytes.end());
  } else {
    std::vector<T> out(static_cast<size_t>(numel_));
    detail::copy_to_contiguous(*this, out.data(), dtype_of<T>);
    return out;
  }
}

}  // namespace bitnet

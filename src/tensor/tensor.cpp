// Tensor metadata and accessors.
#include "bitnet/tensor.h"

#include <fmt/format.h>

#include "core/raise.h"
#include "tensor/convert.h"
#include "tensor/dtype_dispatch.h"

namespace bitnet {

Tensor::Tensor(std::shared_ptr<Storage> storage, int64_t offset, Shape shape, Shape strides,
               DType dtype)
    : storage_(std::move(storage)),
      offset_(offset),
      numel_(checked_numel(shape)),
      shape_(shape),
      strides_(strides),
      dtype_(dtype) {
  if (shape_.rank() != strides_.rank()) {
    raise(ErrorKind::kInvalidArgument, "Tensor: shape {} and strides {} differ in rank",
          bitnet::to_string(shape_), bitnet::to_string(strides_));
  }
}

int64_t Tensor::size(int64_t axis) const {
  return shape_[normalize_axis(axis, rank(), "size")];
}

Device Tensor::device() const noexcept {
  return storage_ ? storage_->device() : Device::cpu();
}

bool Tensor::is_contiguous() const noexcept {
  if (numel_ == 0) return true;
  int64_t expected = 1;
  for (int d = rank() - 1; d >= 0; --d) {
    if (shape_[d] == 1) continue;
    if (strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

void* Tensor::data() const noexcept {
  if (!storage_) return nullptr;
  // Precondition: the view lies inside its storage (checked where views are made).
  return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(element_size());
}

double Tensor::item() const {
  if (!defined()) raise(ErrorKind::kInvalidArgument, "item: the tensor is undefined");
  if (numel_ != 1) {
    raise(ErrorKind::kInvalidArgument, "item: needs exactly one element, the tensor has shape {}",
          bitnet::to_string(shape_));
  }
  return visit_dtype(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return convert_element<double>(*static_cast<const T*>(data()));
  });
}

std::string Tensor::describe() const {
  if (!defined()) return "Tensor(undefined)";
  std::string text =
      fmt::format("Tensor(shape={}, dtype={}", bitnet::to_string(shape_), dtype_name(dtype_));
  if (numel_ <= 16) {
    const std::vector<double> values = to_vector<double>();
    text += fmt::format(", values=[{}]", fmt::join(values, ", "));
  }
  return text + ")";
}

namespace detail {

void throw_data_as_mismatch(DType actual, DType requested) {
  raise(ErrorKind::kDTypeMismatch, "data_as: the tensor holds {}, not {}", dtype_name(actual),
        dtype_name(requested));
}

}  // namespace detail
}  // namespace bitnet

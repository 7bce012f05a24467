// Views: new shape, strides and offset over the same storage. Nothing here copies data except
// reshape() and flatten() when no view can express the result.
#include <algorithm>
#include <optional>

#include "bitnet/tensor.h"
#include "core/raise.h"

namespace bitnet {
namespace {

void require_defined(const Tensor& tensor, const char* op) {
  if (!tensor.defined()) raise(ErrorKind::kInvalidArgument, "{}: the tensor is undefined", op);
}

// Resolves one -1 in `requested` so that the element count equals `numel`.
Shape infer_shape(const Shape& requested, int64_t numel, const Shape& original, const char* op) {
  Shape shape = requested;
  int inferred_axis = -1;
  int64_t known = 1;
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape[d] == -1) {
      if (inferred_axis >= 0) {
        raise(ErrorKind::kInvalidArgument, "{}: shape {} has more than one -1", op,
              to_string(requested));
      }
      inferred_axis = d;
    } else if (shape[d] < 0) {
      raise(ErrorKind::kInvalidArgument, "{}: shape {} has a negative dimension", op,
            to_string(requested));
    } else if (__builtin_mul_overflow(known, shape[d], &known)) {
      raise(ErrorKind::kOverflow, "{}: shape {} overflows int64", op, to_string(requested));
    }
  }
  if (inferred_axis >= 0) {
    if (known == 0 || numel % known != 0) {
      raise(ErrorKind::kShapeMismatch, "{}: cannot infer -1 in {} for a tensor of shape {}", op,
            to_string(requested), to_string(original));
    }
    shape[inferred_axis] = numel / known;
  } else if (known != numel) {
    raise(ErrorKind::kShapeMismatch, "{}: shape {} does not match the {} elements of shape {}", op,
          to_string(requested), numel, to_string(original));
  }
  return shape;
}

// Strides that let `new_shape` address the same elements in the same order, if any exist. Walks
// the old dimensions from the innermost out, grouping runs that are contiguous among themselves;
// each group must be matched exactly by a run of new dimensions.
std::optional<Shape> view_strides(const Shape& old_shape, const Shape& old_strides,
                                  const Shape& new_shape) {
  Shape new_strides = Shape::filled(new_shape.rank(), 0);
  if (old_shape.rank() == 0) {
    for (int d = 0; d < new_shape.rank(); ++d) new_strides[d] = 1;
    return new_strides;
  }
  int new_axis = new_shape.rank() - 1;
  int64_t group_base_stride = old_strides[old_shape.rank() - 1];
  int64_t group_numel = 1;
  int64_t view_numel = 1;
  for (int old_axis = old_shape.rank() - 1; old_axis >= 0; --old_axis) {
    group_numel *= old_shape[old_axis];
    const bool group_ends =
        old_axis == 0 || (old_shape[old_axis - 1] != 1 &&
                          old_strides[old_axis - 1] != group_numel * group_base_stride);
    if (!group_ends) continue;
    while (new_axis >= 0 && (view_numel < group_numel || new_shape[new_axis] == 1)) {
      new_strides[new_axis] = view_numel * group_base_stride;
      view_numel *= new_shape[new_axis];
      --new_axis;
    }
    if (view_numel != group_numel) return std::nullopt;
    if (old_axis > 0) {
      group_base_stride = old_strides[old_axis - 1];
      group_numel = 1;
      view_numel = 1;
    }
  }
  if (new_axis != -1) return std::nullopt;
  return new_strides;
}

}  // namespace

Tensor Tensor::view(const Shape& requested) const {
  require_defined(*this, "view");
  const Shape shape = infer_shape(requested, numel_, shape_, "view");
  if (numel_ == 0 || is_contiguous()) {
    return Tensor(storage_, offset_, shape, contiguous_strides(shape), dtype_);
  }
  std::optional<Shape> strides = view_strides(shape_, strides_, shape);
  if (!strides) {
    raise(ErrorKind::kShapeMismatch,
          "view: a tensor of shape {} with strides {} cannot be viewed as {} without a copy "
          "(use reshape)",
          to_string(shape_), to_string(strides_), to_string(shape));
  }
  return Tensor(storage_, offset_, shape, *strides, dtype_);
}

Tensor Tensor::reshape(const Shape& requested) const {
  require_defined(*this, "reshape");
  const Shape shape = infer_shape(requested, numel_, shape_, "reshape");
  if (numel_ == 0 || is_contiguous()) {
    return Tensor(storage_, offset_, shape, contiguous_strides(shape), dtype_);
  }
  if (std::optional<Shape> strides = view_strides(shape_, strides_, shape)) {
    return Tensor(storage_, offset_, shape, *strides, dtype_);
  }
  return clone().view(shape);
}

Tensor Tensor::permute(const std::vector<int64_t>& axes) const {
  require_defined(*this, "permute");
  if (static_cast<int>(axes.size()) != rank()) {
    raise(ErrorKind::kInvalidArgument, "permute: {} axes given for a tensor of rank {}",
          axes.size(), rank());
  }
  Shape shape = shape_;
  Shape strides = strides_;
  bool seen[kMaxRank] = {};
  for (int d = 0; d < rank(); ++d) {
    const int axis = normalize_axis(axes[d], rank(), "permute");
    if (seen[axis]) {
      raise(ErrorKind::kInvalidArgument, "permute: axis {} appears more than once in [{}]", axis,
            fmt::join(axes, ","));
    }
    seen[axis] = true;
    shape[d] = shape_[axis];
    strides[d] = strides_[axis];
  }
  return Tensor(storage_, offset_, shape, strides, dtype_);
}

Tensor Tensor::transpose(int64_t axis0, int64_t axis1) const {
  require_defined(*this, "transpose");
  const int a = normalize_axis(axis0, rank(), "transpose");
  const int b = normalize_axis(axis1, rank(), "transpose");
  Shape shape = shape_;
  Shape strides = strides_;
  std::swap(shape[a], shape[b]);
  std::swap(strides[a], strides[b]);
  return Tensor(storage_, offset_, shape, strides, dtype_);
}

Tensor Tensor::slice(int64_t axis, int64_t start, std::optional<int64_t> stop, int64_t step) const {
  require_defined(*this, "slice");
  const int d = normalize_axis(axis, rank(), "slice");
  if (step <= 0) raise(ErrorKind::kInvalidArgument, "slice: step must be positive, got {}", step);
  const int64_t size = shape_[d];
  auto clamp_bound = [size](int64_t bound) {
    if (bound < 0) bound += size;
    return std::clamp<int64_t>(bound, 0, size);
  };
  const int64_t begin = clamp_bound(start);
  const int64_t end = std::max(begin, clamp_bound(stop.value_or(size)));
  Shape shape = shape_;
  Shape strides = strides_;
  shape[d] = (end - begin + step - 1) / step;
  strides[d] = strides_[d] * step;
  const int64_t offset = shape[d] == 0 ? offset_ : offset_ + begin * strides_[d];
  return Tensor(storage_, offset, shape, strides, dtype_);
}

Tensor Tensor::select(int64_t axis, int64_t index) const {
  require_defined(*this, "select");
  const int d = normalize_axis(axis, rank(), "select");
  const int64_t size = shape_[d];
  if (index < -size || index >= size) {
    raise(ErrorKind::kIndexOutOfRange, "select: index {} is out of range for axis {} of size {}",
          index, d, size);
  }
  if (index < 0) index += size;
  Shape shape = shape_;
  Shape strides = strides_;
  shape.erase(d);
  strides.erase(d);
  return Tensor(storage_, offset_ + index * strides_[d], shape, strides, dtype_);
}

Tensor Tensor::expand(const Shape& requested) const {
  require_defined(*this, "expand");
  if (requested.rank() < rank()) {
    raise(ErrorKind::kShapeMismatch, "expand: cannot expand shape {} to fewer dimensions {}",
          to_string(shape_), to_string(requested));
  }
  const int added = requested.rank() - rank();
  Shape shape = requested;
  Shape strides = Shape::filled(requested.rank(), 0);
  for (int d = 0; d < requested.rank(); ++d) {
    if (d < added) {
      if (requested[d] < 0) {
        raise(ErrorKind::kInvalidArgument, "expand: new leading dimension {} in {} is negative",
              requested[d], to_string(requested));
      }
      continue;
    }
    const int64_t old = shape_[d - added];
    if (requested[d] == -1 || requested[d] == old) {
      shape[d] = old;
      strides[d] = strides_[d - added];
    } else if (old == 1 && requested[d] >= 0) {
      strides[d] = 0;
    } else {
      raise(ErrorKind::kShapeMismatch, "expand: cannot expand shape {} to {}", to_string(shape_),
            to_string(requested));
    }
  }
  return Tensor(storage_, offset_, shape, strides, dtype_);
}

Tensor Tensor::squeeze() const {
  require_defined(*this, "squeeze");
  Shape shape;
  Shape strides;
  for (int d = 0; d < rank(); ++d) {
    if (shape_[d] == 1) continue;
    shape.push_back(shape_[d]);
    strides.push_back(strides_[d]);
  }
  return Tensor(storage_, offset_, shape, strides, dtype_);
}

Tensor Tensor::squeeze(int64_t axis) const {
  require_defined(*this, "squeeze");
  const int d = normalize_axis(axis, rank(), "squeeze");
  if (shape_[d] != 1) {
    raise(ErrorKind::kShapeMismatch, "squeeze: axis {} of shape {} has size {}, not 1", d,
          to_string(shape_), shape_[d]);
  }
  Shape shape = shape_;
  Shape strides = strides_;
  shape.erase(d);
  strides.erase(d);
  return Tensor(storage_, offset_, shape, strides, dtype_);
}

Tensor Tensor::unsqueeze(int64_t axis) const {
  require_defined(*this, "unsqueeze");
  const int d = normalize_axis(axis, rank() + 1, "unsqueeze");
  Shape shape = shape_;
  Shape strides = strides_;
  const int64_t stride = d < rank() ? strides_[d] * shape_[d] : 1;
  shape.insert(d, 1);
  strides.insert(d, stride);
  return Tensor(storage_, offset_, shape, strides, dtype_);
}

Tensor Tensor::flatten(int64_t start_axis, int64_t end_axis) const {
  require_defined(*this, "flatten");
  if (rank() == 0) return reshape({1});
  const int first = normalize_axis(start_axis, rank(), "flatten");
  const int last = normalize_axis(end_axis, rank(), "flatten");
  if (first > last) {
    raise(ErrorKind::kInvalidArgument, "flatten: start axis {} comes after end axis {}", first,
          last);
  }
  Shape shape;
  for (int d = 0; d < first; ++d) shape.push_back(shape_[d]);
  int64_t merged = 1;
  for (int d = first; d <= last; ++d) merged *= shape_[d];
  shape.push_back(merged);
  for (int d = last + 1; d < rank(); ++d) shape.push_back(shape_[d]);
  return reshape(shape);
}

}  // namespace bitnet

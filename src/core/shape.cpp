#include "bitnet/shape.h"

#include <fmt/format.h>

#include "core/raise.h"

namespace bitnet {
namespace {

void check_rank(size_t rank) {
  if (rank > static_cast<size_t>(kMaxRank)) {
    raise(ErrorKind::kInvalidArgument, "shape: rank {} exceeds the maximum of {}", rank, kMaxRank);
  }
}

}  // namespace

Shape::Shape(std::initializer_list<int64_t> dims) {
  check_rank(dims.size());
  for (int64_t dim : dims) dims_[rank_++] = dim;
}

Shape::Shape(std::span<const int64_t> dims) {
  check_rank(dims.size());
  for (int64_t dim : dims) dims_[rank_++] = dim;
}

Shape Shape::filled(int rank, int64_t value) {
  Shape shape;
  shape.resize(rank, value);
  return shape;
}

void Shape::push_back(int64_t value) {
  check_rank(size() + 1);
  dims_[rank_++] = value;
}

void Shape::insert(int position, int64_t value) {
  check_rank(size() + 1);
  for (int i = rank_; i > position; --i) dims_[i] = dims_[i - 1];
  dims_[position] = value;
  ++rank_;
}

void Shape::erase(int position) {
  for (int i = position; i + 1 < rank_; ++i) dims_[i] = dims_[i + 1];
  --rank_;
}

void Shape::resize(int rank, int64_t fill) {
  check_rank(static_cast<size_t>(rank < 0 ? 0 : rank));
  for (int i = rank_; i < rank; ++i) dims_[i] = fill;
  rank_ = rank;
}

bool operator==(const Shape& a, const Shape& b) noexcept {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i) {
    if (a.dims_[i] != b.dims_[i]) return false;
  }
  return true;
}

std::string to_string(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape.begin(), shape.end(), ","));
}

int64_t checked_numel(const Shape& shape) {
  int64_t numel = 1;
  bool overflow = false;
  for (int64_t dim : shape) {
    if (dim < 0) {
      raise(ErrorKind::kInvalidArgument, "shape {} has a negative dimension", to_string(shape));
    }
    overflow = overflow || __builtin_mul_overflow(numel, dim, &numel);
  }
  // A zero dimension makes the tensor empty even if other dimensions overflowed on their own.
  for (int64_t dim : shape) {
    if (dim == 0) return 0;
  }
  if (overflow) {
    raise(ErrorKind::kOverflow, "shape {}: element count overflows int64", to_string(shape));
  }
  return numel;
}

int64_t checked_bytes(int64_t numel, size_t element_size, const char* what) {
  int64_t bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<int64_t>(element_size), &bytes)) {
    raise(ErrorKind::kOverflow, "{}: {} elements of {} bytes overflow int64", what, numel,
          element_size);
  }
  return bytes;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides = Shape::filled(shape.rank(), 1);
  int64_t stride = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    strides[i] = stride;
    // Saturate instead of overflowing: such a shape is rejected by checked_numel anyway, and a
    // zero-sized dimension keeps later strides meaningful.
    if (shape[i] > 1 && __builtin_mul_overflow(stride, shape[i], &stride)) stride = INT64_MAX;
  }
  return strides;
}

int normalize_axis(int64_t axis, int rank, const char* op) {
  if (axis < -rank || axis >= rank) {
    raise(ErrorKind::kIndexOutOfRange, "{}: axis {} is out of range for a tensor of rank {}", op,
          axis, rank);
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int rank = std::max(a.rank(), b.rank());
  Shape out = Shape::filled(rank, 1);
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank());
    const int ib = i - (rank - b.rank());
    const int64_t da = ia >= 0 ? a[ia] : 1;
    const int64_t db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      raise(ErrorKind::kShapeMismatch, "{}: shapes {} and {} cannot be broadcast together", op,
            to_string(a), to_string(b));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace bitnet

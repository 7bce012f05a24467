// How a reduction walks its input. The input's dimensions are split into kept ones (one output
// element per position) and reduced ones, size-1 dimensions are dropped, the rest ordered by memory
// stride (innermost last) and neighbours merged where memory allows, so that kernels see few, long
// dimensions whatever the view's layout.
#pragma once

#include <cstdint>
#include <vector>

#include "bitnet/tensor.h"

namespace bitnet {

struct ReduceDimension {
  int64_t size = 1;
  int64_t input_stride = 0;   // in input elements
  int64_t output_stride = 0;  // in output elements (0 for a reduced dimension)
};

struct ReducePlan {
  int kept_rank = 0;
  int reduced_rank = 0;
  ReduceDimension kept[kMaxRank];     // outer to inner
  ReduceDimension reduced[kMaxRank];  // outer to inner; at least one (size 1 when nothing reduces)
  // The dimension with the smallest input stride is a kept one: outputs side by side in memory, so
  // whole rows of them are accumulated at once instead of reducing each by a strided gather.
  bool inner_is_kept = false;
  int64_t output_count = 1;  // product of the kept sizes
  int64_t reduce_count = 1;  // product of the reduced sizes
};

// The result of checking a reduction's axes against its input.
struct ReduceAxes {
  uint32_t mask = 0;  // bit d set: axis d is reduced
  Shape output_shape;
};

// Normalises `axes` (negative from the end; an empty list means all) and builds the output shape.
// A 0-d tensor accepts axis 0 or -1, as a one-element vector would. Throws Error naming `op`, the
// axis and the rank for an axis out of range, and the axis for one given twice.
[[nodiscard]] ReduceAxes resolve_reduce_axes(const char* op, const Tensor& input,
                                             const std::vector<int64_t>& axes, bool keepdim);

// `keep_reduced_order` keeps the reduced dimensions in logical (row-major) order, for reductions
// whose result depends on it (argmax over the flattened tensor reports row-major indices).
[[nodiscard]] ReducePlan make_reduce_plan(const Tensor& input, uint32_t reduced_mask,
                                          bool keep_reduced_order);

// For ops that work on whole lines along one axis (softmax, norms): fills `lines` with every
// dimension but `axis` (input strides from `input`, output strides of a contiguous tensor of the
// same shape) and returns their number. `axis` -1 (a 0-d input) gives all dimensions.
int line_dimensions(const Tensor& input, int axis, ReduceDimension* lines);

// Walks the positions of `rank` dimensions in row-major order from a starting position, keeping
// the input and output offsets of the current position.
class DimensionWalker {
 public:
  DimensionWalker(const ReduceDimension* dimensions, int rank, int64_t start) noexcept
      : dimensions_(dimensions), rank_(rank) {
    if (start == 0) return;
    for (int d = rank - 1; d >= 0; --d) {
      index_[d] = start % dimensions[d].size;
      start /= dimensions[d].size;
      input_offset_ += index_[d] * dimensions[d].input_stride;
      output_offset_ += index_[d] * dimensions[d].output_stride;
    }
  }

  [[nodiscard]] int64_t input_offset() const noexcept { return input_offset_; }
  [[nodiscard]] int64_t output_offset() const noexcept { return output_offset_; }
  // Position along the innermost dimension (0 for a walker over no dimensions).
  [[nodiscard]] int64_t inner_index() const noexcept { return rank_ == 0 ? 0 : index_[rank_ - 1]; }

  // Moves `steps` positions on; steps must not pass the end of the innermost dimension, except
  // that reaching its end carries into the outer ones.
  void advance(int64_t steps) noexcept {
    if (rank_ == 0) return;
    int d = rank_ - 1;
    index_[d] += steps;
    input_offset_ += steps * dimensions_[d].input_stride;
    output_offset_ += steps * dimensions_[d].output_stride;
    while (d > 0 && index_[d] == dimensions_[d].size) {
      input_offset_ -= dimensions_[d].size * dimensions_[d].input_stride;
      output_offset_ -= dimensions_[d].size * dimensions_[d].output_stride;
      index_[d] = 0;
      --d;
      ++index_[d];
      input_offset_ += dimensions_[d].input_stride;
      output_offset_ += dimensions_[d].output_stride;
    }
  }

 private:
  const ReduceDimension* dimensions_;
  int rank_;
  int64_t index_[kMaxRank] = {};
  int64_t input_offset_ = 0;
  int64_t output_offset_ = 0;
};

}  // namespace bitnet

#include "ops/reduce_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

#include "core/raise.h"

namespace bitnet {

ReduceAxes resolve_reduce_axes(const char* op, const Tensor& input,
                               const std::vector<int64_t>& axes, bool keepdim) {
  const int rank = input.rank();
  ReduceAxes result;
  if (axes.empty()) {
    result.mask = rank == 0 ? 0u : (1u << rank) - 1u;
  } else {
    // A 0-d tensor behaves as a one-element vector for axis checks (axis 0 or -1).
    const int checked_rank = std::max(rank, 1);
    for (int64_t axis : axes) {
      if (axis < -checked_rank || axis >= checked_rank) {
        raise(ErrorKind::kIndexOutOfRange, "{}: axis {} is out of range for a tensor of rank {}",
              op, axis, rank);
      }
      const int normalized = static_cast<int>(axis < 0 ? axis + checked_rank : axis);
      const uint32_t bit = rank == 0 ? 0u : 1u << normalized;
      if (rank > 0 && (result.mask & bit) != 0) {
        raise(ErrorKind::kInvalidArgument, "{}: axis {} appears more than once in axes [{}]", op,
              normalized, fmt::join(axes, ","));
      }
      if (rank == 0 && axes.size() > 1) {
        raise(ErrorKind::kInvalidArgument, "{}: axis 0 appears more than once in axes [{}]", op,
              fmt::join(axes, ","));
      }
      result.mask |= bit;
    }
  }
  for (int d = 0; d < rank; ++d) {
    if ((result.mask >> d & 1u) == 0) {
      result.output_shape.push_back(input.shape()[d]);
    } else if (keepdim) {
      result.output_shape.push_back(1);
    }
  }
  return result;
}

namespace {

struct PlanDimension {
  ReduceDimension dimension;
  bool reduced = false;
};

}  // namespace

ReducePlan make_reduce_plan(const Tensor& input, uint32_t reduced_mask, bool keep_reduced_order) {
  const int rank = input.rank();
  // Output strides: the output is contiguous over the kept dimensions in logical order.
  int64_t output_strides[kMaxRank] = {};
  int64_t output_stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if ((reduced_mask >> d & 1u) != 0) continue;
    output_strides[d] = output_stride;
    output_stride *= input.shape()[d];
  }

  PlanDimension dimensions[kMaxRank];
  int count = 0;
  for (int d = 0; d < rank; ++d) {
    if (input.shape()[d] == 1) continue;
    const bool reduced = (reduced_mask >> d & 1u) != 0;
    dimensions[count++] = {{input.shape()[d], input.strides()[d], reduced ? 0 : output_strides[d]},
                           reduced};
  }
  if (!keep_reduced_order) {
    // Innermost (smallest stride) last. A broadcast dimension (stride 0) goes outermost: repeating
    // a whole inner reduction re-reads cached data, while a stride-0 inner loop wastes the vector.
    auto order_key = [](const PlanDimension& entry) {
      const int64_t stride = entry.dimension.input_stride;
      return stride == 0 ? std::numeric_limits<int64_t>::max() : stride;
    };
    std::stable_sort(dimensions, dimensions + count,
                     [&](const PlanDimension& a, const PlanDimension& b) {
                       return order_key(a) > order_key(b);
                     });
  }

  ReducePlan plan;
  bool last_was_kept = false;
  for (int i = 0; i < count; ++i) {
    const PlanDimension& entry = dimensions[i];
    ReduceDimension* list = entry.reduced ? plan.reduced : plan.kept;
    int& list_rank = entry.reduced ? plan.reduced_rank : plan.kept_rank;
    // Merge into the previous dimension of the same kind when that one directly encloses it.
    const bool adjacent = i > 0 && dimensions[i - 1].reduced == entry.reduced && list_rank > 0;
    if (adjacent) {
      ReduceDimension& outer = list[list_rank - 1];
      if (outer.input_stride == entry.dimension.input_stride * entry.dimension.size &&
          outer.output_stride == entry.dimension.output_stride * entry.dimension.size) {
        outer.size *= entry.dimension.size;
        outer.input_stride = entry.dimension.input_stride;
        outer.output_stride = entry.dimension.output_stride;
        last_was_kept = !entry.reduced;
        continue;
      }
    }
    list[list_rank++] = entry.dimension;
    last_was_kept = !entry.reduced;
  }
  plan.inner_is_kept = plan.kept_rank > 0 && last_was_kept;
  if (plan.reduced_rank == 0) plan.reduced[plan.reduced_rank++] = {1, 0, 0};
  for (int d = 0; d < plan.kept_rank; ++d) plan.output_count *= plan.kept[d].size;
  for (int d = 0; d < plan.reduced_rank; ++d) plan.reduce_count *= plan.reduced[d].size;
  return plan;
}

int line_dimensions(const Tensor& input, int axis, ReduceDimension* lines) {
  const Shape output_strides = contiguous_strides(input.shape());
  int count = 0;
  for (int d = 0; d < input.rank(); ++d) {
    if (d == axis || input.shape()[d] == 1) continue;
    lines[count++] = {input.shape()[d], input.strides()[d], output_strides[d]};
  }
  return count;
}

}  // namespace bitnet

// Runs a reducer (see reduce_kernels.h) over a ReducePlan on the thread pool.
//
// Work is cut into units: one output on the inner path (the innermost memory dimension is reduced,
// so each output folds contiguous runs), or a block of neighbouring outputs on the row path (the
// innermost memory dimension is kept, so each reduced position adds a contiguous row into a block
// of accumulators). When a few outputs share a long reduction, the reduction is also cut into
// chunks of fixed length whose partials are combined in chunk order.
//
// Results depend only on shapes and data, never on the thread count: units, chunks and blocks are
// fixed by the sizes, every fold runs in one order, and threads only choose who computes what.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "bitnet/parallel.h"
#include "ops/reduce_kernels.h"
#include "ops/reduce_plan.h"
#include "tensor/element_loop.h"

namespace bitnet {

// Most outputs per unit on the row path. Long row segments matter more than accumulators staying
// in L1: short segments at a large stride defeat the hardware prefetchers (which stop at 4 KiB
// pages), measured 4x slower at 512 columns than at 4096 for a [4096,4096] f32 leading-axis sum.
inline constexpr int64_t kReduceColumnBlock = 8192;
// Reduced elements per partial when a long reduction is split; a multiple of kPairwiseBlock.
inline constexpr int64_t kReduceSplitChunk = 32768;
// A reduction is split only when it has at most this many units (else units alone fill threads).
inline constexpr int64_t kReduceSplitMaxUnits = 16;
// Cap on the partial accumulators a split keeps (every unit times every chunk).
inline constexpr int64_t kReduceSplitBytes = int64_t{4} << 20;

// Combines equal-sized partials pairwise with a binary counter: level i holds 2^i blocks, so each
// sum has O(log n) rounding error instead of O(n) (Higham, "The accuracy of floating point
// summation", 1993). Holds `width` accumulators per level, one per output of a unit.
template <typename Reducer>
class PairwiseCascade {
 public:
  using Acc = typename Reducer::Acc;

  PairwiseCascade(const Reducer& reducer, int64_t width)
      : reducer_(reducer), width_(static_cast<size_t>(width)), carry_(width_) {}

  void reset() noexcept { count_ = 0; }

  // Adds the next partial (width accumulators), which follows all earlier ones.
  void push(const Acc* partial) {
    uint64_t pending = count_++;
    std::copy(partial, partial + width_, carry_.begin());
    size_t level = 0;
    for (; (pending & 1) != 0; pending >>= 1, ++level) {
      const Acc* earlier = &levels_[level * width_];
      for (size_t j = 0; j < width_; ++j) carry_[j] = reducer_.combine(earlier[j], carry_[j]);
    }
    if (levels_.size() < (level + 1) * width_) levels_.resize((level + 1) * width_);
    std::copy(carry_.begin(), carry_.end(),
              levels_.begin() + static_cast<ptrdiff_t>(level * width_));
  }

  // The combination of everything pushed; higher levels hold earlier partials.
  void total(Acc* result) const {
    bool have = false;
    for (size_t level = 0; level < 64; ++level) {
      if ((count_ >> level & 1) == 0) continue;
      const Acc* earlier = &levels_[level * width_];
      for (size_t j = 0; j < width_; ++j) {
        result[j] = have ? reducer_.combine(earlier[j], result[j]) : earlier[j];
      }
      have = true;
    }
    if (!have) std::fill(result, result + width_, reducer_.identity());
  }

 private:
  const Reducer& reducer_;
  size_t width_;
  uint64_t count_ = 0;
  std::vector<Acc> levels_;
  std::vector<Acc> carry_;
};

template <typename Reducer>
class ReduceDriver {
 public:
  using Input = typename Reducer::Input;
  using Acc = typename Reducer::Acc;
  using Output = typename Reducer::Output;

  // `output` is contiguous with plan.output_count elements; `input` is the view's first element.
  ReduceDriver(const ReducePlan& plan, const Input* input, Output* output, const Reducer& reducer)
      : plan_(plan), input_(input), output_(output), reducer_(reducer) {
    if (plan.inner_is_kept) {
      const ReduceDimension& columns = plan.kept[plan.kept_rank - 1];
      blocks_per_row_ = (columns.size + kReduceColumnBlock - 1) / kReduceColumnBlock;
      unit_count_ = plan.output_count / columns.size * blocks_per_row_;
      max_width_ = std::min(columns.size, kReduceColumnBlock);
    } else {
      unit_count_ = plan.output_count;
    }
  }

  void run() const {
    const int64_t length = plan_.reduce_count;
    if (plan_.output_count == 0) return;
    if (length == 0) {
      for (int64_t i = 0; i < plan_.output_count; ++i)
        output_[i] = reducer_.finalize(reducer_.identity());
      return;
    }
    // Reduced positions per chunk: about kReduceSplitChunk elements, whole pairwise blocks, and
    // few enough chunks that the partials fit in kReduceSplitBytes.
    const int64_t partial_bytes = unit_count_ * max_width_ * static_cast<int64_t>(sizeof(Acc));
    const int64_t chunk_cap = std::max<int64_t>(2, kReduceSplitBytes / partial_bytes);
    const int64_t chunk =
        std::max(round_up(std::max<int64_t>(1, kReduceSplitChunk / max_width_), kPairwiseBlock),
                 round_up((length + chunk_cap - 1) / chunk_cap, kPairwiseBlock));
    const int64_t chunk_count = (length + chunk - 1) / chunk;
    const int64_t work = unit_count_ * length * max_width_;
    if (unit_count_ <= kReduceSplitMaxUnits && chunk_count >= 2 && work >= 2 * kParallelGrain) {
      run_split(chunk, chunk_count);
    } else {
      run_whole();
    }
  }

 private:
  struct Unit {
    int64_t input_offset = 0;
    int64_t output_offset = 0;
    int64_t width = 1;  // outputs in this unit
  };

  // Per-thread buffers for the pairwise path.
  struct Workspace {
    Workspace(const Reducer& reducer, int64_t width)
        : block(static_cast<size_t>(width)), cascade(reducer, width) {}
    std::vector<Acc> block;
    PairwiseCascade<Reducer> cascade;
  };

  static int64_t round_up(int64_t value, int64_t multiple) {
    return (value + multiple - 1) / multiple * multiple;
  }

  [[nodiscard]] Unit locate(int64_t unit) const noexcept {
    Unit result;
    if (!plan_.inner_is_kept) {
      const DimensionWalker walker(plan_.kept, plan_.kept_rank, unit);
      result.input_offset = walker.input_offset();
      result.output_offset = walker.output_offset();
      return result;
    }
    const ReduceDimension& columns = plan_.kept[plan_.kept_rank - 1];
    const DimensionWalker walker(plan_.kept, plan_.kept_rank - 1, unit / blocks_per_row_);
    const int64_t first_column = unit % blocks_per_row_ * kReduceColumnBlock;
    result.input_offset = walker.input_offset() + first_column * columns.input_stride;
    result.output_offset = walker.output_offset() + first_column * columns.output_stride;
    result.width = std::min(kReduceColumnBlock, columns.size - first_column);
    return result;
  }

  // Folds reduced positions [begin, end) of `unit` into result[0..width).
  void accumulate(const Unit& unit, int64_t begin, int64_t end, Acc* result,
                  Workspace& workspace) const {
    const ReduceDimension& inner = plan_.reduced[plan_.reduced_rank - 1];
    if (!Reducer::kPairwise && !plan_.inner_is_kept && plan_.reduced_rank == 1) {
      // One run: no walker (many small outputs make its set-up divisions the main cost).
      result[0] = reducer_.identity();
      reducer_.run(result[0], input_ + unit.input_offset + begin * inner.input_stride, end - begin,
                   inner.input_stride, RunContext{begin, unit.output_offset, 0});
      return;
    }
    Acc* acc = Reducer::kPairwise ? workspace.block.data() : result;
    std::fill(acc, acc + unit.width, reducer_.identity());
    if constexpr (Reducer::kPairwise) workspace.cascade.reset();
    DimensionWalker walker(plan_.reduced, plan_.reduced_rank, begin);
    for (int64_t position = begin; position < end;) {
      int64_t count = std::min(inner.size - walker.inner_index(), end - position);
      if constexpr (Reducer::kPairwise) {
        count = std::min(count, kPairwiseBlock - position % kPairwiseBlock);
      }
      const Input* data = input_ + unit.input_offset + walker.input_offset();
      if (plan_.inner_is_kept) {
        const ReduceDimension& columns = plan_.kept[plan_.kept_rank - 1];
        for (int64_t i = 0; i < count; ++i) {
          const RunContext context{position + i, unit.output_offset, columns.output_stride};
          reducer_.rows(acc, data + i * inner.input_stride, unit.width, columns.input_stride,
                        context);
        }
      } else {
        reducer_.run(acc[0], data, count, inner.input_stride,
                     RunContext{position, unit.output_offset, 0});
      }
      position += count;
      walker.advance(count);
      if constexpr (Reducer::kPairwise) {
        if (position % kPairwiseBlock == 0 || position == end) {
          workspace.cascade.push(acc);
          std::fill(acc, acc + unit.width, reducer_.identity());
        }
      }
    }
    if constexpr (Reducer::kPairwise) workspace.cascade.total(result);
  }

  void store(const Unit& unit, const Acc* result) const noexcept {
    const int64_t stride = plan_.inner_is_kept ? plan_.kept[plan_.kept_rank - 1].output_stride : 0;
    for (int64_t j = 0; j < unit.width; ++j) {
      output_[unit.output_offset + j * stride] = reducer_.finalize(result[j]);
    }
  }

  // Each unit reduced whole by one thread.
  void run_whole() const {
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / (plan_.reduce_count * max_width_));
    parallel_for(0, unit_count_, grain, [&](int64_t first, int64_t last) {
      Workspace workspace(reducer_, max_width_);
      std::vector<Acc> result(static_cast<size_t>(max_width_));
      if (plan_.inner_is_kept) {
        for (int64_t unit = first; unit < last; ++unit) {
          const Unit located = locate(unit);
          accumulate(located, 0, plan_.reduce_count, result.data(), workspace);
          store(located, result.data());
        }
        return;
      }
      // One output per unit: step through the kept positions instead of locating each.
      DimensionWalker walker(plan_.kept, plan_.kept_rank, first);
      for (int64_t unit = first; unit < last; ++unit, walker.advance(1)) {
        const Unit located{walker.input_offset(), walker.output_offset(), 1};
        accumulate(located, 0, plan_.reduce_count, result.data(), workspace);
        store(located, result.data());
      }
    });
  }

  // Chunks of every unit in parallel, then each unit's partials combined in chunk order.
  void run_split(int64_t chunk, int64_t chunk_count) const {
    const size_t width = static_cast<size_t>(max_width_);
    std::vector<Acc> partials(static_cast<size_t>(unit_count_ * chunk_count) * width);
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / (chunk * max_width_));
    parallel_for(0, unit_count_ * chunk_count, grain, [&](int64_t first, int64_t last) {
      Workspace workspace(reducer_, max_width_);
      for (int64_t task = first; task < last; ++task) {
        const Unit located = locate(task / chunk_count);
        const int64_t begin = task % chunk_count * chunk;
        const int64_t end = std::min(plan_.reduce_count, begin + chunk);
        accumulate(located, begin, end, &partials[static_cast<size_t>(task) * width], workspace);
      }
    });
    PairwiseCascade<Reducer> cascade(reducer_, max_width_);
    std::vector<Acc> result(width);
    for (int64_t unit = 0; unit < unit_count_; ++unit) {
      const Acc* unit_partials = &partials[static_cast<size_t>(unit * chunk_count) * width];
      if constexpr (Reducer::kPairwise) {
        cascade.reset();
        for (int64_t c = 0; c < chunk_count; ++c) cascade.push(unit_partials + c * max_width_);
        cascade.total(result.data());
      } else {
        std::copy(unit_partials, unit_partials + width, result.begin());
        for (int64_t c = 1; c < chunk_count; ++c) {
          for (size_t j = 0; j < width; ++j) {
            result[j] = reducer_.combine(result[j], unit_partials[c * max_width_ + j]);
          }
        }
      }
      store(locate(unit), result.data());
    }
  }

  const ReducePlan& plan_;
  const Input* input_;
  Output* output_;
  const Reducer& reducer_;
  int64_t unit_count_ = 0;
  int64_t blocks_per_row_ = 1;
  int64_t max_width_ = 1;
};

template <typename Reducer>
void run_reduction(const ReducePlan& plan, const typename Reducer::Input* input,
                   typename Reducer::Output* output, const Reducer& reducer) {
  ReduceDriver<Reducer>(plan, input, output, reducer).run();
}

}  // namespace bitnet

// Iteration over the elements of N operands that share one shape (broadcast operands carry stride
// 0). Size-1 dimensions are dropped and dimensions that are contiguous for every operand merged,
// so the inner function sees the longest possible runs. The inner function gets one pointer and one
// byte stride per operand and a run length.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "bitnet/parallel.h"
#include "bitnet/tensor.h"

namespace bitnet {

// Element count below which an op runs on the calling thread alone.
inline constexpr int64_t kParallelGrain = 32768;

template <int N>
struct ElementLoop {
  int rank = 0;
  int64_t numel = 0;
  int64_t shape[kMaxRank] = {};
  int64_t byte_strides[N][kMaxRank] = {};
  char* base[N] = {};
};

// Every operand's shape must equal `shape` (expand() first). Operand 0 is usually the output.
template <int N>
ElementLoop<N> make_element_loop(const Shape& shape, const std::array<const Tensor*, N>& operands) {
  ElementLoop<N> loop;
  loop.numel = 1;
  for (int64_t dim : shape) loop.numel *= dim;
  for (int k = 0; k < N; ++k) loop.base[k] = static_cast<char*>(operands[k]->data());
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape[d] == 1) continue;
    const int out = loop.rank;
    bool merge = out > 0;
    for (int k = 0; k < N && merge; ++k) {
      const int64_t stride = operands[k]->strides()[d] * int64_t(operands[k]->element_size());
      merge = loop.byte_strides[k][out - 1] == stride * shape[d];
    }
    if (merge) {
      loop.shape[out - 1] *= shape[d];
      for (int k = 0; k < N; ++k) {
        loop.byte_strides[k][out - 1] =
            operands[k]->strides()[d] * int64_t(operands[k]->element_size());
      }
      continue;
    }
    loop.shape[out] = shape[d];
    for (int k = 0; k < N; ++k) {
      loop.byte_strides[k][out] = operands[k]->strides()[d] * int64_t(operands[k]->element_size());
    }
    ++loop.rank;
  }
  return loop;
}

// Runs inner(pointers, strides, count) over elements [start, end) in row-major order.
template <int N, typename Inner>
void run_element_range(const ElementLoop<N>& loop, int64_t start, int64_t end, Inner& inner) {
  if (start >= end) return;
  char* pointers[N];
  int64_t inner_strides[N];
  if (loop.rank == 0) {
    for (int k = 0; k < N; ++k) {
      pointers[k] = loop.base[k];
      inner_strides[k] = 0;
    }
    inner(pointers, inner_strides, int64_t{1});
    return;
  }
  const int last = loop.rank - 1;
  int64_t index[kMaxRank];
  int64_t remaining = start;
  for (int d = last; d >= 0; --d) {
    index[d] = remaining % loop.shape[d];
    remaining /= loop.shape[d];
  }
  for (int k = 0; k < N; ++k) {
    pointers[k] = loop.base[k];
    for (int d = 0; d <= last; ++d) pointers[k] += index[d] * loop.byte_strides[k][d];
    inner_strides[k] = loop.byte_strides[k][last];
  }
  const int64_t row = loop.shape[last];
  while (start < end) {
    const int64_t count = std::min(row - index[last], end - start);
    inner(pointers, inner_strides, count);
    start += count;
    index[last] += count;
    for (int k = 0; k < N; ++k) pointers[k] += count * inner_strides[k];
    if (index[last] < row) continue;
    // Carry into the outer dimensions.
    for (int k = 0; k < N; ++k) pointers[k] -= row * inner_strides[k];
    index[last] = 0;
    for (int d = last - 1; d >= 0; --d) {
      ++index[d];
      for (int k = 0; k < N; ++k) pointers[k] += loop.byte_strides[k][d];
      if (index[d] < loop.shape[d]) break;
      for (int k = 0; k < N; ++k) pointers[k] -= loop.shape[d] * loop.byte_strides[k][d];
      index[d] = 0;
    }
  }
}

// Runs the loop over all elements, split across the thread pool when it is large enough.
template <int N, typename Inner>
void run_element_loop(const ElementLoop<N>& loop, Inner&& inner, int64_t grain = kParallelGrain) {
  if (loop.numel == 0) return;
  if (loop.numel < 2 * grain) {
    run_element_range(loop, 0, loop.numel, inner);
    return;
  }
  parallel_for(0, loop.numel, grain,
               [&](int64_t begin, int64_t end) { run_element_range(loop, begin, end, inner); });
}

}  // namespace bitnet

// Reduction kernels. A reducer says how one output's elements fold into an accumulator:
//   identity()               the accumulator of no elements
//   run(acc, data, n, s, c)  folds n elements data[0], data[s], ... into acc (one output)
//   rows(accs, data, n, s, c) folds data[j * s] into accs[j] for j < n (n outputs side by side)
//   combine(earlier, later)  merges the accumulators of two consecutive ranges
//   finalize(acc)            the output value
// kPairwise asks the driver to fold blocks of kPairwiseBlock elements and combine the blocks
// pairwise (f64 sums). Kernels assume validated input: pointers address every element they read.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensor/convert.h"
#include "tensor/dtype_dispatch.h"

namespace bitnet {

// Where a run sits: its first element's index in the reduced positions (row-major when the plan
// keeps the reduced order) and the output element(s) it belongs to.
struct RunContext {
  int64_t first_index = 0;
  int64_t output_index = 0;   // the output, or the first column's on the row path
  int64_t output_stride = 0;  // between columns on the row path
};

// ---- contiguous kernels: the hot loops the SIMD dispatch will replace --------------------------
// Sum of `count` floats accumulated in double.
[[nodiscard]] double sum_f32_contiguous(const float* data, int64_t count) noexcept;
// Naive double sum (the pairwise driver feeds it blocks of at most kPairwiseBlock).
[[nodiscard]] double sum_f64_contiguous(const double* data, int64_t count) noexcept;
// Largest / smallest of `count` floats; NaN when any is NaN; -inf / +inf when count is 0.
[[nodiscard]] float max_f32_contiguous(const float* data, int64_t count) noexcept;
[[nodiscard]] float min_f32_contiguous(const float* data, int64_t count) noexcept;

inline constexpr int64_t kPairwiseBlock = 128;

template <typename T>
[[nodiscard]] inline double to_double(T value) noexcept {
  return convert_element<double, T>(value);
}

// Sum in double of data[i * stride], i < n. Contiguous data goes to the dedicated kernels or, for
// other types, four accumulators (one chain of dependent adds would run at add latency).
template <typename T>
[[nodiscard]] inline double sum_as_double(const T* data, int64_t n, int64_t stride) noexcept {
  if constexpr (std::is_same_v<T, float>) {
    if (stride == 1) return sum_f32_contiguous(data, n);
  } else if constexpr (std::is_same_v<T, double>) {
    if (stride == 1) return sum_f64_contiguous(data, n);
  }
  double lanes[4] = {};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int lane = 0; lane < 4; ++lane) lanes[lane] += to_double(data[(i + lane) * stride]);
  }
  for (; i < n; ++i) lanes[0] += to_double(data[i * stride]);
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

// ---- sums in double: f32/f16/bf16/f64 sum and mean, and mean of any dtype ---------------------
template <typename T, typename Out>
struct DoubleSumReducer {
  using Input = T;
  using Acc = double;
  using Output = Out;
  static constexpr bool kPairwise = std::is_same_v<T, double>;

  int64_t count = 0;  // elements per output
  bool mean = false;  // divide by count

  [[nodiscard]] Acc identity() const noexcept { return 0.0; }
  void run(Acc& acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    acc += sum_as_double(data, n, stride);
  }
  void rows(Acc* acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    if (stride == 1) {
      for (int64_t j = 0; j < n; ++j) acc[j] += to_double(data[j]);
    } else {
      for (int64_t j = 0; j < n; ++j) acc[j] += to_double(data[j * stride]);
    }
  }
  [[nodiscard]] Acc combine(Acc earlier, Acc later) const noexcept { return earlier + later; }
  [[nodiscard]] Out finalize(Acc acc) const noexcept {
    if (!mean) return convert_element<Out, double>(acc);
    if (count == 0) return convert_element<Out, double>(std::numeric_limits<double>::quiet_NaN());
    return convert_element<Out, double>(acc / static_cast<double>(count));
  }
};

// ---- integer and bool sums: exact, wrapping modulo 2^64 ---------------------------------------
template <typename T>
struct IntegerSumReducer {
  using Input = T;
  using Acc = uint64_t;  // unsigned: overflow wraps instead of being undefined
  using Output = int64_t;
  static constexpr bool kPairwise = false;

  static Acc widen(T value) noexcept { return static_cast<uint64_t>(static_cast<int64_t>(value)); }
  [[nodiscard]] Acc identity() const noexcept { return 0; }
  void run(Acc& acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    Acc total = 0;
    if (stride == 1) {
      for (int64_t i = 0; i < n; ++i) total += widen(data[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) total += widen(data[i * stride]);
    }
    acc += total;
  }
  void rows(Acc* acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    for (int64_t j = 0; j < n; ++j) acc[j] += widen(data[j * stride]);
  }
  [[nodiscard]] Acc combine(Acc earlier, Acc later) const noexcept { return earlier + later; }
  [[nodiscard]] Output finalize(Acc acc) const noexcept {
    return static_cast<int64_t>(acc);  // modular since C++20
  }
};

// ---- products: double for floating inputs, wrapping 64-bit for integers and bool --------------
template <typename T>
struct ProductReducer {
  static constexpr bool kFloating = is_float_storage_v<T>;
  using Input = T;
  using Acc = std::conditional_t<kFloating, double, uint64_t>;
  using Output = std::conditional_t<kFloating, T, int64_t>;
  static constexpr bool kPairwise = false;

  static Acc widen(T value) noexcept {
    if constexpr (kFloating) {
      return to_double(value);
    } else {
      return static_cast<uint64_t>(static_cast<int64_t>(value));
    }
  }
  [[nodiscard]] Acc identity() const noexcept { return 1; }
  void run(Acc& acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    for (int64_t i = 0; i < n; ++i) acc *= widen(data[i * stride]);
  }
  void rows(Acc* acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    for (int64_t j = 0; j < n; ++j) acc[j] *= widen(data[j * stride]);
  }
  [[nodiscard]] Acc combine(Acc earlier, Acc later) const noexcept { return earlier * later; }
  [[nodiscard]] Output finalize(Acc acc) const noexcept {
    if constexpr (kFloating) {
      return convert_element<T, double>(acc);
    } else {
      return static_cast<int64_t>(acc);
    }
  }
};

// ---- second pass of var/std: squared deviations from each output's mean -----------------------
template <typename T, typename Out>
struct SquaredDeviationReducer {
  using Input = T;
  using Acc = double;
  using Output = Out;
  static constexpr bool kPairwise = std::is_same_v<T, double>;

  const double* means = nullptr;  // one per output, indexed by output element
  int64_t count = 0;
  int64_t correction = 0;
  bool square_root = false;

  [[nodiscard]] Acc identity() const noexcept { return 0.0; }
  void run(Acc& acc, const T* data, int64_t n, int64_t stride,
           const RunContext& context) const noexcept {
    const double center = means[context.output_index];
    double lanes[4] = {};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      for (int lane = 0; lane < 4; ++lane) {
        const double deviation = to_double(data[(i + lane) * stride]) - center;
        lanes[lane] += deviation * deviation;
      }
    }
    for (; i < n; ++i) {
      const double deviation = to_double(data[i * stride]) - center;
      lanes[0] += deviation * deviation;
    }
    acc += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  }
  void rows(Acc* acc, const T* data, int64_t n, int64_t stride,
            const RunContext& context) const noexcept {
    const double* center = means + context.output_index;
    for (int64_t j = 0; j < n; ++j) {
      const double deviation = to_double(data[j * stride]) - center[j * context.output_stride];
      acc[j] += deviation * deviation;
    }
  }
  [[nodiscard]] Acc combine(Acc earlier, Acc later) const noexcept { return earlier + later; }
  [[nodiscard]] Out finalize(Acc acc) const noexcept {
    // N - correction <= 0 has no meaningful variance; NumPy answers NaN.
    const int64_t divisor = count - correction;
    if (count == 0 || divisor <= 0)
      return convert_element<Out, double>(std::numeric_limits<double>::quiet_NaN());
    const double variance = acc / static_cast<double>(divisor);
    return convert_element<Out, double>(square_root ? std::sqrt(variance) : variance);
  }
};

// ---- max and min: keep the dtype, propagate NaN ----------------------------------------------
// bool compares as 0/1 bytes (which also keeps accumulators out of std::vector<bool>).
template <typename T>
using ExtremumValue = std::conditional_t<std::is_same_v<T, bool>, uint8_t, compute_t<T>>;

// True when `candidate` replaces `best` as the running max (min): strictly larger (smaller), or
// NaN. A NaN `best` is never replaced by a number (every comparison with it is false), so NaN
// sticks without a separate flag.
template <bool kMax, typename C>
[[nodiscard]] inline bool replaces(C candidate, C best) noexcept {
  // `candidate != candidate` is the NaN test (always false for integers).
  return (kMax ? candidate > best : candidate < best) || candidate != candidate;
}

template <typename T, bool kMax>
struct ExtremumReducer {
  using Input = T;
  using Acc = ExtremumValue<T>;
  using Output = T;
  static constexpr bool kPairwise = false;

  [[nodiscard]] Acc identity() const noexcept {
    if constexpr (std::is_same_v<T, bool>) {
      return kMax ? 0 : 1;
    } else if constexpr (std::is_floating_point_v<Acc>) {
      return kMax ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
    } else {
      return kMax ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
    }
  }
  void run(Acc& acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    if constexpr (std::is_same_v<T, float>) {
      if (stride == 1) {
        const float run_best = kMax ? max_f32_contiguous(data, n) : min_f32_contiguous(data, n);
        acc = combine(acc, run_best);
        return;
      }
    }
    Acc best = acc;
    for (int64_t i = 0; i < n; ++i) {
      const Acc value = static_cast<Acc>(data[i * stride]);
      best = replaces<kMax>(value, best) ? value : best;
    }
    acc = best;
  }
  void rows(Acc* acc, const T* data, int64_t n, int64_t stride, const RunContext&) const noexcept {
    if (stride == 1) {
      for (int64_t j = 0; j < n; ++j) {
        const Acc value = static_cast<Acc>(data[j]);
        acc[j] = replaces<kMax>(value, acc[j]) ? value : acc[j];
      }
    } else {
      for (int64_t j = 0; j < n; ++j) {
        const Acc value = static_cast<Acc>(data[j * stride]);
        acc[j] = replaces<kMax>(value, acc[j]) ? value : acc[j];
      }
    }
  }
  [[nodiscard]] Acc combine(Acc earlier, Acc later) const noexcept {
    return replaces<kMax>(later, earlier) ? later : earlier;
  }
  [[nodiscard]] Output finalize(Acc acc) const noexcept {
    return convert_element<T, Acc>(acc);  // exact: acc is one of the inputs
  }
};

// ---- argmax and argmin: first index of the extremum, NaN counting as both ---------------------
template <typename T>
struct IndexedValue {
  ExtremumValue<T> value{};
  int64_t index = -1;  // -1: no element seen yet
};

template <typename T, bool kMax>
struct ArgExtremumReducer {
  using Input = T;
  using Acc = IndexedValue<T>;
  using Output = int64_t;
  using Value = ExtremumValue<T>;
  static constexpr bool kPairwise = false;

  [[nodiscard]] Acc identity() const noexcept { return {}; }
  // Later elements replace only when strictly better, so ties keep the first index; nothing
  // replaces a NaN, so the first NaN wins.
  static bool better(Value candidate, Value best) noexcept {
    return best == best && replaces<kMax>(candidate, best);
  }
  static void consider(Acc& acc, Value value, int64_t index) noexcept {
    if (acc.index < 0 || better(value, acc.value)) acc = {value, index};
  }
  void run(Acc& acc, const T* data, int64_t n, int64_t stride,
           const RunContext& context) const noexcept {
    for (int64_t i = 0; i < n; ++i) {
      consider(acc, static_cast<Value>(data[i * stride]), context.first_index + i);
    }
  }
  void rows(Acc* acc, const T* data, int64_t n, int64_t stride,
            const RunContext& context) const noexcept {
    for (int64_t j = 0; j < n; ++j) {
      consider(acc[j], static_cast<Value>(data[j * stride]), context.first_index);
    }
  }
  [[nodiscard]] Acc combine(Acc earlier, Acc later) const noexcept {
    if (later.index < 0) return earlier;
    if (earlier.index < 0 || better(later.value, earlier.value)) return later;
    return earlier;
  }
  [[nodiscard]] Output finalize(Acc acc) const noexcept { return acc.index; }
};

}  // namespace bitnet

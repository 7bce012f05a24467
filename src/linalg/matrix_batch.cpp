#include "linalg/matrix_batch.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include "bitnet/config.h"
#include "bitnet/parallel.h"
#include "blas/blas.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"

namespace bitnet::linalg::detail {
namespace {

// Matrices whose m n k is at most this (64^3) make only small BLAS calls inside LAPACK, which
// OpenBLAS runs on one thread anyway: many of them are better spread over our threads.
constexpr double kSmallMatrixWork = 64.0 * 64.0 * 64.0;
// Matrices of kContended routines below this work (32^3) run fastest as a plain loop on one
// thread: measured crossover between orders 16 and 32 for ?potrf and ?getrf on 2 threads.
constexpr double kContendedParallelWork = 32.0 * 32.0 * 32.0;
// Flops per parallel chunk below which spreading matrices over threads costs more than it saves.
constexpr double kParallelGrainWork = 32768.0;
// Side of the square tiles of a transposing copy (two 64-byte cache lines of f64 per tile row):
// measured fastest at n = 256 and 512. Much larger tiles thrash L1 when the leading dimension is a
// large power of two, since every row of a tile then maps to the same cache set.
constexpr int64_t kTile = 16;

// The bit pattern of a float type and the masks of its exponent field.
template <typename T>
struct FloatBits;
template <>
struct FloatBits<float> {
  using Bits = uint32_t;
  static constexpr Bits kExponent = 0x7f800000u;
  static constexpr Bits kExponentUnit = 0x00800000u;
};
template <>
struct FloatBits<double> {
  using Bits = uint64_t;
  static constexpr Bits kExponent = 0x7ff0000000000000ull;
  static constexpr Bits kExponentUnit = 0x0010000000000000ull;
};

// NaN and Inf are the values whose exponent field is all ones: adding one unit to that field
// carries into the sign bit exactly for them. Integer and/add/or only, so copy loops vectorise.
template <typename T>
typename FloatBits<T>::Bits finite_probe(T value) {
  typename FloatBits<T>::Bits bits;
  std::memcpy(&bits, &value, sizeof(T));
  return (bits & FloatBits<T>::kExponent) + FloatBits<T>::kExponentUnit;
}

template <typename T>
bool probe_is_finite(typename FloatBits<T>::Bits probe) {
  return (probe >> (8 * sizeof(T) - 1)) == 0;
}

// Copies `count` elements from `from` (stride from_stride) to `to` (stride to_stride) and returns
// the or of their finite_probe()s. Unit strides get their own loops so that they vectorise.
// Inlined into the line loops: a call per line cost 5% of a batch of 8x8 Cholesky factorisations.
template <typename T>
[[gnu::always_inline]] inline typename FloatBits<T>::Bits copy_run(const T* from,
                                                                   int64_t from_stride, T* to,
                                                                   int64_t to_stride,
                                                                   int64_t count) {
  typename FloatBits<T>::Bits probe = 0;
  if (from_stride == 1 && to_stride == 1) {
    for (int64_t i = 0; i < count; ++i) {
      const T value = from[i];
      to[i] = value;
      probe |= finite_probe(value);
    }
  } else if (to_stride == 1) {
    for (int64_t i = 0; i < count; ++i) {
      const T value = from[i * from_stride];
      to[i] = value;
      probe |= finite_probe(value);
    }
  } else {
    for (int64_t i = 0; i < count; ++i) {
      const T value = from[i * from_stride];
      to[i * to_stride] = value;
      probe |= finite_probe(value);
    }
  }
  return probe;
}

}  // namespace

std::string describe(const Tensor& tensor) {
  return fmt::format("{} {}", to_string(tensor.shape()), dtype_name(tensor.dtype()));
}

void check_matrices(const char* op, const Tensor& a, const char* name) {
  if (!a.defined()) raise(ErrorKind::kInvalidArgument, "{}: {} is undefined", op, name);
  if (a.dtype() != DType::kF32 && a.dtype() != DType::kF64) {
    raise(ErrorKind::kDTypeMismatch, "{}: {} is {}; linear algebra needs f32 or f64 (cast first)",
          op, name, describe(a));
  }
  if (a.rank() < 2) {
    raise(ErrorKind::kShapeMismatch,
          "{}: {} is {}; expected a matrix or a batch of matrices [..., m, n]", op, name,
          describe(a));
  }
  const int64_t rows = a.size(-2);
  const int64_t columns = a.size(-1);
  if (rows > 0 && columns > lapack::kLapackMaxIndex / rows) {
    raise(ErrorKind::kUnsupported,
          "{}: {} is {}; a {} x {} matrix exceeds LAPACK's 32-bit indexing ({} elements at most)",
          op, name, describe(a), rows, columns, lapack::kLapackMaxIndex);
  }
}

void check_square(const char* op, const Tensor& a, const char* name) {
  check_matrices(op, a, name);
  if (a.size(-2) != a.size(-1)) {
    raise(ErrorKind::kShapeMismatch, "{}: {} is {}; expected square matrices, got {} x {}", op,
          name, describe(a), a.size(-2), a.size(-1));
  }
}

Shape batch_shape(const Tensor& matrices) {
  return Shape(std::span<const int64_t>(matrices.shape().begin(), matrices.rank() - 2));
}

Shape append(const Shape& batch, std::initializer_list<int64_t> dims) {
  Shape shape = batch;
  for (const int64_t dim : dims) shape.push_back(dim);
  return shape;
}

RightHandSide right_hand_side(const char* op, const Tensor& a, const Tensor& b) {
  if (!b.defined()) raise(ErrorKind::kInvalidArgument, "{}: b is undefined", op);
  if (b.dtype() != a.dtype()) {
    raise(ErrorKind::kDTypeMismatch, "{}: a is {} but b is {}; cast them to one dtype", op,
          describe(a), describe(b));
  }
  const int64_t rows = a.size(-2);
  RightHandSide rhs;
  rhs.vector = b.rank() == 1;
  if (b.rank() == 0) {
    raise(ErrorKind::kShapeMismatch, "{}: b is {}; expected a vector [m] or matrices [..., m, k]",
          op, describe(b));
  }
  const int64_t b_rows = rhs.vector ? b.size(0) : b.size(-2);
  if (b_rows != rows) {
    raise(ErrorKind::kShapeMismatch, "{}: a is {} and b is {}; b needs {} rows (a's m), not {}", op,
          describe(a), describe(b), rows, b_rows);
  }
  const Tensor b_matrices = rhs.vector ? b.unsqueeze(1) : b;
  rhs.columns = b_matrices.size(-1);
  const Shape b_batch = batch_shape(b_matrices);
  rhs.batch = broadcast_shapes(batch_shape(a), b_batch, op);
  rhs.matrices = b_matrices.expand(append(rhs.batch, {rows, rhs.columns}));
  if (rows > 0 && rhs.columns > lapack::kLapackMaxIndex / std::max(rows, a.size(-1))) {
    raise(ErrorKind::kUnsupported, "{}: b is {}; it exceeds LAPACK's 32-bit indexing", op,
          describe(b));
  }
  return rhs;
}

template <typename T>
bool copy_matrix(const MatrixView<const T>& source, const MatrixView<T>& destination, Part part) {
  const int64_t rows = source.rows;
  const int64_t columns = source.columns;
  typename FloatBits<T>::Bits probe = 0;
  // Walk the destination along its unit-stride direction: rows when its columns are adjacent.
  const bool by_rows = destination.column_stride == 1;
  const int64_t lines = by_rows ? rows : columns;
  const int64_t length = by_rows ? columns : rows;
  const int64_t source_line = by_rows ? source.row_stride : source.column_stride;
  const int64_t source_step = by_rows ? source.column_stride : source.row_stride;
  const int64_t destination_line = by_rows ? destination.row_stride : destination.column_stride;
  const int64_t destination_step = by_rows ? 1 : destination.row_stride;
  // The elements of `line` inside `part`: (i, j) is in the lower triangle when j <= i.
  const bool lower_prefix = (part == Part::kLower) == by_rows;
  const auto line_range = [&](int64_t line, int64_t& first, int64_t& last) {
    first = 0;
    last = length;
    if (part == Part::kAll) return;
    if (lower_prefix) {
      last = std::min(length, line + 1);
    } else {
      first = std::min(length, line);
    }
  };
  if (source_step == 1 || lines <= kTile || length <= kTile) {
    for (int64_t line = 0; line < lines; ++line) {
      int64_t first = 0;
      int64_t last = 0;
      line_range(line, first, last);
      probe |= copy_run(source.data + line * source_line + first * source_step, source_step,
                        destination.data + line * destination_line + first * destination_step,
                        destination_step, last - first);
    }
    return probe_is_finite<T>(probe);
  }
  // A transposing copy: small square tiles keep both the rows read and the rows written in L1.
  for (int64_t line_tile = 0; line_tile < lines; line_tile += kTile) {
    const int64_t line_end = std::min(lines, line_tile + kTile);
    for (int64_t start = 0; start < length; start += kTile) {
      const int64_t end = std::min(length, start + kTile);
      for (int64_t line = line_tile; line < line_end; ++line) {
        int64_t first = 0;
        int64_t last = 0;
        line_range(line, first, last);
        first = std::max(first, start);
        last = std::min(last, end);
        if (first >= last) continue;
        probe |= copy_run(source.data + line * source_line + first * source_step, source_step,
                          destination.data + line * destination_line + first * destination_step,
                          destination_step, last - first);
      }
    }
  }
  return probe_is_finite<T>(probe);
}

template <typename T>
void fill_identity(const MatrixView<T>& destination) {
  for (int64_t i = 0; i < destination.rows; ++i) {
    for (int64_t j = 0; j < destination.columns; ++j) {
      destination.data[i * destination.row_stride + j * destination.column_stride] =
          i == j ? T{1} : T{0};
    }
  }
}

template <typename T>
void zero_triangle(T* data, int64_t n, bool upper) {
  for (int64_t i = 0; i < n; ++i) {
    T* row = data + i * n;
    if (upper) {
      std::fill(row + i + 1, row + n, T{0});
    } else {
      std::fill(row, row + i, T{0});
    }
  }
}

template <typename T>
void transpose_square(T* data, int64_t n, int64_t leading) {
  // Tile pairs (row tile, column tile) on or above the diagonal; each element pair swaps once.
  // Both tiles of a pair are walked with a large stride, so they are kept at one cache line wide.
  constexpr int64_t kSwapTile = 64 / static_cast<int64_t>(sizeof(T));
  for (int64_t row_tile = 0; row_tile < n; row_tile += kSwapTile) {
    for (int64_t column_tile = row_tile; column_tile < n; column_tile += kSwapTile) {
      const int64_t row_end = std::min(n, row_tile + kSwapTile);
      const int64_t column_end = std::min(n, column_tile + kSwapTile);
      for (int64_t i = row_tile; i < row_end; ++i) {
        for (int64_t j = std::max(column_tile, i + 1); j < column_end; ++j) {
          std::swap(data[i * leading + j], data[j * leading + i]);
        }
      }
    }
  }
}

template bool copy_matrix<float>(const MatrixView<const float>&, const MatrixView<float>&, Part);
template bool copy_matrix<double>(const MatrixView<const double>&, const MatrixView<double>&, Part);
template void fill_identity<float>(const MatrixView<float>&);
template void fill_identity<double>(const MatrixView<double>&);
template void zero_triangle<float>(float*, int64_t, bool);
template void zero_triangle<double>(double*, int64_t, bool);
template void transpose_square<float>(float*, int64_t, int64_t);
template void transpose_square<double>(double*, int64_t, int64_t);

MatrixBatch::MatrixBatch(const Tensor& matrices)
    : batch_(batch_shape(matrices)),
      data_(matrices.data()),
      rows_(matrices.size(-2)),
      columns_(matrices.size(-1)),
      row_stride_(matrices.strides()[matrices.rank() - 2]),
      column_stride_(matrices.strides()[matrices.rank() - 1]) {
  batch_strides_ = Shape(std::span<const int64_t>(matrices.strides().begin(), matrices.rank() - 2));
  count_ = checked_numel(batch_);
}

int64_t MatrixBatch::offset(int64_t index) const noexcept {
  int64_t offset = 0;
  for (int d = batch_.rank() - 1; d >= 0; --d) {
    offset += (index % batch_[d]) * batch_strides_[d];
    index /= batch_[d];
  }
  return offset;
}

void for_each_matrix(int64_t count, double work, Concurrency concurrency,
                     const std::function<void(int64_t begin, int64_t end)>& body) {
  if (count <= 0) return;
  const int threads = num_threads();
  const double least_work = concurrency == Concurrency::kContended ? kContendedParallelWork : 0.0;
  const bool calls_blas = concurrency != Concurrency::kLockFree;
  if (count > 1 && threads > 1 && work >= least_work &&
      (work <= kSmallMatrixWork || count >= threads)) {
    // Our threads each take whole matrices; BLAS threads inside them would only oversubscribe.
    if (calls_blas) blas_set_num_threads(1);
    const auto grain =
        static_cast<int64_t>(std::max(1.0, kParallelGrainWork / std::max(work, 1.0)));
    parallel_for(0, count, grain, body);
    return;
  }
  // One after the other: large matrices get BLAS threads; small ones (a kContended batch, or a
  // single small matrix) only pay thread start-up and synchronisation for them.
  if (calls_blas) blas_set_num_threads(work <= kSmallMatrixWork ? 1 : threads);
  body(0, count);
}

std::string matrix_label(int64_t index, int64_t count) {
  if (count <= 1) return "";
  return fmt::format(" (matrix {} of the batch)", index);
}

void raise_non_finite(const char* op, const Tensor& input, const char* name, int64_t index,
                      int64_t count) {
  raise(ErrorKind::kInvalidArgument, "{}: {} {} contains NaN or Inf{}; the input must be finite",
        op, name, describe(input), matrix_label(index, count));
}

void raise_singular(const char* op, const Tensor& a, int info, int64_t index, int64_t count) {
  raise(ErrorKind::kInvalidArgument,
        "{}: a {} is singular: pivot {} of its LU factorisation is exactly zero{}", op, describe(a),
        info - 1, matrix_label(index, count));
}

void raise_lapack_argument(const char* op, const char* routine, int info) {
  raise(ErrorKind::kInternal,
        "{}: LAPACK {} rejected argument {} (info {}); this is a bug in bitnet-core", op, routine,
        -info, info);
}

}  // namespace bitnet::linalg::detail

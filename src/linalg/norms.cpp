// Vector and matrix norms and condition numbers. Sums run in f64 and the Euclidean norm divides by
// the largest magnitude first (as LAPACK's ?nrm2 and ?lassq avoid overflow), so a result overflows
// only when the norm itself does. The 2-norm and nuclear norm of matrices come from the singular
// values; cond in other norms from the inverse.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "bitnet/linalg.h"
#include "bitnet/parallel.h"
#include "core/raise.h"
#include "linalg/inverse.h"
#include "linalg/matrix_batch.h"
#include "linalg/svd.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::MatrixBatch;

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Elements per parallel chunk below which threads cost more than they save.
constexpr int64_t kParallelGrain = 16384;

void check_floating(const char* op, const Tensor& x, const char* name) {
  if (!x.defined()) raise(ErrorKind::kInvalidArgument, "{}: {} is undefined", op, name);
  if (x.dtype() != DType::kF32 && x.dtype() != DType::kF64) {
    raise(ErrorKind::kDTypeMismatch, "{}: {} is {}; norms need f32 or f64 (cast first)", op, name,
          detail::describe(x));
  }
}

// The ord-norm of `count` contiguous values; NaN anywhere gives NaN.
template <typename T>
double vector_norm_of(const T* values, int64_t count, double ord) {
  double largest = 0.0;
  double smallest = kInfinity;
  bool has_nan = false;
  for (int64_t i = 0; i < count; ++i) {
    const double magnitude = std::fabs(static_cast<double>(values[i]));
    has_nan |= std::isnan(magnitude);
    largest = std::max(largest, magnitude);
    smallest = std::min(smallest, magnitude);
  }
  if (has_nan) return kNaN;
  if (ord == kInfinity) return largest;
  if (ord == -kInfinity) return smallest;
  if (ord == 0.0) {
    return static_cast<double>(std::count_if(values, values + count, [](T v) { return v != 0; }));
  }
  if (ord > 0.0 && (largest == 0.0 || largest == kInfinity)) return largest;
  if (ord == 1.0) {
    double sum = 0.0;
    for (int64_t i = 0; i < count; ++i) sum += std::fabs(static_cast<double>(values[i]));
    return sum;
  }
  if (ord > 0.0) {
    // largest * (sum (|x| / largest)^ord)^(1/ord): every term is at most 1.
    double sum = 0.0;
    for (int64_t i = 0; i < count; ++i) {
      const double scaled = std::fabs(static_cast<double>(values[i])) / largest;
      sum += ord == 2.0 ? scaled * scaled : std::pow(scaled, ord);
    }
    return largest * (ord == 2.0 ? std::sqrt(sum) : std::pow(sum, 1.0 / ord));
  }
  // Negative orders are dominated by the smallest magnitudes; a zero gives a zero norm.
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    sum += std::pow(std::fabs(static_cast<double>(values[i])), ord);
  }
  return std::pow(sum, 1.0 / ord);
}

// max that keeps NaN, for the column and row sums of matrix norms.
double nan_max(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::max(a, b);
}

// The largest column sum (kOne) or row sum (kInf) of |a| for each matrix.
template <typename T>
void absolute_sum_norms(const Tensor& a, bool columns, T* out) {
  const MatrixBatch batch(a);
  const int64_t lines = columns ? batch.columns() : batch.rows();
  const int64_t length = columns ? batch.rows() : batch.columns();
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, lines * length));
  parallel_for(0, batch.count(), grain, [&](int64_t begin, int64_t end) {
    std::vector<double> sums(static_cast<size_t>(lines));
    for (int64_t index = begin; index < end; ++index) {
      const detail::MatrixView<const T> matrix = batch.matrix<T>(index);
      std::fill(sums.begin(), sums.end(), 0.0);
      for (int64_t i = 0; i < matrix.rows; ++i) {
        for (int64_t j = 0; j < matrix.columns; ++j) {
          const double magnitude = std::fabs(
              static_cast<double>(matrix.data[i * matrix.row_stride + j * matrix.column_stride]));
          sums[static_cast<size_t>(columns ? j : i)] += magnitude;
        }
      }
      double largest = 0.0;
      for (const double sum : sums) largest = nan_max(largest, sum);
      out[index] = static_cast<T>(largest);
    }
  });
}

// Reduces the last axis of s ([..., k], singular values in descending order) into `count` values:
// the largest (kTwo) or the sum (kNuclear). An empty matrix gives 0.
template <typename T>
void singular_value_norms(const Tensor& s, int64_t count, bool nuclear, T* out) {
  const int64_t k = s.size(-1);
  const T* values = k > 0 ? s.data_as<T>() : nullptr;
  for (int64_t index = 0; index < count; ++index) {
    double result = 0.0;
    if (k > 0 && nuclear) {
      for (int64_t i = 0; i < k; ++i) result += values[index * k + i];
    } else if (k > 0) {
      result = values[index * k];
    }
    out[index] = static_cast<T>(result);
  }
}

Shape keep_dims(const Shape& batch, bool keepdim) {
  return keepdim ? detail::append(batch, {1, 1}) : batch;
}

}  // namespace

Tensor vector_norm(const Tensor& x, double ord, const std::vector<int64_t>& axes, bool keepdim) {
  check_floating("vector_norm", x, "x");
  if (std::isnan(ord)) raise(ErrorKind::kInvalidArgument, "vector_norm: ord is NaN");
  const int rank = x.rank();
  std::vector<bool> reduced(static_cast<size_t>(rank), axes.empty());
  for (const int64_t axis : axes) {
    const int normalized = normalize_axis(axis, rank, "vector_norm");
    if (reduced[static_cast<size_t>(normalized)]) {
      raise(ErrorKind::kInvalidArgument, "vector_norm: axis {} is listed twice for x {}", axis,
            detail::describe(x));
    }
    reduced[static_cast<size_t>(normalized)] = true;
  }
  // Kept axes first, reduced ones last, so that each norm reads one contiguous run.
  std::vector<int64_t> order;
  Shape out_shape;
  int64_t inner = 1;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[static_cast<size_t>(d)]) {
      order.push_back(d);
      out_shape.push_back(x.size(d));
    } else if (keepdim) {
      out_shape.push_back(1);
    }
  }
  for (int d = 0; d < rank; ++d) {
    if (reduced[static_cast<size_t>(d)]) {
      order.push_back(d);
      inner *= x.size(d);
    }
  }
  Tensor out = allocate_tensor(out_shape, x.dtype());
  const int64_t outer = out.numel();
  if (outer == 0) return out;
  const Tensor values = x.permute(order).contiguous();
  detail::dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* data = values.data_as<T>();
    T* out_data = out.data_as<T>();
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, inner));
    parallel_for(0, outer, grain, [&](int64_t begin, int64_t end) {
      for (int64_t index = begin; index < end; ++index) {
        out_data[index] = static_cast<T>(vector_norm_of(data + index * inner, inner, ord));
      }
    });
  });
  return out;
}

Tensor matrix_norm(const Tensor& a, NormOrder ord, bool keepdim) {
  check_floating("matrix_norm", a, "a");
  if (a.rank() < 2) {
    raise(ErrorKind::kShapeMismatch,
          "matrix_norm: a is {}; expected a matrix or a batch of matrices [..., m, n]",
          detail::describe(a));
  }
  if (ord == NormOrder::kFrobenius) return vector_norm(a, 2.0, {-2, -1}, keepdim);
  const Shape batch = detail::batch_shape(a);
  Tensor out = allocate_tensor(keep_dims(batch, keepdim), a.dtype());
  if (out.numel() == 0) return out;
  Tensor singular;
  if (ord == NormOrder::kTwo || ord == NormOrder::kNuclear) {
    detail::check_matrices("matrix_norm", a);
    singular = detail::singular_values("matrix_norm", a);
  }
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out_data = out.data_as<T>();
    switch (ord) {
      case NormOrder::kOne:
      case NormOrder::kInf:
        absolute_sum_norms<T>(a, ord == NormOrder::kOne, out_data);
        break;
      case NormOrder::kTwo:
      case NormOrder::kNuclear:
        singular_value_norms<T>(singular, out.numel(), ord == NormOrder::kNuclear, out_data);
        break;
      case NormOrder::kFrobenius:
        break;
    }
  });
  return out;
}

Tensor norm(const Tensor& x, std::optional<NormOrder> ord) {
  check_floating("norm", x, "x");
  if (!ord) return vector_norm(x, 2.0);
  if (x.rank() >= 2) return matrix_norm(x, *ord);
  if (x.rank() == 0) {
    raise(ErrorKind::kShapeMismatch, "norm: x is {}; a norm order needs a vector or matrices",
          detail::describe(x));
  }
  switch (*ord) {
    case NormOrder::kOne:
      return vector_norm(x, 1.0);
    case NormOrder::kTwo:
      return vector_norm(x, 2.0);
    case NormOrder::kInf:
      return vector_norm(x, kInfinity);
    case NormOrder::kFrobenius:
    case NormOrder::kNuclear:
      break;
  }
  raise(ErrorKind::kInvalidArgument, "norm: the {} norm needs matrices; x is {}",
        *ord == NormOrder::kFrobenius ? "Frobenius" : "nuclear", detail::describe(x));
}

Tensor cond(const Tensor& a, NormOrder ord) {
  if (ord == NormOrder::kTwo) {
    detail::check_matrices("cond", a);
  } else {
    detail::check_square("cond", a);
  }
  const Shape batch = detail::batch_shape(a);
  Tensor out = allocate_tensor(batch, a.dtype());
  if (out.numel() == 0) return out;
  if (ord == NormOrder::kTwo) {
    // s_max / s_min; a zero s_min (rank deficiency) gives Inf, an empty matrix 0.
    const Tensor s = detail::singular_values("cond", a);
    detail::dispatch_float(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* values = s.data_as<T>();
      T* out_data = out.data_as<T>();
      const int64_t k = s.size(-1);
      for (int64_t index = 0; index < out.numel(); ++index) {
        const double largest = k > 0 ? values[index * k] : 0.0;
        const double smallest = k > 0 ? values[index * k + k - 1] : 0.0;
        out_data[index] =
            static_cast<T>(k == 0 ? 0.0 : (smallest == 0.0 ? kInfinity : largest / smallest));
      }
    });
    return out;
  }
  std::vector<uint8_t> singular;
  const Tensor inverse = detail::inverse_matrices("cond", a, &singular);
  const Tensor a_norm = matrix_norm(a, ord);
  const Tensor inverse_norm = matrix_norm(inverse, ord);
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a_values = a_norm.data_as<T>();
    const T* inverse_values = inverse_norm.data_as<T>();
    T* out_data = out.data_as<T>();
    for (int64_t index = 0; index < out.numel(); ++index) {
      out_data[index] = singular[static_cast<size_t>(index)]
                            ? std::numeric_limits<T>::infinity()
                            : static_cast<T>(static_cast<double>(a_values[index]) *
                                             static_cast<double>(inverse_values[index]));
    }
  });
  return out;
}

}  // namespace bitnet::linalg

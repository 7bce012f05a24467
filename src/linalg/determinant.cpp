// det and slogdet from the LU factorisation (LAPACK ?getrf): det(a) = det(P) prod U[i,i]. The
// row-major copy of a reads column-major as a^T, which has the same determinant. Matrices up to
// kSmallLuOrder go through our own small_lu() instead, which takes no lock (OpenBLAS's ?getrf
// does), so that a batch of them spreads over the threads.
#include <algorithm>
#include <cmath>
#include <limits>

#include "bitnet/linalg.h"
#include "core/raise.h"
#include "linalg/lapack_adapter.h"
#include "linalg/matrix_batch.h"
#include "linalg/small_lu.h"
#include "tensor/copy.h"

namespace bitnet::linalg {
namespace {

using detail::MatrixBatch;
using detail::row_major;

// det = sign * mantissa * 2^exponent, with log |det| alongside; sign 0 for a singular matrix.
struct Determinant {
  double sign = 1.0;
  double mantissa = 1.0;
  int64_t exponent = 0;
  double log_abs = 0.0;
};

// Calls store(index, determinant) for every matrix of a (square, checked by the caller).
template <typename T, typename Store>
void determinants(const char* op, const Tensor& a, Store store) {
  const MatrixBatch batch(a);
  const int64_t n = batch.rows();
  const int64_t leading = std::max<int64_t>(1, n);
  const bool small = n <= detail::kSmallLuOrder;
  detail::for_each_matrix(
      batch.count(), static_cast<double>(n) * n * n,
      small ? detail::Concurrency::kLockFree : detail::Concurrency::kContended,
      [&](int64_t begin, int64_t end) {
        const auto buffer = detail::scratch<T>(n * n);
        const auto pivots = detail::scratch<lapack::LapackInt>(small ? 0 : n);
        const auto small_pivots = detail::scratch<int64_t>(small ? n : 0);
        for (int64_t index = begin; index < end; ++index) {
          if (!detail::copy_matrix(batch.matrix<T>(index),
                                   row_major(buffer.get(), n, n, leading))) {
            detail::raise_non_finite(op, a, "a", index, batch.count());
          }
          int info = 0;
          if (small) {
            info = detail::small_lu<T>(buffer.get(), n, n, leading, small_pivots.get());
          } else {
            info = lapack::getrf<T>(n, n, buffer.get(), leading, pivots.get());
            if (info < 0) detail::raise_lapack_argument(op, "?getrf", info);
          }
          Determinant result;
          if (info > 0) {
            result.sign = 0.0;
            result.mantissa = 0.0;
            result.log_abs = -std::numeric_limits<double>::infinity();
            store(index, result);
            continue;
          }
          for (int64_t i = 0; i < n; ++i) {
            const double diagonal = buffer[i + i * leading];
            // small_lu's pivots are 0-based, LAPACK's 1-based.
            const bool swapped = small ? small_pivots[i] != i : pivots[i] != i + 1;
            if (swapped) result.sign = -result.sign;
            if (diagonal < 0) result.sign = -result.sign;
            // Multiplying fractions in [0.5, 1) and adding exponents apart keeps the running
            // product from overflowing or underflowing before the end.
            int exponent = 0;
            result.mantissa *= std::frexp(std::fabs(diagonal), &exponent);
            result.exponent += exponent;
            result.mantissa = std::frexp(result.mantissa, &exponent);
            result.exponent += exponent;
            result.log_abs += std::log(std::fabs(diagonal));
          }
          store(index, result);
        }
      });
}

// The exponent range past which ldexp saturates to Inf or 0 in every dtype.
constexpr int64_t kExponentLimit = 4096;

}  // namespace

Tensor det(const Tensor& a) {
  detail::check_square("det", a);
  Tensor out = allocate_tensor(detail::batch_shape(a), a.dtype());
  if (out.numel() == 0) return out;
  if (a.size(-1) == 0) {
    // The empty product: det of a 0 x 0 matrix is 1.
    out.copy_from(Tensor::ones({}, a.dtype()));
    return out;
  }
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out_data = out.data_as<T>();
    determinants<T>("det", a, [&](int64_t index, const Determinant& determinant) {
      const auto exponent =
          static_cast<int>(std::clamp(determinant.exponent, -kExponentLimit, kExponentLimit));
      out_data[index] =
          static_cast<T>(determinant.sign * std::ldexp(determinant.mantissa, exponent));
    });
  });
  return out;
}

SlogdetResult slogdet(const Tensor& a) {
  detail::check_square("slogdet", a);
  const Shape batch = detail::batch_shape(a);
  SlogdetResult result;
  result.sign = allocate_tensor(batch, a.dtype());
  result.logabsdet = allocate_tensor(batch, a.dtype());
  if (result.sign.numel() == 0) return result;
  if (a.size(-1) == 0) {
    result.sign.copy_from(Tensor::ones({}, a.dtype()));
    result.logabsdet.copy_from(Tensor::zeros({}, a.dtype()));
    return result;
  }
  detail::dispatch_float(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* sign_data = result.sign.data_as<T>();
    T* log_data = result.logabsdet.data_as<T>();
    determinants<T>("slogdet", a, [&](int64_t index, const Determinant& determinant) {
      sign_data[index] = static_cast<T>(determinant.sign);
      log_data[index] = static_cast<T>(determinant.log_abs);
    });
  });
  return result;
}

}  // namespace bitnet::linalg

// linalg::det and slogdet against a long double Gaussian elimination written here: the relative
// error of det divided by n cond_1(A) eps stays below 30 over 100 random matrices per size (fewer
// at 200 and 257), f32 and f64, in batches; exact determinants of diagonal and triangular
// matrices; slogdet where det overflows; intermediate products that would overflow; singular and
// empty matrices; errors by message. Every order of the small LU kernels (linalg/small_lu.h) and
// just past them, in batches of 50, with one exactly singular matrix among them.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bitnet/bitnet.h"
#include "linalg/small_lu.h"
#include "support/linalg_reference.h"
#include "support/linalg_test_support.h"
#include "support/test_support.h"

namespace bitnet {
namespace {

using namespace testing::linalg_reference;

// |computed - exact| / (|exact| n cond_1 eps): a backward-stable LU moves log|det| by at most
// about n cond eps (first-order perturbation of det).
double determinant_ratio(double computed, long double exact, const Matrix& a, double condition,
                         DType dtype) {
  const auto error =
      static_cast<double>(std::fabs(static_cast<long double>(computed) - exact) / std::fabs(exact));
  return error / (static_cast<double>(a.rows) * condition * epsilon(dtype));
}

// det and slogdet of a batch of n x n matrices against the long double reference; a matrix the
// reference finds singular must give det 0, sign 0 and logabsdet -Inf.
void check_determinants(const std::vector<Matrix>& a, int64_t n, DType dtype, WorstRatio& worst) {
  const Tensor input = stack(a, n, n, dtype);
  const Tensor det = linalg::det(input);
  const linalg::SlogdetResult slogdet = linalg::slogdet(input);
  ASSERT_EQ(det.shape(), Shape({static_cast<int64_t>(a.size())}));
  ASSERT_EQ(det.dtype(), dtype);
  const std::vector<double> dets = elements(det);
  const std::vector<double> signs = elements(slogdet.sign);
  const std::vector<double> logs = elements(slogdet.logabsdet);
  for (size_t index = 0; index < a.size(); ++index) {
    SCOPED_TRACE("matrix " + std::to_string(index));
    if (n == 0) {
      EXPECT_EQ(dets[index], 1.0);
      EXPECT_EQ(signs[index], 1.0);
      EXPECT_EQ(logs[index], 0.0);
      continue;
    }
    long double exact = 0;
    (void)reference_solve(a[index], Matrix(n, 0), &exact);
    if (exact == 0.0L) {
      EXPECT_EQ(dets[index], 0.0);
      EXPECT_EQ(signs[index], 0.0);
      EXPECT_EQ(logs[index], -std::numeric_limits<double>::infinity());
      continue;
    }
    // Random f32 matrices of order 200 and more have determinants past f32's range.
    const bool representable =
        std::fabs(exact) < static_cast<long double>(dtype == DType::kF32
                                                        ? std::numeric_limits<float>::max()
                                                        : std::numeric_limits<double>::max()) &&
        std::fabs(exact) > static_cast<long double>(dtype == DType::kF32
                                                        ? std::numeric_limits<float>::min()
                                                        : std::numeric_limits<double>::min());
    const double condition = one_norm(a[index]) * one_norm(reference_inverse(a[index]));
    if (representable) {
      const double ratio = determinant_ratio(dets[index], exact, a[index], condition, dtype);
      worst.record(ratio);
      EXPECT_LT(ratio, kThreshold) << "det " << dets[index] << " vs " << (double)exact;
    }
    EXPECT_EQ(signs[index], exact > 0 ? 1.0 : -1.0);
    // log|det| has an absolute error of about the relative error of det.
    const double log_error =
        std::fabs(logs[index] - static_cast<double>(std::log(std::fabs(exact))));
    const double log_ratio = log_error / (static_cast<double>(n) * condition * epsilon(dtype));
    worst.record(log_ratio);
    EXPECT_LT(log_ratio, kThreshold) << "logabsdet";
  }
}

TEST(LinalgDeterminant, RandomMatricesOfEverySize) {
  WorstRatio worst("det/slogdet random");
  for_each_random_size([&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
    check_determinants(random_batch(count, n, n, dtype, engine), n, dtype, worst);
  });
}

// Orders up to kSmallLuOrder go through our own small_lu(), split over the threads; the next ones
// through LAPACK. Matrix 23 of each batch has a zero column: exactly singular.
TEST(LinalgDeterminant, EveryOrderOfTheSmallKernelsInBatches) {
  WorstRatio worst("det/slogdet small orders");
  for_each_order(two_seeds(), 0, linalg::detail::kSmallLuOrder + 2, 50,
                 [&](int64_t n, int64_t count, DType dtype, std::mt19937_64& engine) {
                   std::vector<Matrix> a = random_batch(count, n, n, dtype, engine);
                   for (int64_t i = 0; i < n; ++i) a[23](i, n / 2) = 0.0;
                   check_determinants(a, n, dtype, worst);
                 });
}

TEST(LinalgDeterminant, DiagonalAndTriangularMatricesGiveTheProductOfTheDiagonal) {
  std::mt19937_64 engine(51);
  for (const MatrixType type :
       {MatrixType::kDiagonal, MatrixType::kUpperTriangular, MatrixType::kLowerTriangular}) {
    for (const DType dtype : kDTypes) {
      for (const int64_t n : {1, 2, 3, 5, 10, 17}) {
        SCOPED_TRACE(fmt::format("{} n={} {}", type_name(type), n, dtype_name(dtype)));
        const Matrix a = general_matrix(type, n, n, dtype, engine);
        long double product = 1.0L;
        for (int64_t i = 0; i < n; ++i) product *= a(i, i);
        const double det = linalg::det(to_tensor(a, dtype)).item();
        // n roundings of a product in the working precision.
        EXPECT_LE(std::fabs(static_cast<long double>(det) - product),
                  static_cast<long double>(n * epsilon(dtype)) * std::fabs(product));
      }
    }
  }
}

TEST(LinalgDeterminant, LargeAndSmallDeterminants) {
  // Intermediate products that overflow if multiplied in order: det = 1e100.
  const Tensor wide_range =
      Tensor::from_vector(std::vector<double>{1e200, 0, 0, 0, 1e200, 0, 0, 0, 1e-300}, {3, 3});
  EXPECT_NEAR(linalg::det(wide_range).item() / 1e100, 1.0, 1e-15);
  // det of 2^600 I_2 overflows double; slogdet stays finite.
  const Tensor huge = Tensor::from_vector(
      std::vector<double>{std::ldexp(1.0, 600), 0, 0, std::ldexp(1.0, 600)}, {2, 2});
  EXPECT_EQ(linalg::det(huge).item(), std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(linalg::slogdet(huge).logabsdet.item(), 1200 * std::log(2.0));
  // Tiny determinants underflow gracefully: det(2^-600 I_2) = 0, slogdet finite.
  const Tensor tiny = Tensor::from_vector(
      std::vector<double>{std::ldexp(1.0, -600), 0, 0, std::ldexp(1.0, -600)}, {2, 2});
  EXPECT_EQ(linalg::det(tiny).item(), 0.0);
  EXPECT_DOUBLE_EQ(linalg::slogdet(tiny).logabsdet.item(), -1200 * std::log(2.0));
  // A swap flips the sign: det([[0, 1], [1, 0]]) = -1.
  for (const DType dtype : kDTypes) {
    const Tensor swap = Tensor::from_vector(std::vector<double>{0, 1, 1, 0}, {2, 2}).to(dtype);
    EXPECT_EQ(linalg::det(swap).item(), -1.0);
    EXPECT_EQ(linalg::slogdet(swap).sign.item(), -1.0);
    EXPECT_EQ(linalg::slogdet(swap).logabsdet.item(), 0.0);
  }
}

TEST(LinalgDeterminant, SingularEmptyAndBatchedMatrices) {
  const Tensor singular = Tensor::from_vector(std::vector<double>{1, 2, 2, 4}, {2, 2});
  EXPECT_EQ(linalg::det(singular).item(), 0.0);
  EXPECT_EQ(linalg::slogdet(singular).sign.item(), 0.0);
  EXPECT_EQ(linalg::slogdet(singular).logabsdet.item(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(linalg::det(Tensor::zeros({0, 0}, DType::kF32)).item(), 1.0);
  EXPECT_EQ(linalg::det(Tensor::zeros({4, 0, 0}, DType::kF32)).shape(), Shape({4}));
  EXPECT_EQ(linalg::det(Tensor::zeros({0, 3, 3}, DType::kF32)).shape(), Shape({0}));
  // A [2, 3] batch, strided: each entry is the determinant of its own matrix.
  const Tensor a = testing::random_tensor({2, 3, 4, 4}, DType::kF64, 2, "strided");
  const Tensor det = linalg::det(a);
  ASSERT_EQ(det.shape(), Shape({2, 3}));
  testing::expect_same_values(elements(det), elements(linalg::det(a.contiguous())), "strided");
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      EXPECT_EQ(elements(det)[static_cast<size_t>(i * 3 + j)],
                linalg::det(a.select(0, i).select(0, j)).item());
    }
  }
}

TEST(LinalgDeterminant, ErrorsNameTheProblem) {
  EXPECT_BITNET_ERROR(linalg::det(Tensor::ones({2, 3}, DType::kF64)),
                      "det: a is [2,3] f64; expected square matrices, got 2 x 3");
  EXPECT_BITNET_ERROR(linalg::slogdet(Tensor::ones({3}, DType::kF64)),
                      "slogdet: a is [3] f64; expected a matrix");
  Tensor with_nan = Tensor::ones({2, 2}, DType::kF64).contiguous();
  with_nan.data_as<double>()[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_BITNET_ERROR(linalg::det(with_nan), "det: a [2,2] f64 contains NaN or Inf");
  EXPECT_BITNET_ERROR(linalg::slogdet(with_nan), "slogdet: a [2,2] f64 contains NaN or Inf");
}

}  // namespace
}  // namespace bitnet

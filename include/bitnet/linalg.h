// Linear algebra on CPU through LAPACK: decompositions, solvers, determinants, norms.
//
// Common rules:
// - Inputs are f32 or f64 tensors of matrices [..., m, n]: leading dimensions are a batch, each
//   matrix is handled on its own and results carry the same batch dimensions. Other dtypes are
//   refused (cast first). Any strides are accepted; each matrix is copied once to the layout LAPACK
//   needs.
// - Results are fresh contiguous tensors of the input's dtype (never views of the input).
// - Threads: a batch of small matrices is spread over num_threads() with OpenBLAS on one thread
//   inside each call; large matrices run one at a time with OpenBLAS on num_threads() threads.
//   (OpenBLAS's thread count is process-wide; each call sets it.)
// - Matrices up to 16 x 16 in cholesky, lu, lu_solve, solve, inverse, det and slogdet go through
//   small unblocked kernels of our own (LAPACK's ?potf2 and ?getf2 algorithms and pivot rule, the
//   same kinds of error) instead of OpenBLAS, whose ?potrf and ?getrf calls serialise on a lock: a
//   batch of them then spreads over the threads. A singular matrix's message names the zero pivot
//   of the factorisation that ran: of a itself up to order 16, of a^T above it in inverse.
// - Decompositions and solvers refuse NaN and Inf with an error naming the op and the matrix;
//   norms propagate them (see vector_norm, matrix_norm).
// - Errors are bitnet::Error with the op, shapes and dtype in the message: kShapeMismatch for a
//   non-square matrix where a square one is needed; kInvalidArgument for a matrix that is not
//   positive definite (naming the failing leading minor), a singular matrix in solve, lu_solve or
//   inverse, or non-finite input; kUnsupported when LAPACK does not converge or a matrix exceeds
//   its 32-bit indexing.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bitnet/tensor.h"

namespace bitnet::linalg {

// ---- QR ---------------------------------------------------------------------------------------
enum class QrMode {
  kReduced,   // q [..., m, k], r [..., k, n] with k = min(m, n)
  kComplete,  // q [..., m, m], r [..., m, n]
};

struct QrResult {
  Tensor q;  // orthonormal columns
  Tensor r;  // upper triangular (trapezoidal when m < n)
};

// a = q r by Householder reflections (LAPACK ?geqrf, ?orgqr). The diagonal of r may be negative.
[[nodiscard]] QrResult qr(const Tensor& a, QrMode mode = QrMode::kReduced);

// ---- Cholesky ---------------------------------------------------------------------------------
enum class Triangle { kLower, kUpper };

// For symmetric positive definite a: l with a = l l^T (kLower) or u with a = u^T u (kUpper); the
// other triangle of the result is zero. Reads only the named triangle of a (the other is taken to
// mirror it and may hold anything). Throws naming the order of the first leading minor that is not
// positive definite.
[[nodiscard]] Tensor cholesky(const Tensor& a, Triangle triangle = Triangle::kLower);

// ---- singular value decomposition -------------------------------------------------------------
enum class SvdMode {
  kThin,  // u [..., m, k], vh [..., k, n] with k = min(m, n)
  kFull,  // u [..., m, m], vh [..., n, n]
};

struct SvdResult {
  Tensor u;   // left singular vectors (columns)
  Tensor s;   // [..., k] singular values, non-negative, in descending order
  Tensor vh;  // right singular vectors, transposed (rows)
};

// a = u diag(s) vh by divide and conquer (LAPACK ?gesdd).
[[nodiscard]] SvdResult svd(const Tensor& a, SvdMode mode = SvdMode::kThin);
// The singular values alone, [..., min(m, n)], descending: cheaper than svd().
[[nodiscard]] Tensor svdvals(const Tensor& a);

// ---- LU, solve, inverse, determinant ----------------------------------------------------------
struct LuResult {
  // [..., m, n]: L below the diagonal (its unit diagonal not stored) and U on and above it.
  Tensor lu;
  // [..., min(m, n)] i64, 0-based: during the factorisation row i was swapped with row pivots[i],
  // for i = 0, 1, ... in order (LAPACK's ipiv minus one).
  Tensor pivots;
};

// P a = L U with partial pivoting (LAPACK ?getrf). Any m x n; a singular matrix is factorised
// without error (U then has a zero on its diagonal).
[[nodiscard]] LuResult lu(const Tensor& a);

// Solves a x = b for square a. b is a vector [n] (then x is [..., n]) or matrices [..., n, k]
// (then x is [..., n, k]); batch dimensions of a and b broadcast. Throws for a singular a (an
// exactly zero pivot).
[[nodiscard]] Tensor solve(const Tensor& a, const Tensor& b);
// solve() with the factors of lu(a) for square a; b as in solve(). Throws when U is singular or a
// pivot is out of range.
[[nodiscard]] Tensor lu_solve(const LuResult& factors, const Tensor& b);

// The inverse of square a (LAPACK ?getrf, ?getri); throws for a singular matrix.
[[nodiscard]] Tensor inverse(const Tensor& a);

// det(a) for square a, [...]: 0 for a singular matrix, 1 for 0 x 0. Intermediate products are
// rescaled, so only a determinant outside the dtype's range overflows or underflows.
[[nodiscard]] Tensor det(const Tensor& a);

struct SlogdetResult {
  Tensor sign;       // [...]: -1, 0 or 1
  Tensor logabsdet;  // [...]: log |det(a)|, -Inf for a singular matrix
};
// det(a) = sign * exp(logabsdet), without overflow for large matrices.
[[nodiscard]] SlogdetResult slogdet(const Tensor& a);

// ---- symmetric eigenproblem -------------------------------------------------------------------
struct EighResult {
  Tensor eigenvalues;   // [..., n], ascending
  Tensor eigenvectors;  // [..., n, n]: column j is the unit eigenvector of eigenvalues[j]
};

// Eigendecomposition of symmetric a (LAPACK ?syevd); uses only the named triangle of a (the other
// must still be finite).
[[nodiscard]] EighResult eigh(const Tensor& a, Triangle triangle = Triangle::kLower);
// The eigenvalues alone, ascending: cheaper than eigh().
[[nodiscard]] Tensor eigvalsh(const Tensor& a, Triangle triangle = Triangle::kLower);

// ---- least squares ----------------------------------------------------------------------------
struct LstsqResult {
  Tensor solution;  // [..., n] for a vector b [m], else [..., n, k]
  // Squared 2-norms of b - a x per column: the solution's shape without its n axis. Present only
  // when m > n and every matrix of the batch has full rank; otherwise an empty tensor [0].
  Tensor residuals;
  Tensor rank;             // [...] i64, the effective rank of each matrix
  Tensor singular_values;  // [..., min(m, n)], descending
};

// The minimum-norm x minimising ||b - a x||_2 for any m x n a, through the SVD (LAPACK ?gelsd).
// Singular values at most rcond * s_max count as zero; the default rcond is eps * max(m, n) (as
// NumPy). b and the batch dimensions as in solve().
[[nodiscard]] LstsqResult lstsq(const Tensor& a, const Tensor& b,
                                std::optional<double> rcond = std::nullopt);

// ---- norms and condition numbers --------------------------------------------------------------
enum class NormOrder {
  kFrobenius,  // sqrt of the sum of squares
  kNuclear,    // sum of singular values
  kOne,        // vectors: sum |x|; matrices: largest column sum of |a|
  kTwo,        // vectors: Euclidean; matrices: largest singular value
  kInf,        // vectors: max |x|; matrices: largest row sum of |a|
};

// (sum |x|^ord)^(1/ord) over `axes` (all when empty); ord may be any value, including Inf (max
// |x|), -Inf (min |x|) and 0 (count of non-zeros). Accumulates in f64 and rescales, so the result
// overflows only when the norm itself does. NaN propagates; Inf gives Inf (for ord > 0).
[[nodiscard]] Tensor vector_norm(const Tensor& x, double ord = 2.0,
                                 const std::vector<int64_t>& axes = {}, bool keepdim = false);
// A norm of each matrix over the last two axes. kFrobenius, kOne and kInf propagate NaN and Inf;
// kTwo and kNuclear go through the SVD and refuse them. An empty matrix has norm 0.
[[nodiscard]] Tensor matrix_norm(const Tensor& a, NormOrder ord = NormOrder::kFrobenius,
                                 bool keepdim = false);
// Without ord: the 2-norm of all elements (the Frobenius norm for matrices). With ord: for 1-D x
// the vector norm of that order (kFrobenius and kNuclear need a matrix), otherwise matrix_norm.
[[nodiscard]] Tensor norm(const Tensor& x, std::optional<NormOrder> ord = std::nullopt);

// The condition number ||a|| ||a^-1|| in the given norm, [...]. kTwo (any m x n): s_max / s_min
// from the SVD; the others need square a. A singular matrix gives Inf, an empty one 0.
[[nodiscard]] Tensor cond(const Tensor& a, NormOrder ord = NormOrder::kTwo);

}  // namespace bitnet::linalg

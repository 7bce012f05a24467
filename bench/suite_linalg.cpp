// Suite `linalg`: the bitnet::linalg front end against LAPACKE called directly on the same f64
// matrices. Row `bitnet` calls the public API as users do (row-major tensors in, fresh result
// tensors out, copies to LAPACK's layout and workspace queries included); row `lapacke` runs the
// same LAPACK routines on column-major copies made before timing, copying the input into a working
// buffer and letting the high-level LAPACKE call query and allocate its workspace, per matrix.
// Goals: bitnet within 10% of lapacke at n >= 256, and at least as fast on 1000 8x8 matrices
// (where lapacke is a loop of calls and bitnet spreads the batch over its threads; Cholesky and LU
// up to order 16 run on kernels of bitnet's own there, since OpenBLAS serialises concurrent calls
// of those routines: see Concurrency in linalg/matrix_batch.h).
// Solve cases have 16 right-hand sides, except solve_1000x8x8 (one per system).
#include <memory>
#include <string>
#include <vector>

#include "bench/lapacke_baseline.h"
#include "bench/suites.h"
#include "bitnet/bitnet.h"
#include "blas/blas.h"

namespace bitnet::bench {
namespace {

constexpr int64_t kRightHandSides = 16;  // columns of b in the solve cases, unless given
constexpr int64_t kBatch = 1000;         // matrices in the batched cases
constexpr int64_t kSmall = 8;            // their order

enum class Operation { kQr, kCholesky, kSvd, kSolve, kEigh };

// The inputs of one case in both layouts, and the baseline's preallocated buffers.
struct CaseData {
  int64_t count = 0;
  int64_t n = 0;
  int64_t rhs_columns = 0;        // solve: columns of b
  Tensor a;                       // [count, n, n] (count > 1) or [n, n], row-major
  Tensor b;                       // solve: [count, n, k] or [n, k]
  std::vector<double> a_columns;  // each matrix column-major, one after the other
  std::vector<double> b_columns;
  std::vector<double> scratch, tau, first, second, values;
  std::vector<int32_t> pivots;
};

// Column-major copies of the matrices of a contiguous [count, rows, columns] f64 tensor.
std::vector<double> column_major(const Tensor& matrices, int64_t count, int64_t rows,
                                 int64_t columns) {
  const double* values = matrices.data_as<double>();
  std::vector<double> result(static_cast<size_t>(count * rows * columns));
  for (int64_t index = 0; index < count; ++index) {
    const double* matrix = values + index * rows * columns;
    double* out = result.data() + index * rows * columns;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < columns; ++j) out[i + j * rows] = matrix[i * columns + j];
    }
  }
  return result;
}

std::shared_ptr<CaseData> make_data(Operation operation, int64_t count, int64_t n,
                                    int64_t rhs_columns) {
  auto data = std::make_shared<CaseData>();
  data->count = count;
  data->n = n;
  data->rhs_columns = rhs_columns;
  Tensor a = Tensor::uniform({count, n, n}, 11, -1.0, 1.0, DType::kF64);
  if (operation == Operation::kCholesky) {
    // a a^T + n I is symmetric positive definite and well conditioned.
    a = matmul(a, a.transpose(1, 2));
    double* values = a.data_as<double>();
    for (int64_t index = 0; index < count; ++index) {
      for (int64_t i = 0; i < n; ++i) values[(index * n + i) * n + i] += static_cast<double>(n);
    }
  } else if (operation == Operation::kEigh) {
    a = mul(add(a, a.transpose(1, 2)), 0.5).contiguous();
  }
  data->a_columns = column_major(a, count, n, n);
  data->a = count > 1 ? a : a.squeeze(0);
  if (operation == Operation::kSolve) {
    const Tensor b = Tensor::uniform({count, n, rhs_columns}, 12, -1.0, 1.0, DType::kF64);
    data->b_columns = column_major(b, count, n, rhs_columns);
    data->b = count > 1 ? b : b.squeeze(0);
  }
  const auto square = static_cast<size_t>(n * n);
  data->scratch.resize(square);
  data->tau.resize(static_cast<size_t>(n));
  data->first.resize(std::max(square, static_cast<size_t>(n * rhs_columns)));
  data->second.resize(square);
  data->values.resize(static_cast<size_t>(n));
  data->pivots.resize(static_cast<size_t>(n));
  return data;
}

std::vector<Row> linalg_rows(Operation operation, int64_t count, int64_t n, int64_t rhs_columns) {
  auto data = make_data(operation, count, n, rhs_columns);
  const auto matrices = static_cast<double>(count);
  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), matrices, Unit::kOps, [data, operation] {
    switch (operation) {
      case Operation::kQr: {
        linalg::QrResult result = linalg::qr(data->a);
        do_not_optimize(result);
        break;
      }
      case Operation::kCholesky: {
        Tensor result = linalg::cholesky(data->a);
        do_not_optimize(result);
        break;
      }
      case Operation::kSvd: {
        linalg::SvdResult result = linalg::svd(data->a);
        do_not_optimize(result);
        break;
      }
      case Operation::kSolve: {
        Tensor result = linalg::solve(data->a, data->b);
        do_not_optimize(result);
        break;
      }
      case Operation::kEigh: {
        linalg::EighResult result = linalg::eigh(data->a);
        do_not_optimize(result);
        break;
      }
    }
  }));
  rows.push_back(make_row("lapacke", matrices, Unit::kOps, [data, operation] {
    // OpenBLAS threads as our single-matrix path sets them (the library default); calls on 8x8
    // matrices stay on one thread either way.
    blas_set_num_threads(num_threads());
    const int64_t n = data->n;
    for (int64_t index = 0; index < data->count; ++index) {
      const double* a = data->a_columns.data() + index * n * n;
      switch (operation) {
        case Operation::kQr:
          lapacke_qr(n, a, data->scratch.data(), data->tau.data(), data->first.data());
          break;
        case Operation::kCholesky:
          lapacke_cholesky(n, a, data->first.data());
          break;
        case Operation::kSvd:
          lapacke_svd(n, a, data->scratch.data(), data->values.data(), data->first.data(),
                      data->second.data());
          break;
        case Operation::kSolve:
          lapacke_solve(n, data->rhs_columns, a,
                        data->b_columns.data() + index * n * data->rhs_columns,
                        data->scratch.data(), data->pivots.data(), data->first.data());
          break;
        case Operation::kEigh:
          lapacke_eigh(n, a, data->first.data(), data->values.data());
          break;
      }
      clobber_memory();
    }
  }));
  return rows;
}

CaseSpec linalg_case(std::string name, Operation operation, int64_t count, int64_t n,
                     int64_t rhs_columns = kRightHandSides) {
  return {std::move(name), [operation, count, n, rhs_columns] {
            return linalg_rows(operation, count, n, rhs_columns);
          }};
}

}  // namespace

void register_linalg_suite(SuiteRegistry& registry) {
  Suite suite;
  suite.name = "linalg";
  suite.description = "linalg decompositions and solvers (f64) vs direct LAPACKE calls";
  const std::string batch =
      std::to_string(kBatch) + "x" + std::to_string(kSmall) + "x" + std::to_string(kSmall);
  for (const auto& [name, operation] :
       {std::pair{"qr", Operation::kQr}, std::pair{"cholesky", Operation::kCholesky},
        std::pair{"svd", Operation::kSvd}, std::pair{"solve", Operation::kSolve},
        std::pair{"eigh", Operation::kEigh}}) {
    for (const int64_t n : {256, 512}) {
      suite.cases.push_back(
          linalg_case(std::string(name) + "_" + std::to_string(n), operation, 1, n));
    }
    if (operation == Operation::kSolve) {
      // Batched small systems usually have one right-hand side each (b [1000, 8, 1]); with 16,
      // our row-major b and x need transposing copies that LAPACKE's pre-copied ones do not.
      suite.cases.push_back(
          linalg_case(std::string(name) + "_" + batch, operation, kBatch, kSmall, 1));
      suite.cases.push_back(
          linalg_case(std::string(name) + "_" + batch + "_rhs16", operation, kBatch, kSmall));
    } else {
      suite.cases.push_back(
          linalg_case(std::string(name) + "_" + batch, operation, kBatch, kSmall));
    }
  }
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

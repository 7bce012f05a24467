// Suite `linalg`: the bitnet::linalg front end against LAPACKE called directly on the same f64
// matrices. Row `bitnet` calls the public API as users do (row-major tensors in, fresh result
// tensors out, copies to LAPACK's layout and workspace queries included); row `lapacke` runs the
// same LAPACK routines on column-major copies made before timing, through the *_work routines with
// one workspace query per call of the row (bench/lapacke_baseline.h). Both spread a batch over
// bitnet's threads with OpenBLAS on one thread per matrix, and give a single matrix OpenBLAS's
// threads. The batched cases run again on one thread (`_1t`, both rows under a thread count of
// 1), so that the kernels' own speed shows apart from the split. Before timing, each case runs
// both rows once and checks that their results agree.
// Goals: bitnet within 10% of lapacke at n >= 256, and at least as fast on 1000 8x8 matrices
// (where Cholesky and LU up to order 16 run on kernels of bitnet's own, since OpenBLAS serialises
// concurrent calls of those routines: see Concurrency in linalg/matrix_batch.h).
// Solve cases have 16 right-hand sides, except solve_1000x8x8 (one per system).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/lapacke_baseline.h"
#include "bench/suites.h"
#include "bench/thread_count_guard.h"
#include "bitnet/bitnet.h"

namespace bitnet::bench {
namespace {

constexpr int64_t kRightHandSides = 16;  // columns of b in the solve cases, unless given
constexpr int64_t kBatch = 1000;         // matrices in the batched cases
constexpr int64_t kSmall = 8;            // their order

enum class Operation { kQr, kCholesky, kSvd, kSolve, kEigh };

// The inputs of one case in both layouts, and the baseline's preallocated outputs.
struct CaseData {
  int64_t count = 0;
  int64_t n = 0;
  int64_t rhs_columns = 0;        // solve: columns of b
  Tensor a;                       // [count, n, n] (count > 1) or [n, n], row-major
  Tensor b;                       // solve: [count, n, k] or [n, k]
  std::vector<double> a_columns;  // each matrix column-major, one after the other
  std::vector<double> b_columns;
  // Per matrix, column-major: Q, L, U, x or the eigenvectors; R or V^T; s or the eigenvalues.
  std::vector<double> first, second, values;
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
  const auto matrices = static_cast<size_t>(count * n * n);
  data->first.resize(std::max(matrices, static_cast<size_t>(count * n * rhs_columns)));
  data->second.resize(matrices);
  data->values.resize(static_cast<size_t>(count * n));
  return data;
}

void run_lapacke(Operation operation, CaseData& data) {
  const double* a = data.a_columns.data();
  switch (operation) {
    case Operation::kQr:
      lapacke_qr(data.count, data.n, a, data.first.data(), data.second.data());
      break;
    case Operation::kCholesky:
      lapacke_cholesky(data.count, data.n, a, data.first.data());
      break;
    case Operation::kSvd:
      lapacke_svd(data.count, data.n, a, data.values.data(), data.first.data(), data.second.data());
      break;
    case Operation::kSolve:
      lapacke_solve(data.count, data.n, data.rhs_columns, a, data.b_columns.data(),
                    data.first.data());
      break;
    case Operation::kEigh:
      lapacke_eigh(data.count, data.n, a, data.values.data(), data.first.data());
      break;
  }
}

// Throws unless `ours` (row-major [count, rows, columns], or [count, rows] when columns is 0)
// matches the baseline's column-major `theirs` to within 1e-6 of the largest magnitude. With
// `magnitudes`, signs are ignored: QR's factors are unique only up to the signs of R's rows.
void check_agree(const char* what, const Tensor& ours, const std::vector<double>& theirs,
                 const CaseData& data, int64_t rows, int64_t columns, bool magnitudes = false) {
  const Tensor contiguous = ours.contiguous();
  const double* values = contiguous.data_as<double>();
  const int64_t width = std::max<int64_t>(columns, 1);
  const int64_t size = data.count * rows * width;
  double largest = 1.0;
  for (int64_t index = 0; index < size; ++index)
    largest = std::max(largest, std::abs(theirs[index]));
  for (int64_t index = 0; index < size; ++index) {
    const int64_t matrix = index / (rows * width);
    const int64_t i = index / width % rows;
    const int64_t j = index % width;
    double mine = values[index];
    double reference = theirs[matrix * rows * width + i + j * rows];
    if (magnitudes) {
      mine = std::abs(mine);
      reference = std::abs(reference);
    }
    if (!(std::abs(mine - reference) <= 1e-6 * largest)) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("bench linalg: {} differs from LAPACKE's at matrix {}, ({}, {}): "
                              "{} against {}",
                              what, matrix, i, j, mine, reference));
    }
  }
}

// Runs both rows' work once and checks that the results agree: the factors where they are unique
// (Cholesky's L, the solution x, QR's up to signs), the singular values and eigenvalues otherwise.
void check_results(Operation operation, CaseData& data) {
  run_lapacke(operation, data);
  const int64_t n = data.n;
  switch (operation) {
    case Operation::kQr: {
      const linalg::QrResult result = linalg::qr(data.a);
      check_agree("Q", result.q, data.first, data, n, n, true);
      check_agree("R", result.r, data.second, data, n, n, true);
      break;
    }
    case Operation::kCholesky:
      check_agree("L", linalg::cholesky(data.a), data.first, data, n, n);
      break;
    case Operation::kSvd:
      check_agree("s", linalg::svd(data.a).s, data.values, data, n, 0);
      break;
    case Operation::kSolve:
      check_agree("x", linalg::solve(data.a, data.b), data.first, data, n, data.rhs_columns);
      break;
    case Operation::kEigh:
      check_agree("eigenvalues", linalg::eigh(data.a).eigenvalues, data.values, data, n, 0);
      break;
  }
}

Row bitnet_row(Operation operation, const std::shared_ptr<CaseData>& data) {
  return make_row(std::string(kBitnetImpl), static_cast<double>(data->count), Unit::kOps,
                  [data, operation] {
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
                  });
}

Row lapacke_row(Operation operation, const std::shared_ptr<CaseData>& data) {
  return make_row("lapacke", static_cast<double>(data->count), Unit::kOps, [data, operation] {
    run_lapacke(operation, *data);
    clobber_memory();
  });
}

// The row with bitnet's thread count at `threads` while it runs.
Row with_threads(Row row, int threads) {
  row.run = [run = std::move(row.run), threads](int64_t iterations) {
    const ThreadCountGuard guard(threads);
    run(iterations);
  };
  return row;
}

// `threads` 0: bitnet's thread count as it is (--threads, BITNET_THREADS).
std::vector<Row> linalg_rows(Operation operation, int64_t count, int64_t n, int64_t rhs_columns,
                             int threads) {
  auto data = make_data(operation, count, n, rhs_columns);
  std::vector<Row> rows = {bitnet_row(operation, data), lapacke_row(operation, data)};
  if (threads > 0) {
    const ThreadCountGuard guard(threads);
    check_results(operation, *data);
    for (Row& row : rows) row = with_threads(std::move(row), threads);
  } else {
    check_results(operation, *data);
  }
  return rows;
}

CaseSpec linalg_case(std::string name, Operation operation, int64_t count, int64_t n,
                     int64_t rhs_columns = kRightHandSides, int threads = 0) {
  return {std::move(name), [operation, count, n, rhs_columns, threads] {
            return linalg_rows(operation, count, n, rhs_columns, threads);
          }};
}

// A batched case, then the same on one thread.
void add_batched_cases(Suite& suite, const std::string& name, Operation operation,
                       int64_t rhs_columns) {
  suite.cases.push_back(linalg_case(name, operation, kBatch, kSmall, rhs_columns));
  suite.cases.push_back(linalg_case(name + "_1t", operation, kBatch, kSmall, rhs_columns, 1));
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
    const std::string batched = std::string(name) + "_" + batch;
    if (operation == Operation::kSolve) {
      // Batched small systems usually have one right-hand side each (b [1000, 8, 1]); with 16,
      // our row-major b and x need transposing copies that LAPACKE's pre-copied ones do not.
      add_batched_cases(suite, batched, operation, 1);
      add_batched_cases(suite, batched + "_rhs16", operation, kRightHandSides);
    } else {
      add_batched_cases(suite, batched, operation, kRightHandSides);
    }
  }
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

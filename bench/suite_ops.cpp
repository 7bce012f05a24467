// Suite `ops`: the public tensor ops against hand-written loops, OpenBLAS and memcpy on the same
// data. Baselines write into preallocated outputs; our rows go through the public API as users
// call it (allocating the result), except add_16m, which measures the kernel's bandwidth alone.
// The plain loops and memcpy run on one thread, ours on all of them; the `bitnet_1t` rows run ours
// on one thread too, so that the SIMD gain (naive_loop / bitnet_1t) shows apart from the threading
// gain (bitnet_1t / bitnet). matmul_* has none: OpenBLAS runs both of its rows threaded.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "bench/openblas_baseline.h"
#include "bench/suites.h"
#include "bitnet/bitnet.h"

namespace bitnet::bench {
namespace {

constexpr int64_t kSide = 1024;  // [1024,1024] element-wise and softmax cases

// Two operands and an output of one element-wise case; rows share them through a shared_ptr.
struct BinaryData {
  Tensor a;
  Tensor b;
  std::vector<float> out;
};

template <typename Combine>
std::vector<Row> binary_rows(BinaryOp op, const Shape& b_shape, Combine combine) {
  auto data = std::make_shared<BinaryData>();
  data->a = Tensor::uniform({kSide, kSide}, 1, -1.0, 1.0);
  data->b = Tensor::uniform(b_shape, 2, -1.0, 1.0);
  data->out.resize(static_cast<size_t>(data->a.numel()));
  const auto items = static_cast<double>(data->a.numel());
  // A [1024] operand repeats along the rows; a [1024,1024] one has an element per output.
  const int64_t b_period = data->b.numel();

  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), items, Unit::kItems, [data, op] {
    Tensor result = binary(op, data->a, data->b);
    do_not_optimize(result);
  }));
  rows.push_back(on_one_thread(rows.front()));
  // The baseline captures raw pointers (kept alive by `data`) so its loop calls nothing.
  const float* a = data->a.data_as<float>();
  const float* b = data->b.data_as<float>();
  float* out = data->out.data();
  const auto count = static_cast<int64_t>(data->out.size());
  rows.push_back(
      make_row("naive_loop", items, Unit::kItems, [data, combine, a, b, out, count, b_period] {
        for (int64_t start = 0; start < count; start += b_period) {
          for (int64_t index = 0; index < b_period; ++index) {
            out[start + index] = combine(a[start + index], b[index]);
          }
        }
        clobber_memory();
      }));
  return rows;
}

std::vector<Row> add_rows(const Shape& b_shape) {
  return binary_rows(BinaryOp::kAdd, b_shape, [](float x, float y) { return x + y; });
}

std::vector<Row> mul_rows(const Shape& b_shape) {
  return binary_rows(BinaryOp::kMul, b_shape, [](float x, float y) { return x * y; });
}

std::vector<Row> sum_rows() {
  auto x = std::make_shared<Tensor>(Tensor::uniform({int64_t{1} << 20}, 3, -1.0, 1.0));
  const auto items = static_cast<double>(x->numel());
  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), items, Unit::kItems, [x] {
    Tensor total = sum(*x);
    do_not_optimize(total);
  }));
  rows.push_back(on_one_thread(rows.front()));
  const float* values = x->data_as<float>();
  const int64_t count = x->numel();
  rows.push_back(make_row("naive_loop", items, Unit::kItems, [x, values, count] {
    double total = 0;
    for (int64_t index = 0; index < count; ++index) total += values[index];
    do_not_optimize(total);
  }));
  return rows;
}

std::vector<Row> softmax_rows() {
  struct Data {
    Tensor x;
    std::vector<float> out;
  };
  auto data = std::make_shared<Data>();
  data->x = Tensor::normal({kSide, kSide}, 4, 0.0, 3.0);
  data->out.resize(static_cast<size_t>(data->x.numel()));
  const auto items = static_cast<double>(data->x.numel());

  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), items, Unit::kItems, [data] {
    Tensor result = softmax(data->x, -1);
    do_not_optimize(result);
  }));
  rows.push_back(on_one_thread(rows.front()));
  const float* x = data->x.data_as<float>();
  float* out = data->out.data();
  rows.push_back(make_row("naive_loop", items, Unit::kItems, [data, x, out] {
    for (int64_t row = 0; row < kSide; ++row) {
      const float* in_row = x + row * kSide;
      float* out_row = out + row * kSide;
      // Subtracting the row maximum keeps exp from overflowing, as the library does.
      float maximum = in_row[0];
      for (int64_t column = 1; column < kSide; ++column) {
        maximum = std::max(maximum, in_row[column]);
      }
      float total = 0;
      for (int64_t column = 0; column < kSide; ++column) {
        out_row[column] = std::exp(in_row[column] - maximum);
        total += out_row[column];
      }
      const float scale = 1.0f / total;
      for (int64_t column = 0; column < kSide; ++column) out_row[column] *= scale;
    }
    clobber_memory();
  }));
  return rows;
}

std::vector<Row> matmul_rows(int64_t size) {
  struct Data {
    Tensor a;
    Tensor b;
    std::vector<float> c;
  };
  auto data = std::make_shared<Data>();
  data->a = Tensor::uniform({size, size}, 5, -1.0, 1.0);
  data->b = Tensor::uniform({size, size}, 6, -1.0, 1.0);
  data->c.resize(static_cast<size_t>(size * size));
  const double flops =
      2.0 * static_cast<double>(size) * static_cast<double>(size) * static_cast<double>(size);

  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), flops, Unit::kFlops, [data] {
    Tensor result = matmul(data->a, data->b);
    do_not_optimize(result);
  }));
  const float* a = data->a.data_as<float>();
  const float* b = data->b.data_as<float>();
  float* c = data->c.data();
  rows.push_back(make_row("openblas", flops, Unit::kFlops, [data, size, a, b, c] {
    openblas_sgemm(size, size, size, a, b, c);
    clobber_memory();
  }));
  return rows;
}

// Streaming bandwidth: 2^24 floats (64 MiB per tensor) are far beyond any cache, so both rows are
// bound by memory traffic and compare on bytes moved per second.
std::vector<Row> add_16m_rows() {
  struct Data {
    Tensor a;
    Tensor b;
    Tensor out;
  };
  constexpr int64_t kCount = int64_t{1} << 24;
  constexpr auto kBytes = static_cast<double>(kCount * sizeof(float));
  auto data = std::make_shared<Data>();
  data->a = Tensor::uniform({kCount}, 7, -1.0, 1.0);
  data->b = Tensor::uniform({kCount}, 8, -1.0, 1.0);
  data->out = Tensor::zeros({kCount});

  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), 3 * kBytes, Unit::kBytes, [data] {
    binary_out(BinaryOp::kAdd, data->a, data->b, data->out);
    clobber_memory();
  }));
  rows.push_back(on_one_thread(rows.front()));
  // The copy reuses the add's buffers so that both rows touch the same pages.
  void* destination = data->out.data();
  const void* source = data->a.data();
  rows.push_back(make_row("memcpy", 2 * kBytes, Unit::kBytes, [data, destination, source] {
    std::memcpy(destination, source, kCount * sizeof(float));
    clobber_memory();
  }));
  return rows;
}

// Per-call overhead: validation, result allocation and dispatch dominate at 1,000 elements.
std::vector<Row> small_op_rows() {
  constexpr int kCallsPerIteration = 1000;
  constexpr int64_t kCount = 1000;
  struct Data {
    Tensor a;
    Tensor b;
  };
  auto data = std::make_shared<Data>();
  data->a = Tensor::uniform({kCount}, 9, -1.0, 1.0);
  data->b = Tensor::uniform({kCount}, 10, -1.0, 1.0);

  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), kCallsPerIteration, Unit::kOps, [data] {
    for (int call = 0; call < kCallsPerIteration; ++call) {
      Tensor result = add(data->a, data->b);
      do_not_optimize(result);
    }
  }));
  const float* a = data->a.data_as<float>();
  const float* b = data->b.data_as<float>();
  rows.push_back(make_row("naive_loop_malloc", kCallsPerIteration, Unit::kOps, [data, a, b] {
    for (int call = 0; call < kCallsPerIteration; ++call) {
      auto* out = static_cast<float*>(std::malloc(kCount * sizeof(float)));
      for (int64_t index = 0; index < kCount; ++index) out[index] = a[index] + b[index];
      // Publishing the pointer and its stores keeps the compiler from eliding the malloc/free pair.
      do_not_optimize(out);
      std::free(out);
    }
  }));
  return rows;
}

}  // namespace

void register_ops_suite(SuiteRegistry& registry) {
  Suite suite;
  suite.name = "ops";
  suite.description = "element-wise, reduction, softmax and matmul ops vs plain loops and OpenBLAS";
  suite.cases = {
      {"add_contig",
       [] {
         return add_rows({kSide, kSide});
       }},
      {"mul_contig",
       [] {
         return mul_rows({kSide, kSide});
       }},
      {"add_broadcast_row", [] { return add_rows({kSide}); }},
      {"mul_broadcast_row", [] { return mul_rows({kSide}); }},
      {"sum_1m", sum_rows},
      {"softmax_1024x1024", softmax_rows},
      {"matmul_512", [] { return matmul_rows(512); }},
      {"matmul_1024", [] { return matmul_rows(1024); }},
      {"add_16m", add_16m_rows},
      {"small_op_add_1000", small_op_rows},
  };
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

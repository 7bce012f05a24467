// Suite `ternary`: the ternary matmul (BitNet b1.58 weights times int8 activations) against
// oneDNN's int8 matmul on the same weights stored as s8, OpenBLAS on f32 copies, and the machine's
// DRAM read bandwidth. The rows of a matmul case:
//
//   bitnet          ternary_matmul on t2 weights: activation quantization, kernel, rescale
//                   (what users call)
//   bitnet_int      ternary_matmul_int on activations quantized beforehand
//   bitnet_<level>  ternary_matmul_int on that level's kernel table (the front end's own split)
//   bitnet_t1       ternary_matmul on the 1.6-bit t1 weights
//   onednn_s8       oneDNN s8 x s8 -> s32 matmul on the quantized activations (compare bitnet_int)
//   openblas_f32    cblas_sgemv / cblas_sgemm on f32 weights and activations
//
// Every row of a case counts the same items, multiply-adds (m * k * n), so ratios are time ratios.
// Cases named `_l3` reuse one copy of the weights every iteration: whatever format fits stays in
// the last-level cache (our t2 weights do; oneDNN's s8 and OpenBLAS's f32 copies of the larger
// shapes do not), so they show compute speed, not decode speed. The streaming case rotates over
// copies of the weights totalling >= 256 MiB per format, so every row reads its weights from DRAM
// every iteration: decode claims come from it. Its rows also report the bytes each format reads
// per second, and its `memory_<reader>` rows read the t2 copies with each reader of
// bench/memory_readers.h: the best of them is the bound those rows can reach.
//
// Before it is timed, every row's result is checked: integer results equal ternary_matmul_int's;
// f32 results of ternary_matmul within 1e-5 of the largest magnitude of the same rescale done in
// double; OpenBLAS's f32 product (unquantized activations) within a normalised mean squared error
// of 1e-8 of the double product of the same f32 values.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/memory_readers.h"
#include "bench/onednn_baseline.h"
#include "bench/openblas_baseline.h"
#include "bench/suites.h"
#include "bitnet/bitnet.h"
#include "bitnet/parallel.h"
#include "bitnet/quant.h"
#include "core/raise.h"
#include "cpu/kernels.h"
#include "quant/ternary_matmul_int.h"

namespace bitnet::bench {
namespace {

struct MatmulShape {
  int64_t m;  // outputs (weight rows)
  int64_t k;  // inputs (weight columns)
  int64_t n;  // tokens
};

// Weight copies of each format in the streaming case total at least this many bytes: eight times
// the 32 MiB L3, so no copy is still cached when its turn comes again.
constexpr int64_t kStreamBytes = int64_t{256} << 20;
// The scalar reference needs about a nanosecond per multiply-add per thread; above this many it
// would take seconds per iteration, so its row is left out.
constexpr double kScalarMaxMultiplyAdds = 1u << 28;

// splitmix64 (Steele, Lea, Flood 2014): a fast, well-mixed counter-based generator.
uint64_t mix(uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

// i8 [rows, cols] with -1, 0, +1 about equally likely (byte % 3 is biased by under 0.5 %).
Tensor random_trits(int64_t rows, int64_t cols, uint64_t seed) {
  Tensor trits = Tensor::empty({rows, cols}, DType::kI8);
  auto* values = trits.data_as<int8_t>();
  const int64_t count = rows * cols;
  parallel_for(0, (count + 7) / 8, 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t word = begin; word < end; ++word) {
      uint64_t bits = mix(seed * 0x100000001b3ull + static_cast<uint64_t>(word));
      for (int64_t index = word * 8; index < std::min(count, word * 8 + 8); ++index, bits >>= 8) {
        values[index] = static_cast<int8_t>(static_cast<int>(bits & 0xff) % 3 - 1);
      }
    }
  });
  return trits;
}

int64_t copies_for(int64_t bytes_each, bool stream) {
  return stream ? (kStreamBytes + bytes_each - 1) / bytes_each : 1;
}

int64_t packed_bytes(const TernaryTensor& weights) {
  return weights.rows() * weights.bytes_per_row();
}

// Everything the rows of one matmul case read; rows share it through a shared_ptr.
struct MatmulData {
  MatmulShape shape{};
  Tensor x;                       // f32 [n, k]
  QuantizedActivations x_t2;      // padded to the t2 block
  std::vector<int8_t> x_codes;    // s8 [n, k], unpadded, for oneDNN
  std::vector<TernaryTensor> t2;  // copies of one matrix (several in the streaming case)
  std::vector<TernaryTensor> t1;
  std::vector<std::vector<float>> weights_f32;
  std::unique_ptr<OnednnInt8Matmul> onednn;
  std::vector<int32_t> out;  // [n, m] int32, for the oneDNN row
  std::vector<float> out_f32;
};

std::shared_ptr<MatmulData> make_matmul_data(const MatmulShape& shape, bool stream) {
  auto data = std::make_shared<MatmulData>();
  data->shape = shape;
  const auto [m, k, n] = shape;
  data->x = Tensor::normal({n, k}, 11, 0.0, 1.0);
  {
    const Tensor trits = random_trits(m, k, 12);
    // One scale per tensor, as BitNet b1.58 checkpoints have.
    const Tensor scale = Tensor::full({1}, 0.0217);
    // The copies hold the same values at different addresses: only their addresses matter to
    // the caches.
    data->t2.push_back(TernaryTensor::from_trits(trits, scale, TernaryFormat::kT2));
    data->t1.push_back(TernaryTensor::from_trits(trits, scale, TernaryFormat::kT1));
    const int64_t t2_copies = copies_for(packed_bytes(data->t2[0]), stream);
    const int64_t t1_copies = copies_for(packed_bytes(data->t1[0]), stream);
    while (static_cast<int64_t>(data->t2.size()) < t2_copies)
      data->t2.push_back(TernaryTensor::from_trits(trits, scale, TernaryFormat::kT2));
    while (static_cast<int64_t>(data->t1.size()) < t1_copies)
      data->t1.push_back(TernaryTensor::from_trits(trits, scale, TernaryFormat::kT1));

    const auto* codes = trits.data_as<int8_t>();
    const auto count = static_cast<size_t>(m * k);
    if (onednn_available()) {
      data->onednn = std::make_unique<OnednnInt8Matmul>(
          m, k, n, codes, static_cast<int>(copies_for(m * k, stream)));
    }
    const int64_t f32_copies = copies_for(m * k * static_cast<int64_t>(sizeof(float)), stream);
    for (int64_t copy = 0; copy < f32_copies; ++copy) {
      std::vector<float> values(count);
      for (size_t index = 0; index < count; ++index) values[index] = 0.0217f * codes[index];
      data->weights_f32.push_back(std::move(values));
    }
  }
  data->x_t2 = quantize_activations(data->x, data->t2[0].padded_cols());
  data->x_codes.resize(static_cast<size_t>(n * k));
  const auto* padded_codes = data->x_t2.codes.data_as<int8_t>();
  for (int64_t token = 0; token < n; ++token) {
    std::memcpy(data->x_codes.data() + token * k, padded_codes + token * data->t2[0].padded_cols(),
                static_cast<size_t>(k));
  }
  data->out.assign(static_cast<size_t>(n * m), 0);
  data->out_f32.assign(static_cast<size_t>(n * m), 0.0f);
  return data;
}

// Runs one level's t2 kernel on copy `copy` through the front end's own split.
Tensor run_level(const cpu::CpuKernels& table, const MatmulData& data, size_t copy) {
  return detail::ternary_matmul_int(data.x_t2, data.t2[copy], table);
}

// Every row must compute what ternary_matmul_int computes, or the timings compare different work.
void check_equal(const Tensor& expected, const std::vector<int32_t>& actual,
                 const std::string& impl, const MatmulShape& shape) {
  const auto* values = expected.data_as<int32_t>();
  for (size_t index = 0; index < actual.size(); ++index) {
    if (values[index] != actual[index]) {
      raise(ErrorKind::kInternal,
            "bench ternary: {} differs from ternary_matmul_int at [{}] ({} vs {}), m={} k={} n={}",
            impl, index, actual[index], values[index], shape.m, shape.k, shape.n);
    }
  }
}

// Rotates through `count` copies: each call returns the next index.
struct Turn {
  size_t count;
  size_t next = 0;
  size_t operator()() {
    const size_t current = next;
    next = next + 1 == count ? 0 : next + 1;
    return current;
  }
};

// The f32 result of ternary_matmul (`actual`, [n, m]) against the integer reference rescaled in
// double: y = acc * w_scale / x_scale. Only rounding may differ: within 1e-5 of the largest.
void check_rescaled(const Tensor& expected, const QuantizedActivations& x, double weight_scale,
                    const Tensor& actual, const std::string& impl, const MatmulShape& shape) {
  const auto* accumulations = expected.data_as<int32_t>();
  const auto* x_scales = x.scales.data_as<float>();
  const auto* values = actual.data_as<float>();
  std::vector<double> reference(static_cast<size_t>(shape.n * shape.m));
  double largest = 0;
  for (int64_t token = 0; token < shape.n; ++token) {
    for (int64_t row = 0; row < shape.m; ++row) {
      const size_t index = static_cast<size_t>(token * shape.m + row);
      reference[index] = accumulations[index] * weight_scale / x_scales[token];
      largest = std::max(largest, std::abs(reference[index]));
    }
  }
  for (size_t index = 0; index < reference.size(); ++index) {
    if (!(std::abs(values[index] - reference[index]) <= 1e-5 * largest)) {
      raise(ErrorKind::kInternal,
            "bench ternary: {} differs from the rescaled reference at [{}] ({} vs {}, largest {}), "
            "m={} k={} n={}",
            impl, index, values[index], reference[index], largest, shape.m, shape.k, shape.n);
    }
  }
}

// OpenBLAS's f32 product against the same product in double: normalised mean squared error
// sum((a - b)^2) / sum(b^2) at most 1e-8 (f32 accumulation over k terms rounds far below that).
// Up to 4 tokens spread over the batch are checked: the double product of all 512 would take
// longer than the case.
void check_f32_product(const MatmulData& data, const std::vector<float>& actual) {
  const auto [m, k, n] = data.shape;
  const auto* x = data.x.data_as<float>();
  const std::vector<float>& weights = data.weights_f32[0];
  double error = 0;
  double norm = 0;
  const int64_t step = std::max<int64_t>(1, n / 4);
  for (int64_t token = 0; token < n; token += step) {
    for (int64_t row = 0; row < m; ++row) {
      double sum = 0;
      for (int64_t column = 0; column < k; ++column) {
        sum += static_cast<double>(weights[static_cast<size_t>(row * k + column)]) *
               x[token * k + column];
      }
      const double difference = actual[static_cast<size_t>(token * m + row)] - sum;
      error += difference * difference;
      norm += sum * sum;
    }
  }
  if (!(error <= 1e-8 * norm)) {
    raise(ErrorKind::kInternal,
          "bench ternary: openblas_f32 differs from the double product: normalised squared error "
          "{} (limit 1e-8), m={} k={} n={}",
          error / norm, m, k, n);
  }
}

// A row of the case: every row counts the case's multiply-adds; streaming rows also their bytes.
template <typename Body>
Row case_row(std::string impl, double multiply_adds, double bytes, Body body) {
  Row row = make_row(std::move(impl), multiply_adds, Unit::kItems, std::move(body));
  row.bytes_per_iter = bytes;
  return row;
}

std::vector<Row> matmul_rows(const MatmulShape& shape, bool stream) {
  std::shared_ptr<MatmulData> data = make_matmul_data(shape, stream);
  const auto [m, k, n] = shape;
  const double multiply_adds =
      static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  // Bytes of weights each format reads per iteration, reported where they come from DRAM.
  const auto weight_bytes = [stream](double bytes) { return stream ? bytes : 0.0; };
  const double t2_bytes = weight_bytes(static_cast<double>(packed_bytes(data->t2[0])));
  const double t1_bytes = weight_bytes(static_cast<double>(packed_bytes(data->t1[0])));
  const double weight_scale = data->t2[0].scales().data_as<float>()[0];

  const Tensor expected = ternary_matmul_int(data->x_t2, data->t2[0]);
  const auto as_vector = [n, m](const Tensor& result) {
    return std::vector<int32_t>(result.data_as<int32_t>(), result.data_as<int32_t>() + n * m);
  };
  std::vector<Row> rows;
  check_rescaled(expected, data->x_t2, weight_scale, ternary_matmul(data->x, data->t2[0]),
                 std::string(kBitnetImpl), shape);
  rows.push_back(case_row(std::string(kBitnetImpl), multiply_adds, t2_bytes,
                          [data, turn = Turn{data->t2.size()}]() mutable {
                            Tensor y = ternary_matmul(data->x, data->t2[turn()]);
                            do_not_optimize(y);
                          }));
  rows.push_back(case_row("bitnet_int", multiply_adds, t2_bytes,
                          [data, turn = Turn{data->t2.size()}]() mutable {
                            Tensor y = ternary_matmul_int(data->x_t2, data->t2[turn()]);
                            do_not_optimize(y);
                          }));
  for (const cpu::Isa isa : cpu::available_isas()) {
    if (isa == cpu::Isa::kScalar && multiply_adds > kScalarMaxMultiplyAdds) continue;
    const cpu::CpuKernels& table = cpu::kernels_for(isa);
    const std::string impl = "bitnet_" + std::string(cpu::isa_name(isa));
    check_equal(expected, as_vector(run_level(table, *data, 0)), impl, shape);
    rows.push_back(case_row(impl, multiply_adds, t2_bytes,
                            [data, &table, turn = Turn{data->t2.size()}]() mutable {
                              Tensor y = run_level(table, *data, turn());
                              do_not_optimize(y);
                            }));
  }
  {
    const QuantizedActivations x_t1 = quantize_activations(data->x, data->t1[0].padded_cols());
    check_equal(expected, as_vector(ternary_matmul_int(x_t1, data->t1[0])), "bitnet_t1", shape);
    check_rescaled(expected, x_t1, weight_scale, ternary_matmul(data->x, data->t1[0]), "bitnet_t1",
                   shape);
  }
  rows.push_back(case_row("bitnet_t1", multiply_adds, t1_bytes,
                          [data, turn = Turn{data->t1.size()}]() mutable {
                            Tensor y = ternary_matmul(data->x, data->t1[turn()]);
                            do_not_optimize(y);
                          }));
  if (data->onednn) {
    data->onednn->run(0, data->x_codes.data(), data->out.data());
    check_equal(expected, data->out, "onednn_s8", shape);
    const auto copies = static_cast<size_t>(copies_for(m * k, stream));
    rows.push_back(case_row(
        "onednn_s8", multiply_adds, weight_bytes(static_cast<double>(data->onednn->weight_bytes())),
        [data, turn = Turn{copies}]() mutable {
          data->onednn->run(static_cast<int>(turn()), data->x_codes.data(), data->out.data());
          clobber_memory();
        }));
  }
  openblas_linear(m, n, k, data->weights_f32[0].data(), data->x.data_as<float>(),
                  data->out_f32.data());
  openblas_settle();
  check_f32_product(*data, data->out_f32);
  Row openblas_row = case_row("openblas_f32", multiply_adds,
                              weight_bytes(static_cast<double>(m * k) * sizeof(float)),
                              [data, turn = Turn{data->weights_f32.size()}]() mutable {
                                openblas_linear(data->shape.m, data->shape.n, data->shape.k,
                                                data->weights_f32[turn()].data(),
                                                data->x.data_as<float>(), data->out_f32.data());
                                clobber_memory();
                              });
  openblas_row.settle = openblas_settle;
  rows.push_back(std::move(openblas_row));
  if (stream) {
    for (const MemoryReader& reader : memory_readers()) {
      rows.push_back(case_row(std::string("memory_") + reader.name, multiply_adds, t2_bytes,
                              [data, reader, turn = Turn{data->t2.size()}]() mutable {
                                const TernaryTensor& weights = data->t2[turn()];
                                do_not_optimize(reader.read(
                                    static_cast<const uint8_t*>(weights.packed().data()),
                                    packed_bytes(weights)));
                              }));
    }
  }
  return rows;
}

// `_l3`: one copy of the weights, reused every iteration (see the top of this file).
std::string matmul_case_name(const MatmulShape& shape) {
  const std::string mk = std::to_string(shape.m) + "x" + std::to_string(shape.k);
  if (shape.n == 1) return "gemv_" + mk + "_l3";
  return "gemm_" + mk + "x" + std::to_string(shape.n) + "_l3";
}

CaseSpec matmul_case(const MatmulShape& shape) {
  return {matmul_case_name(shape), [shape] { return matmul_rows(shape, false); }};
}

CaseSpec stream_case(int64_t m, int64_t k) {
  return {"gemv_stream_" + std::to_string(m) + "x" + std::to_string(k), [m, k] {
            return matmul_rows({m, k, 1}, true);
          }};
}

// A streaming read of 512 MiB, sixteen times the L3, by every reader of bench/memory_readers.h:
// the best of them is the machine's DRAM read bandwidth in this run.
CaseSpec dram_read_case() {
  return {
      "dram_read", [] {
        constexpr int64_t kBytes = int64_t{512} << 20;
        // A tensor: 64-byte aligned, as the wide readers need.
        const Tensor buffer = Tensor::empty({kBytes / 8}, DType::kI64);
        auto* words = buffer.data_as<int64_t>();
        // Distinct values, so that no page is the shared zero page.
        for (int64_t index = 0; index < kBytes / 8; ++index) words[index] = index;
        std::vector<Row> rows;
        for (const MemoryReader& reader : memory_readers()) {
          rows.push_back(make_row(
              std::string("memory_") + reader.name, kBytes, Unit::kBytes, [buffer, reader] {
                do_not_optimize(reader.read(static_cast<const uint8_t*>(buffer.data()), kBytes));
              }));
        }
        return rows;
      }};
}

}  // namespace

void register_ternary_suite(SuiteRegistry& registry) {
  Suite suite{"ternary",
              "ternary matmul (t2, t1, each SIMD level) vs oneDNN int8, OpenBLAS f32 and DRAM",
              {}};
  // The reference shape (a Llama-3-8B FFN projection): ggml's TQ2_0 numbers are for it.
  suite.cases.push_back(matmul_case({4096, 14336, 1}));
  suite.cases.push_back(matmul_case({4096, 14336, 512}));
  suite.cases.push_back(stream_case(4096, 14336));
  suite.cases.push_back(dram_read_case());
  // BitNet b1.58 2B4T layers (k -> m): attention q/o, k/v, FFN up/gate, FFN down.
  for (const int64_t n : {1, 8, 128}) {
    for (const auto& [k, m] :
         {std::pair<int64_t, int64_t>{2560, 2560}, {2560, 640}, {2560, 6912}, {6912, 2560}}) {
      suite.cases.push_back(matmul_case({m, k, n}));
    }
  }
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

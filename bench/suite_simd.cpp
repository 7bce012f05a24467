// Suite `simd`: every CPU kernel at every SIMD level this machine has, in the same run. Row
// `bitnet` is the dispatched (selected) level; `bitnet_<level>` rows force one level each, so the
// ratio column of `bitnet_scalar` is the speed-up of the dispatched level over the reference.
// Memory-bound kernels also run on 64 MiB arrays next to a memcpy of the same bytes.
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/suites.h"
#include "cpu/kernels.h"

namespace bitnet::bench {
namespace {

using cpu::CpuKernels;
using cpu::Isa;

constexpr int64_t kInCache = 4096;                // 16 KiB of f32: L1-resident
constexpr int64_t kStreaming = int64_t{1} << 24;  // 64 MiB of f32: past the last-level cache

struct Buffers {
  std::vector<float> a, b, out;
  std::vector<uint16_t> halves;
  std::vector<int8_t> codes;
};

std::shared_ptr<Buffers> make_buffers(int64_t n) {
  auto data = std::make_shared<Buffers>();
  std::mt19937 engine(7);
  std::uniform_real_distribution<float> uniform(-4.0f, 4.0f);
  data->a.resize(static_cast<size_t>(n));
  data->b.resize(static_cast<size_t>(n));
  for (float& value : data->a) value = uniform(engine);
  for (float& value : data->b) value = uniform(engine);
  data->out.assign(static_cast<size_t>(n), 0.0f);
  data->halves.assign(static_cast<size_t>(n), 0);
  data->codes.assign(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) data->halves[static_cast<size_t>(i)] = 0x3c00;  // 1.0 in f16
  return data;
}

// One row per level: `bitnet` for the selected table, `bitnet_<level>` for each available one.
template <typename MakeBody>
std::vector<Row> level_rows(double items, Unit unit, MakeBody make_body) {
  std::vector<Row> rows;
  rows.push_back(make_row(std::string(kBitnetImpl), items, unit, make_body(cpu::kernels())));
  for (Isa isa : cpu::available_isas()) {
    rows.push_back(make_row("bitnet_" + std::string(cpu::isa_name(isa)), items, unit,
                            make_body(cpu::kernels_for(isa))));
  }
  return rows;
}

Row memcpy_row(const std::shared_ptr<Buffers>& data, double bytes) {
  return make_row("memcpy", bytes, Unit::kBytes, [data] {
    std::memcpy(data->out.data(), data->a.data(), data->a.size() * sizeof(float));
    clobber_memory();
  });
}

CaseSpec unary_case(const char* name, cpu::ActivationKind kind) {
  return {name, [kind] {
            auto data = make_buffers(kInCache);
            return level_rows(kInCache, Unit::kItems, [data, kind](const CpuKernels& table) {
              const auto kernel = table.activation[static_cast<int>(kind)];
              return [data, kernel] {
                kernel(data->a.data(), data->out.data(), kInCache);
                clobber_memory();
              };
            });
          }};
}

CaseSpec binary_case(const char* name, int64_t n, bool with_memcpy) {
  return {name, [n, with_memcpy] {
            auto data = make_buffers(n);
            // Bytes moved: two reads and one write per element.
            const double bytes = 3.0 * static_cast<double>(n) * sizeof(float);
            std::vector<Row> rows = level_rows(
                with_memcpy ? bytes : static_cast<double>(n),
                with_memcpy ? Unit::kBytes : Unit::kItems, [data, n](const CpuKernels& table) {
                  const auto kernel = table.binary[0];
                  return [data, kernel, n] {
                    kernel(data->a.data(), data->b.data(), data->out.data(), n);
                    clobber_memory();
                  };
                });
            if (with_memcpy)
              rows.push_back(memcpy_row(data, 2.0 * static_cast<double>(n) * sizeof(float)));
            return rows;
          }};
}

CaseSpec sum_case(const char* name, int64_t n, bool with_memcpy) {
  return {name, [n, with_memcpy] {
            auto data = make_buffers(n);
            const double bytes = static_cast<double>(n) * sizeof(float);
            std::vector<Row> rows = level_rows(
                with_memcpy ? bytes : static_cast<double>(n),
                with_memcpy ? Unit::kBytes : Unit::kItems, [data, n](const CpuKernels& table) {
                  const auto kernel = table.sum;
                  return [data, kernel, n] { do_not_optimize(kernel(data->a.data(), n)); };
                });
            if (with_memcpy) rows.push_back(memcpy_row(data, 2.0 * bytes));
            return rows;
          }};
}

template <typename Call>
CaseSpec row_case(const char* name, Call call) {
  return {name, [call] {
            auto data = make_buffers(kInCache);
            return level_rows(kInCache, Unit::kItems, [data, call](const CpuKernels& table) {
              return [data, call, &table] {
                call(table, *data);
                clobber_memory();
              };
            });
          }};
}

}  // namespace

void register_simd_suite(SuiteRegistry& registry) {
  using cpu::ActivationKind;
  Suite suite{"simd", "CPU kernels at every SIMD level against the scalar reference", {}};
  suite.cases.push_back(binary_case("add_4k", kInCache, false));
  suite.cases.push_back(binary_case("add_16m_stream", kStreaming, true));
  suite.cases.push_back(unary_case("exp_4k", ActivationKind::kExp));
  suite.cases.push_back(unary_case("tanh_4k", ActivationKind::kTanh));
  suite.cases.push_back(unary_case("sigmoid_4k", ActivationKind::kSigmoid));
  suite.cases.push_back(unary_case("silu_4k", ActivationKind::kSilu));
  suite.cases.push_back(unary_case("gelu_erf_4k", ActivationKind::kGeluErf));
  suite.cases.push_back(unary_case("gelu_tanh_4k", ActivationKind::kGeluTanh));
  suite.cases.push_back(unary_case("relu2_4k", ActivationKind::kRelu2));
  suite.cases.push_back(sum_case("sum_4k", kInCache, false));
  suite.cases.push_back(sum_case("sum_16m_stream", kStreaming, true));
  suite.cases.push_back(row_case("max_4k", [](const CpuKernels& t, Buffers& d) {
    do_not_optimize(t.max(d.a.data(), kInCache));
  }));
  suite.cases.push_back(row_case("dot_4k", [](const CpuKernels& t, Buffers& d) {
    do_not_optimize(t.dot(d.a.data(), d.b.data(), kInCache));
  }));
  suite.cases.push_back(row_case("softmax_4k", [](const CpuKernels& t, Buffers& d) {
    t.softmax(d.a.data(), d.out.data(), kInCache);
  }));
  suite.cases.push_back(row_case("rms_norm_4k", [](const CpuKernels& t, Buffers& d) {
    t.rms_norm(d.a.data(), d.b.data(), d.out.data(), kInCache, 1e-6f);
  }));
  suite.cases.push_back(row_case("f32_to_f16_4k", [](const CpuKernels& t, Buffers& d) {
    t.f32_to_f16(d.a.data(), d.halves.data(), kInCache);
  }));
  suite.cases.push_back(row_case("f16_to_f32_4k", [](const CpuKernels& t, Buffers& d) {
    t.f16_to_f32(d.halves.data(), d.out.data(), kInCache);
  }));
  suite.cases.push_back(row_case("f32_to_bf16_4k", [](const CpuKernels& t, Buffers& d) {
    t.f32_to_bf16(d.a.data(), d.halves.data(), kInCache);
  }));
  suite.cases.push_back(row_case("quantize_i8_4k", [](const CpuKernels& t, Buffers& d) {
    do_not_optimize(t.quantize_absmax_i8(d.a.data(), d.codes.data(), kInCache));
  }));
  registry.add(std::move(suite));
}

}  // namespace bitnet::bench

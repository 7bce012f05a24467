#include "bench/onednn_baseline.h"

#include "core/raise.h"

#if BITNET_HAVE_ONEDNN
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace bitnet::bench {

#if BITNET_HAVE_ONEDNN

struct OnednnInt8Matmul::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::matmul::primitive_desc descriptor;
  dnnl::matmul primitive;
  dnnl::memory source;
  dnnl::memory destination;
  dnnl::memory scratchpad;
  std::vector<dnnl::memory> weights;
};

bool onednn_available() noexcept {
  return true;
}

OnednnInt8Matmul::OnednnInt8Matmul(int64_t m, int64_t k, int64_t n, const int8_t* weights,
                                   int copies)
    : state_(std::make_unique<State>()) {
  using dnnl::memory;
  if (m <= 0 || k <= 0 || n <= 0 || copies <= 0) {
    raise(ErrorKind::kInvalidArgument, "onednn matmul: bad shape m={} k={} n={} copies={}", m, k, n,
          copies);
  }
  State& state = *state_;
  const memory::desc source_md({n, k}, memory::data_type::s8, memory::format_tag::ab);
  const memory::desc destination_md({n, m}, memory::data_type::s32, memory::format_tag::ab);
  // `any` lets the primitive choose its packed weight layout (with the s8 x s8 compensation
  // terms folded in); the reorder below pays that cost once, outside the timed runs.
  const memory::desc packed_md({k, m}, memory::data_type::s8, memory::format_tag::any);
  dnnl::primitive_attr attributes;
  // A scratchpad allocated once keeps oneDNN's per-run allocation out of the timing.
  attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  state.descriptor = dnnl::matmul::primitive_desc(
      dnnl::matmul::desc(source_md, packed_md, destination_md), attributes, state.engine);
  state.primitive = dnnl::matmul(state.descriptor);
  state.scratchpad = memory(state.descriptor.scratchpad_desc(), state.engine);
  state.source = memory(source_md, state.engine, nullptr);
  state.destination = memory(destination_md, state.engine, nullptr);

  // Our W is [m, k] row-major, i.e. oneDNN's [k, m] weights with strides (1, k).
  const memory::desc plain_md({k, m}, memory::data_type::s8, memory::dims{1, k});
  // oneDNN only reads through the handle; the cast drops const for its C API.
  memory plain(plain_md, state.engine, const_cast<int8_t*>(weights));
  for (int copy = 0; copy < copies; ++copy) {
    memory packed(state.descriptor.weights_desc(), state.engine);
    dnnl::reorder(plain, packed).execute(state.stream, plain, packed);
    state.weights.push_back(packed);
  }
  state.stream.wait();
}

OnednnInt8Matmul::~OnednnInt8Matmul() = default;

void OnednnInt8Matmul::run(int copy, const int8_t* x, int32_t* out) {
  State& state = *state_;
  // Read-only use of x, as above.
  state.source.set_data_handle(const_cast<int8_t*>(x));
  state.destination.set_data_handle(out);
  state.primitive.execute(state.stream,
                          {{DNNL_ARG_SRC, state.source},
                           {DNNL_ARG_WEIGHTS, state.weights[static_cast<size_t>(copy)]},
                           {DNNL_ARG_DST, state.destination},
                           {DNNL_ARG_SCRATCHPAD, state.scratchpad}});
  state.stream.wait();
}

int64_t OnednnInt8Matmul::weight_bytes() const noexcept {
  return static_cast<int64_t>(state_->descriptor.weights_desc().get_size());
}

std::string OnednnInt8Matmul::implementation() const {
  return state_->descriptor.impl_info_str();
}

#else  // !BITNET_HAVE_ONEDNN

struct OnednnInt8Matmul::State {};

bool onednn_available() noexcept {
  return false;
}

OnednnInt8Matmul::OnednnInt8Matmul(int64_t, int64_t, int64_t, const int8_t*, int) {
  raise(ErrorKind::kUnsupported, "onednn matmul: this build has no oneDNN (install libdnnl-dev)");
}

OnednnInt8Matmul::~OnednnInt8Matmul() = default;

void OnednnInt8Matmul::run(int, const int8_t*, int32_t*) {}

int64_t OnednnInt8Matmul::weight_bytes() const noexcept {
  return 0;
}

std::string OnednnInt8Matmul::implementation() const {
  return "none";
}

#endif

}  // namespace bitnet::bench

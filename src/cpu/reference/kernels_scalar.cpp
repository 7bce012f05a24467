// The scalar reference kernels: plain loops, the oracle every SIMD level is tested against, and the
// kernels of the `scalar` level. Transcendentals come from the C library in float.
#include <cmath>

#include "bitnet/half.h"
#include "cpu/kernels.h"
#include "cpu/reference/scalar_math.h"

namespace bitnet::cpu {
namespace {

using reference::apply_activation;
using reference::apply_arithmetic;

template <ArithmeticKind Kind>
void binary_kernel(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = apply_arithmetic<Kind>(a[i], b[i]);
}
template <ArithmeticKind Kind>
void tensor_scalar_kernel(const float* a, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = apply_arithmetic<Kind>(a[i], s);
}
template <ArithmeticKind Kind>
void scalar_tensor_kernel(const float* a, float s, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = apply_arithmetic<Kind>(s, a[i]);
}
template <ActivationKind Kind>
void activation_kernel(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = apply_activation<Kind>(in[i]);
}

double sum(const float* in, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += in[i];
  return total;
}

float max(const float* in, int64_t n) {
  float best = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(in[i])) return in[i];
    if (in[i] > best) best = in[i];
  }
  return best;
}

float dot(const float* a, const float* b, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(total);
}

float dot_f16(const uint16_t* a, const float* b, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += static_cast<double>(f16_bits_to_float(a[i])) * b[i];
  return static_cast<float>(total);
}

float dot_bf16(const uint16_t* a, const float* b, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += static_cast<double>(bf16_bits_to_float(a[i])) * b[i];
  return static_cast<float>(total);
}

void softmax(const float* in, float* out, int64_t n) {
  const float row_max = max(in, n);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = std::exp(in[i] - row_max);
    total += out[i];
  }
  const float inverse = static_cast<float>(1.0 / total);
  for (int64_t i = 0; i < n; ++i) out[i] *= inverse;
}

void log_softmax(const float* in, float* out, int64_t n) {
  const float row_max = max(in, n);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += std::exp(in[i] - row_max);
  const float log_total = static_cast<float>(std::log(total));
  for (int64_t i = 0; i < n; ++i) out[i] = (in[i] - row_max) - log_total;
}

void rms_norm(const float* in, const float* weight, float* out, int64_t n, float eps) {
  double squares = 0;
  for (int64_t i = 0; i < n; ++i) squares += static_cast<double>(in[i]) * in[i];
  const float inverse_rms =
      static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(n) + eps));
  for (int64_t i = 0; i < n; ++i) {
    out[i] = weight ? in[i] * inverse_rms * weight[i] : in[i] * inverse_rms;
  }
}

void f32_to_f16(const float* in, uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = float_to_f16_bits(in[i]);
}
void f16_to_f32(const uint16_t* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = f16_bits_to_float(in[i]);
}
void f32_to_bf16(const float* in, uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = float_to_bf16_bits(in[i]);
}
void bf16_to_f32(const uint16_t* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = bf16_bits_to_float(in[i]);
}

float quantize_absmax_i8(const float* in, int8_t* out, int64_t n) {
  float absmax = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float magnitude = std::fabs(in[i]);
    if (std::isnan(magnitude)) return magnitude;
    if (magnitude > absmax) absmax = magnitude;
  }
  const float scale = 127.0f / (absmax > 1e-5f ? absmax : 1e-5f);
  if (!std::isfinite(absmax)) return INFINITY;
  for (int64_t i = 0; i < n; ++i) out[i] = reference::quantize_to_i8(in[i] * scale);
  return scale;
}

template <int... Kinds>
void fill_arithmetic(CpuKernels& table, std::integer_sequence<int, Kinds...>) {
  ((table.binary[Kinds] = binary_kernel<static_cast<ArithmeticKind>(Kinds)>), ...);
  ((table.binary_tensor_scalar[Kinds] = tensor_scalar_kernel<static_cast<ArithmeticKind>(Kinds)>),
   ...);
  ((table.binary_scalar_tensor[Kinds] = scalar_tensor_kernel<static_cast<ArithmeticKind>(Kinds)>),
   ...);
}
template <int... Kinds>
void fill_activations(CpuKernels& table, std::integer_sequence<int, Kinds...>) {
  ((table.activation[Kinds] = activation_kernel<static_cast<ActivationKind>(Kinds)>), ...);
}

}  // namespace

void fill_scalar_kernels(CpuKernels& table) {
  fill_arithmetic(table, std::make_integer_sequence<int, kArithmeticCount>{});
  fill_activations(table, std::make_integer_sequence<int, kActivationCount>{});
  table.sum = sum;
  table.max = max;
  table.dot = dot;
  table.dot_f16 = dot_f16;
  table.dot_bf16 = dot_bf16;
  table.softmax = softmax;
  table.log_softmax = log_softmax;
  table.rms_norm = rms_norm;
  table.f32_to_f16 = f32_to_f16;
  table.f16_to_f32 = f16_to_f32;
  table.f32_to_bf16 = f32_to_bf16;
  table.bf16_to_f32 = bf16_to_f32;
  table.quantize_absmax_i8 = quantize_absmax_i8;
  fill_scalar_ternary_kernels(table);
}

}  // namespace bitnet::cpu

// Times ggml's own ternary matmul (TQ2_0 and TQ1_0 weights times f32 activations) through its
// public API, on the shapes of docs/PERFORMANCE.md's "Against ggml" table, so that the ggml columns
// of that table can be measured again. Built and run by scripts/peers/ggml-ternary.sh against a
// ggml checkout of the user's; nothing of ggml is part of this repository.
//
// For every shape and type: ternary weights (a random trit times a per-row scale that f16 holds
// exactly) are quantized with ggml_quantize_chunk, a one-node graph y = ggml_mul_mat(W, x) is
// built on the CPU backend (ggml quantizes x to Q8_K inside the op, as our `bitnet` row quantizes
// to int8), and ggml_backend_graph_compute is timed: one warm-up call, then SAMPLES samples of
// enough back-to-back calls to last MIN_MS each; the median time per call is reported. A few
// outputs are checked against a double-precision product of the same trits before timing, so a
// broken build cannot report a fast wrong answer.
//
//   ggml_ternary_matmul [--threads N] [--samples S] [--min-ms MS] [--json PATH] [MxKxN ...]
//
// m is the number of outputs (weight rows), k the inputs, n the tokens; with no shape given, the
// table's shapes are used.
#define _POSIX_C_SOURCE 199309L  // clock_gettime under -std=c11

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "ggml.h"

struct shape {
  int64_t m;  // outputs
  int64_t k;  // inputs
  int64_t n;  // tokens
};

// docs/PERFORMANCE.md, "Against ggml": a Llama-3-8B sized FFN projection and the BitNet b1.58 2B4T
// layers (attention q/o, k/v, FFN up/gate, FFN down) at 1, 8 and 128 tokens.
static const struct shape default_shapes[] = {
    {4096, 14336, 1},  {4096, 14336, 512}, {2560, 2560, 1},   {640, 2560, 1},
    {6912, 2560, 1},   {2560, 6912, 1},    {2560, 2560, 8},   {640, 2560, 8},
    {6912, 2560, 8},   {2560, 6912, 8},    {2560, 2560, 128}, {640, 2560, 128},
    {6912, 2560, 128}, {2560, 6912, 128},
};

struct result {
  const char* type_name;
  struct shape shape;
  double median_us;
  double fastest_us;
  double slowest_us;
  int64_t calls_per_sample;
  double nmse;
};

static double now_seconds(void) {
  struct timespec clock;
  clock_gettime(CLOCK_MONOTONIC, &clock);
  return (double)clock.tv_sec + (double)clock.tv_nsec * 1e-9;
}

// A counter-based generator (the splitmix64 finaliser): value i of stream `seed` is mix(seed, i),
// so the weights can be regenerated for the check without keeping them.
static uint64_t mix(uint64_t seed, uint64_t index) {
  uint64_t value = seed * 0x9e3779b97f4a7c15ull + index + 0x632be59bd9b4e019ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

static int trit_at(const struct shape* shape, int64_t row, int64_t column) {
  return (int)(mix(7, (uint64_t)(row * shape->k + column)) % 3) - 1;
}

// Per-row weight scale: a multiple of 1/64 below 1, exact in f16, so TQ2_0/TQ1_0 keep it exactly.
static float row_scale(int64_t row) {
  return (float)(1 + row % 13) / 64.0f;
}

static float activation_at(const struct shape* shape, int64_t token, int64_t column) {
  const uint64_t bits = mix(11, (uint64_t)(token * shape->k + column)) >> 40;  // 24 bits
  return (float)bits / (float)(1u << 23) - 1.0f;                                // [-1, 1)
}

static int compare_doubles(const void* left, const void* right) {
  const double a = *(const double*)left;
  const double b = *(const double*)right;
  return (a > b) - (a < b);
}

static void fail(const char* message) {
  fprintf(stderr, "ggml_ternary_matmul: %s\n", message);
  exit(1);
}

// Quantizes the m x k ternary weights into `packed` (ggml_row_size(type, k) bytes per row), a
// block of rows at a time so that the f32 copy stays small.
static void quantize_weights(enum ggml_type type, const struct shape* shape, uint8_t* packed) {
  const int64_t rows_per_chunk = 64;
  const size_t row_bytes = ggml_row_size(type, shape->k);
  float* values = malloc(sizeof(float) * (size_t)(rows_per_chunk * shape->k));
  if (values == NULL) fail("out of memory for the f32 weights");
  for (int64_t first = 0; first < shape->m; first += rows_per_chunk) {
    const int64_t rows = shape->m - first < rows_per_chunk ? shape->m - first : rows_per_chunk;
    for (int64_t row = 0; row < rows; ++row) {
      const float scale = row_scale(first + row);
      for (int64_t column = 0; column < shape->k; ++column) {
        values[row * shape->k + column] = (float)trit_at(shape, first + row, column) * scale;
      }
    }
    const size_t written = ggml_quantize_chunk(type, values, packed + (size_t)first * row_bytes, 0,
                                               rows, shape->k, NULL);
    if (written != (size_t)rows * row_bytes) fail("ggml_quantize_chunk wrote an unexpected size");
  }
  free(values);
}

// Normalised squared error of up to 64 outputs x 4 tokens against the exact product in double.
static double check_outputs(const struct shape* shape, const float* y) {
  const int64_t row_step = shape->m / 64 > 1 ? shape->m / 64 : 1;
  const int64_t token_step = shape->n / 4 > 1 ? shape->n / 4 : 1;
  double error = 0;
  double norm = 0;
  for (int64_t token = 0; token < shape->n; token += token_step) {
    for (int64_t row = 0; row < shape->m; row += row_step) {
      double exact = 0;
      for (int64_t column = 0; column < shape->k; ++column) {
        exact += trit_at(shape, row, column) * (double)activation_at(shape, token, column);
      }
      exact *= row_scale(row);
      const double difference = (double)y[token * shape->m + row] - exact;
      error += difference * difference;
      norm += exact * exact;
    }
  }
  return norm > 0 ? error / norm : error;
}

static struct result time_matmul(ggml_backend_t backend, enum ggml_type type,
                                 const struct shape* shape, int samples, double min_seconds) {
  struct result result = {ggml_type_name(type), *shape, 0, 0, 0, 0, 0};

  // Tensors and graph metadata only; the data lives in one backend buffer.
  const struct ggml_init_params params = {
      .mem_size = 8 * ggml_tensor_overhead() + ggml_graph_overhead(),
      .mem_buffer = NULL,
      .no_alloc = true,
  };
  struct ggml_context* context = ggml_init(params);
  if (context == NULL) fail("ggml_init failed");
  // ggml's ne[0] is the contiguous dimension: W is k x m (m rows of k), x is k x n, y is m x n.
  struct ggml_tensor* weights = ggml_new_tensor_2d(context, type, shape->k, shape->m);
  struct ggml_tensor* activations = ggml_new_tensor_2d(context, GGML_TYPE_F32, shape->k, shape->n);
  struct ggml_tensor* output = ggml_mul_mat(context, weights, activations);
  struct ggml_cgraph* graph = ggml_new_graph(context);
  ggml_build_forward_expand(graph, output);
  ggml_backend_buffer_t buffer = ggml_backend_alloc_ctx_tensors(context, backend);
  if (buffer == NULL) fail("ggml_backend_alloc_ctx_tensors failed");

  const size_t weight_bytes = ggml_nbytes(weights);
  uint8_t* packed = malloc(weight_bytes);
  float* x = malloc(sizeof(float) * (size_t)(shape->n * shape->k));
  float* y = malloc(sizeof(float) * (size_t)(shape->n * shape->m));
  if (packed == NULL || x == NULL || y == NULL) fail("out of memory for the operands");
  quantize_weights(type, shape, packed);
  for (int64_t token = 0; token < shape->n; ++token) {
    for (int64_t column = 0; column < shape->k; ++column) {
      x[token * shape->k + column] = activation_at(shape, token, column);
    }
  }
  ggml_backend_tensor_set(weights, packed, 0, weight_bytes);
  ggml_backend_tensor_set(activations, x, 0, ggml_nbytes(activations));

  // Warm-up (pages, caches, the backend's work buffer and threads), then the check.
  if (ggml_backend_graph_compute(backend, graph) != GGML_STATUS_SUCCESS) fail("compute failed");
  ggml_backend_tensor_get(output, y, 0, ggml_nbytes(output));
  result.nmse = check_outputs(shape, y);

  // Calls per sample: enough for min_seconds, from a short calibration run.
  int64_t calls = 1;
  for (;;) {
    const double start = now_seconds();
    for (int64_t call = 0; call < calls; ++call) ggml_backend_graph_compute(backend, graph);
    const double elapsed = now_seconds() - start;
    if (elapsed >= min_seconds / 4 || calls >= (int64_t)1 << 30) {
      const double per_call = elapsed / (double)calls;
      calls = (int64_t)ceil(min_seconds / per_call);
      if (calls < 1) calls = 1;
      break;
    }
    calls *= 4;
  }
  result.calls_per_sample = calls;

  double* per_call_us = malloc(sizeof(double) * (size_t)samples);
  if (per_call_us == NULL) fail("out of memory for the samples");
  for (int sample = 0; sample < samples; ++sample) {
    const double start = now_seconds();
    for (int64_t call = 0; call < calls; ++call) ggml_backend_graph_compute(backend, graph);
    per_call_us[sample] = (now_seconds() - start) / (double)calls * 1e6;
  }
  qsort(per_call_us, (size_t)samples, sizeof(double), compare_doubles);
  result.median_us = samples % 2 ? per_call_us[samples / 2]
                                 : (per_call_us[samples / 2 - 1] + per_call_us[samples / 2]) / 2;
  result.fastest_us = per_call_us[0];
  result.slowest_us = per_call_us[samples - 1];

  free(per_call_us);
  free(packed);
  free(x);
  free(y);
  ggml_backend_buffer_free(buffer);
  ggml_free(context);
  return result;
}

static int parse_shape(const char* text, struct shape* shape) {
  long long m = 0, k = 0, n = 0;
  char end = 0;
  if (sscanf(text, "%lldx%lldx%lld%c", &m, &k, &n, &end) != 3 || m < 1 || k < 1 || n < 1) return 0;
  shape->m = m;
  shape->k = k;
  shape->n = n;
  return 1;
}

static void usage(void) {
  fprintf(stderr,
          "usage: ggml_ternary_matmul [--threads N] [--samples S] [--min-ms MS] [--json PATH] "
          "[MxKxN ...]\n");
  exit(2);
}

int main(int argc, char** argv) {
  int threads = 1;
  int samples = 11;
  double min_ms = 20;
  const char* json_path = NULL;
  // Room for every argument as a shape, or for the default list.
  const int default_count = (int)(sizeof default_shapes / sizeof default_shapes[0]);
  struct shape* shapes =
      malloc(sizeof(struct shape) * (size_t)(argc > default_count ? argc : default_count));
  int shape_count = 0;
  if (shapes == NULL) fail("out of memory");
  for (int index = 1; index < argc; ++index) {
    const char* argument = argv[index];
    const int has_value = index + 1 < argc;
    if (strcmp(argument, "--threads") == 0 && has_value) {
      threads = atoi(argv[++index]);
    } else if (strcmp(argument, "--samples") == 0 && has_value) {
      samples = atoi(argv[++index]);
    } else if (strcmp(argument, "--min-ms") == 0 && has_value) {
      min_ms = atof(argv[++index]);
    } else if (strcmp(argument, "--json") == 0 && has_value) {
      json_path = argv[++index];
    } else if (parse_shape(argument, &shapes[shape_count])) {
      ++shape_count;
    } else {
      usage();
    }
  }
  if (threads < 1 || samples < 1 || !(min_ms > 0)) usage();
  if (shape_count == 0) {
    shape_count = default_count;
    memcpy(shapes, default_shapes, sizeof default_shapes);
  }

  ggml_backend_t backend = ggml_backend_cpu_init();
  if (backend == NULL) fail("ggml_backend_cpu_init failed");
  ggml_backend_cpu_set_n_threads(backend, threads);

  printf("ggml %s (commit %s), CPU backend, %d threads; median of %d samples of >= %g ms\n",
         ggml_version(), ggml_commit(), threads, samples, min_ms);
  printf("%-6s %6s %6s %4s %12s %12s %12s %8s %9s %9s\n", "type", "m", "k", "n", "median_us",
         "fastest_us", "slowest_us", "calls", "GOPS", "nmse");
  fflush(stdout);

  const enum ggml_type types[] = {GGML_TYPE_TQ2_0, GGML_TYPE_TQ1_0};
  const int result_count = shape_count * 2;
  struct result* results = malloc(sizeof(struct result) * (size_t)result_count);
  if (results == NULL) fail("out of memory");
  int failed = 0;
  for (int index = 0; index < shape_count; ++index) {
    for (int type = 0; type < 2; ++type) {
      struct result* result = &results[index * 2 + type];
      *result = time_matmul(backend, types[type], &shapes[index], samples, min_ms * 1e-3);
      const double multiply_adds =
          (double)result->shape.m * (double)result->shape.k * (double)result->shape.n;
      printf("%-6s %6lld %6lld %4lld %12.1f %12.1f %12.1f %8lld %9.1f %9.2e\n", result->type_name,
             (long long)result->shape.m, (long long)result->shape.k, (long long)result->shape.n,
             result->median_us, result->fastest_us, result->slowest_us,
             (long long)result->calls_per_sample, multiply_adds / result->median_us * 1e-3,
             result->nmse);
      fflush(stdout);
      // Q8_K activations and exact ternary weights: the error is the activations' rounding.
      if (!(result->nmse < 1e-3)) {
        fprintf(stderr, "ggml_ternary_matmul: %s %lldx%lldx%lld: nmse %.3g against the exact "
                        "product (expected < 1e-3)\n",
                result->type_name, (long long)result->shape.m, (long long)result->shape.k,
                (long long)result->shape.n, result->nmse);
        failed = 1;
      }
    }
  }

  if (json_path != NULL) {
    FILE* json = fopen(json_path, "w");
    if (json == NULL) fail("cannot write the JSON file");
    fprintf(json, "{\"ggml_version\": \"%s\", \"ggml_commit\": \"%s\", \"threads\": %d, "
                  "\"samples\": %d, \"min_ms\": %g, \"results\": [\n",
            ggml_version(), ggml_commit(), threads, samples, min_ms);
    for (int index = 0; index < result_count; ++index) {
      const struct result* result = &results[index];
      fprintf(json,
              "  {\"type\": \"%s\", \"m\": %lld, \"k\": %lld, \"n\": %lld, \"median_us\": %.4f, "
              "\"fastest_us\": %.4f, \"slowest_us\": %.4f, \"calls_per_sample\": %lld, "
              "\"nmse\": %.6g}%s\n",
              result->type_name, (long long)result->shape.m, (long long)result->shape.k,
              (long long)result->shape.n, result->median_us, result->fastest_us,
              result->slowest_us, (long long)result->calls_per_sample, result->nmse,
              index + 1 < result_count ? "," : "");
    }
    fprintf(json, "]}\n");
    fclose(json);
  }

  free(results);
  free(shapes);
  ggml_backend_free(backend);
  ggml_quantize_free();
  return failed;
}

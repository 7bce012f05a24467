#include "bench/suites.h"

namespace bitnet::bench {

void register_builtin_suites(SuiteRegistry& registry) {
  register_ops_suite(registry);
  register_pool_suite(registry);
  register_simd_suite(registry);
  register_ternary_suite(registry);
  register_linalg_suite(registry);
  register_io_suite(registry);
  register_tokenizer_suite(registry);
  register_model_suite(registry);
}

}  // namespace bitnet::bench

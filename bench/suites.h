// Every built-in benchmark suite. Adding a suite: write bench/suite_<name>.cpp defining
// register_<name>_suite, declare it here and call it from register_builtin_suites (suites.cpp).
#pragma once

#include "bench/registry.h"

namespace bitnet::bench {

void register_ops_suite(SuiteRegistry& registry);
void register_pool_suite(SuiteRegistry& registry);
void register_simd_suite(SuiteRegistry& registry);
void register_ternary_suite(SuiteRegistry& registry);
void register_linalg_suite(SuiteRegistry& registry);
void register_io_suite(SuiteRegistry& registry);
void register_tokenizer_suite(SuiteRegistry& registry);
void register_model_suite(SuiteRegistry& registry);

// Registers all of the above, in the order `bitnet bench` runs them.
void register_builtin_suites(SuiteRegistry& registry);

}  // namespace bitnet::bench

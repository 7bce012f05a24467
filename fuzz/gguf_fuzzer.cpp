// libFuzzer target: bitnet::fuzz::gguf_target (tests/support/fuzz_targets.h says what it
// exercises). Only a bitnet::Error may come back from the reader; anything else is a finding, and
// so is a broken round trip (the target returns false and this aborts). Inputs that ever crashed it
// live in tests/data/fuzz_regressions/gguf_fuzzer/ and replay in tests/fuzz_regression_test.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../tests/support/fuzz_targets.h"
#include "bitnet/config.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  bitnet::set_num_threads(1);  // deterministic, and no pool threads in the reports
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!bitnet::fuzz::gguf_target(data, size)) std::abort();
  return 0;
}

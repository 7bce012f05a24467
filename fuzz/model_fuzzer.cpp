// libFuzzer target: bitnet::fuzz::model_target (tests/support/fuzz_targets.h says what it
// exercises). Only a bitnet::Error may come back from the model loader; anything else is a
// finding, and so is a loaded model whose logits have the wrong shape (the target returns false
// and this aborts). Seeds: scripts/make_model_fuzz_inputs.py. Inputs that ever crashed it live in
// tests/data/fuzz_regressions/model_fuzzer/ and replay in tests/fuzz_regression_test.cpp.
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
  if (!bitnet::fuzz::model_target(data, size)) std::abort();
  return 0;
}

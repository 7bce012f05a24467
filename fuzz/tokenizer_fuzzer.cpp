// libFuzzer target: bitnet::fuzz::tokenizer_target (tests/support/fuzz_targets.h says what it
// exercises and how the input is laid out). Only a bitnet::Error may come back from the loaders or
// encode/decode; anything else is a finding, and so is a broken invariant (a streamed decode that
// differs from decode(), or decode(encode(x)) != x for valid UTF-8 where the tokenizer is
// lossless): the target returns false and this aborts. Inputs that ever crashed it live in
// tests/data/fuzz_regressions/tokenizer_fuzzer/ and replay in tests/fuzz_regression_test.cpp.
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
  if (!bitnet::fuzz::tokenizer_target(data, size)) std::abort();
  return 0;
}

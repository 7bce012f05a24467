#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, in build/fuzz) and runs each for
# SECONDS (default 60) on its seed corpus fuzz/corpus/<target>/ with an allocation cap, so that an
# absurd declared size is a finding rather than a slow allocation. New inputs go to a scratch
# corpus under the build directory, never into the committed seeds. Exits non-zero on any finding;
# the reproducer is left in build/fuzz/findings/<target>/ (docs/FUZZING.md says what to do next).
#
#   scripts/run-fuzzers.sh [SECONDS]      environment: CXX_FUZZ (default clang++-14),
#                                         BITNET_FUZZ_BUILD (default build/fuzz), JOBS (default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${BITNET_FUZZ_BUILD:-build/fuzz}
cxx=${CXX_FUZZ:-clang++-14}
cc=${cxx/clang++/clang}
jobs=${JOBS:-$(nproc)}
targets=(gguf_fuzzer gguf_metadata_fuzzer safetensors_fuzzer tokenizer_fuzzer model_fuzzer)

launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_C_COMPILER="$cc" -DBITNET_FUZZ=ON -DBITNET_BUILD_TESTS=OFF -DBITNET_BUILD_BENCH=OFF \
  "${launcher[@]}" >/dev/null
nice -n 5 ninja -C "$build" -j"$jobs" "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  scratch="$build/corpus/$target"
  findings="$build/findings/$target"
  mkdir -p "$scratch" "$findings"
  echo "== $target: ${seconds}s"
  # -malloc_limit_mb: one allocation above 64 MiB is a finding; -rss_limit_mb bounds the process.
  if ! nice -n 10 "$build/fuzz/$target" -max_total_time="$seconds" -malloc_limit_mb=64 \
      -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$findings/" \
      "$scratch" "fuzz/corpus/$target" >"$build/$target.log" 2>&1; then
    status=1
    echo "FINDING in $target: see $build/$target.log and $findings/"
    grep -E "ERROR|SUMMARY|Test unit written" "$build/$target.log" | head -5 || true
  fi
  # The last status line and the executions, for docs/FUZZING.md.
  grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE)" "$build/$target.log" | tail -1 || true
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/$target.log" || true
done

# The allocation cap must hold for the pool's mappings too, which libFuzzer's malloc hook never
# sees: a Q8_0 tensor that dequantizes to 1.1 MiB (tests/data/fuzz_planted/) must be stopped by the
# pool under -malloc_limit_mb=1, and pass under the usual cap.
planted=tests/data/fuzz_planted/gguf_fuzzer/q8_0_past_one_mebibyte.gguf
echo "== planted oversize request: $planted"
planted_log="$build/planted.log"
if "$build/fuzz/gguf_fuzzer" -malloc_limit_mb=64 -runs=1 "$planted" >"$planted_log" 2>&1; then
  echo "ok: passes under -malloc_limit_mb=64"
else
  status=1
  echo "FAILED: the planted input fails under -malloc_limit_mb=64: see $planted_log"
fi
if "$build/fuzz/gguf_fuzzer" -malloc_limit_mb=1 -runs=1 "$planted" >"$planted_log" 2>&1; then
  status=1
  echo "FAILED: an allocation of 1.1 MiB passed under -malloc_limit_mb=1"
elif grep -q "bitnet memory pool: out-of-memory" "$planted_log"; then
  grep -m1 "bitnet memory pool: out-of-memory" "$planted_log"
  echo "ok: the pool's request above the cap is a finding"
else
  status=1
  echo "FAILED: the planted input failed for another reason: see $planted_log"
fi
exit "$status"

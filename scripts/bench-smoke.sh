#!/usr/bin/env bash
# Runs every `bitnet bench` suite once, with --quick, on a small case filter, so that the checks
# the suites make before timing (every row's result against the reference, a preloaded allocator
# that really took, files that read back) run on every change. Timings here mean nothing: the
# machine is busy with the rest of CI. Fails if any suite fails or a filter matches no case.
#
#   scripts/bench-smoke.sh [BITNET_BINARY]       default: build/release/tools/bitnet/bitnet
set -euo pipefail
cd "$(dirname "$0")/.."
bitnet=${1:-build/release/tools/bitnet/bitnet}

# suite:case filter (comma-separated substrings, as --case takes them)
runs=(
  "ops:small_op_add_1000,sum_1m"
  "simd:add_4k,relu2_4k,quantize_i8_4k"
  "pool:alloc_64b_2t,trace_1t,cross_thread_1k"
  "ternary:gemv_2560x2560_l3,gemm_640x2560x8_l3,gemm_2560x6912x128_l3"
  "linalg:1000x8x8"
  "io:repack"
  "tokenizer:encode_llama3_256kb"
  "model:small"
)
# The external rows of the tokenizer and model suites (node and npm packages) must run here: a
# missing one is an error, not a skipped row.
export BITNET_REQUIRE_PEERS=1
for run in "${runs[@]}"; do
  suite=${run%%:*}
  cases=${run#*:}
  echo "-- bench --suite $suite --case $cases --quick"
  "$bitnet" bench --suite "$suite" --case "$cases" --quick
done
echo "bench smoke: every suite ran its checks"

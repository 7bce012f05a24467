#!/usr/bin/env bash
# A model of ours in llama.cpp (npm node-llama-cpp 3.21.1, its prebuilt CPU binaries), run by CTest:
#   1. model_interop writes a random-weight SiLU BitNet model as a GGUF of architecture "bitnet"
#      (TQ2_0 and TQ1_0); llama.cpp's loader wants a vocabulary (tokenizer.ggml.model is required),
#      so a placeholder byte-level one is added; only token ids are fed, never text;
#   2. llama.cpp gives its next-token distributions for every prefix of a list of ids;
#   3. ours must agree within MAX_ERROR (largest absolute difference of a probability);
#   4. negative controls, which must fail the same check: our model with relu2 in place of SiLU,
#      and llama.cpp on a copy whose q/k rows are permuted as LLaMA converters do (interleaved
#      RoPE pairs): so the check tells activations and RoPE pairings apart.
# MAX_ERROR 0.05: llama.cpp quantizes activations per block of 256 (Q8_K) where we quantize per
# token, and keeps the KV cache in f16. Measured on 2026-12-04 (TQ2_0): 0.0131 (KL 0.014 nats, top
# token equal at 15 of 16 positions, the other with a lead under 0.05); relu2 0.43 (KL 1.5 nats);
# permuted q/k 0.50 (KL 3.5 nats).
# Usage: run.sh MODEL_INTEROP_BINARY
# An oracle that cannot run is a failure (tests/interop/oracle_setup.sh).
set -euo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
max_error=0.05
ids=5,77,300,12,499,0,256,31,7,8,9,10,400,3,128,64

# shellcheck source=../oracle_setup.sh
source "$here/../oracle_setup.sh"
oracle_install llama-cpp-model "$here" "$here/distributions.mjs"
echo "node $(node --version), node-llama-cpp $(node -p "require('$work/node_modules/node-llama-cpp/package.json').version")"

for format in tq2_0 tq1_0; do
  model="$work/model-$format.gguf"
  "$tool" write "$model" "$format" bytes
  node "$work/distributions.mjs" "$model" "$ids" >"$work/theirs-$format.json"
  "$tool" compare "$model" "$work/theirs-$format.json" "$max_error"
  echo "ok: llama.cpp loads our $format model and agrees with us"
  if "$tool" compare "$model" "$work/theirs-$format.json" "$max_error" relu2 >/dev/null 2>&1; then
    echo "FAIL: the check passes with the wrong activation too" >&2
    exit 1
  fi
  echo "ok: with relu2 instead of SiLU the check fails"
done

# RoPE pairing: llama.cpp on q/k rows permuted for interleaved pairs must disagree with us.
"$tool" write "$work/permuted.gguf" tq2_0 bytes permuted
node "$work/distributions.mjs" "$work/permuted.gguf" "$ids" >"$work/theirs-permuted.json"
if "$tool" compare "$work/model-tq2_0.gguf" "$work/theirs-permuted.json" "$max_error" \
  >/dev/null 2>&1; then
  echo "FAIL: the check passes with q/k rows permuted too" >&2
  exit 1
fi
echo "ok: with q/k rows permuted for interleaved RoPE the check fails"
echo "PASS"

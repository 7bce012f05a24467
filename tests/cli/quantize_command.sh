#!/usr/bin/env bash
# `bitnet quantize` end to end on the transformers fixture: the GGUF files it writes (TQ2_0, TQ1_0,
# I2_S, and GGUF to GGUF) give the folder's logits exactly (`bitnet logits --json`, every digit);
# --ffn-act changes them; bad arguments are refused.
# Usage: quantize_command.sh BITNET_BINARY FIXTURE_FOLDER
set -euo pipefail
bitnet=$1
model=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/bitnet-quantize-XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

tokens=1,17,300,42,511
"$bitnet" logits --model "$model" --tokens "$tokens" --json >"$work/folder.json"
for type in tq2_0 tq1_0 i2_s; do
  "$bitnet" quantize "$model" "$work/$type.gguf" --type "$type" >"$work/$type.log"
  grep -q "projections $type" "$work/$type.log" || fail "quantize said: $(cat "$work/$type.log")"
  "$bitnet" logits --model "$work/$type.gguf" --tokens "$tokens" --json >"$work/$type.json"
  cmp -s "$work/folder.json" "$work/$type.json" || fail "$type logits differ from the folder's"
  echo "ok: quantize --type $type keeps the logits"
done
"$bitnet" quantize "$work/tq2_0.gguf" "$work/again.gguf" --type i2_s >/dev/null
"$bitnet" logits --model "$work/again.gguf" --tokens "$tokens" --json >"$work/again.json"
cmp -s "$work/folder.json" "$work/again.json" || fail "GGUF to GGUF changed the logits"
echo "ok: GGUF to GGUF keeps the logits"

"$bitnet" logits --model "$work/tq2_0.gguf" --tokens "$tokens" --json --ffn-act silu \
  >"$work/silu.json"
if cmp -s "$work/folder.json" "$work/silu.json"; then fail "--ffn-act silu changed nothing"; fi
"$bitnet" quantize "$model" "$work/silu.gguf" --ffn-act silu >/dev/null
"$bitnet" logits --model "$work/silu.gguf" --tokens "$tokens" --json >"$work/silu-file.json"
cmp -s "$work/silu.json" "$work/silu-file.json" || fail "quantize --ffn-act silu was not recorded"
echo "ok: --ffn-act overrides the activation, and quantize records it"

expect_refusal() {
  local needle=$1
  shift
  local output
  if output=$("$bitnet" "$@" 2>&1); then fail "'$*' succeeded; expected: $needle"; fi
  grep -qF -- "$needle" <<<"$output" || fail "'$*' said '$output'; expected: $needle"
  echo "ok: $needle"
}
expect_refusal "--type: t2 not in" quantize "$model" "$work/x.gguf" --type t2
expect_refusal "--ffn-act: gelu not in" logits --model "$model" --tokens 1 --ffn-act gelu
expect_refusal "no-such-model" quantize "$work/no-such-model" "$work/x.gguf"
[ ! -e "$work/x.gguf" ] || fail "a refused quantize left $work/x.gguf"
echo PASS

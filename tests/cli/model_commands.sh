#!/usr/bin/env bash
# The model commands of the `bitnet` CLI on the transformers fixture (tests/data/hf_bitnet_tiny):
# greedy generation prints transformers' continuation, logits --json carries one row per position
# of the model's vocabulary, and bad input is refused by name with a non-zero exit.
#   model_commands.sh BITNET_BINARY FIXTURE_FOLDER
set -euo pipefail
bitnet=$1
model=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/bitnet-model-commands-XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

expected="334 154 383 46 46 46 46 308 308 308 210 180 252 252 235 121"
got=$("$bitnet" generate --model "$model" --prompt-ids 1,17,255,42,511,0,128,300,7,64,99,400 -n 16 2>/dev/null | tr -s ' \n' ' ' | sed 's/ $//')
[ "$got" = "$expected" ] || fail "greedy generate printed '$got', transformers chose '$expected'"
echo "ok: greedy generate equals transformers' continuation"

json=$("$bitnet" logits --model "$model" --tokens 1,17 --json)
case "$json" in
  '{"logits": [['*']]}') ;;
  *) fail "logits --json is not {\"logits\": [[...]]}: ${json:0:80}" ;;
esac
# Counted with commands that read all their input: under pipefail a `head` that closes its input
# early can kill the writer with SIGPIPE and end the script without a message.
closing=$(tr -cd ']' <<<"$json" | wc -c)
[ "$closing" -eq 3 ] || fail "logits --json has $((closing - 1)) rows for 2 tokens"
first_row=${json%%]*}
values=$(($(tr -cd ',' <<<"$first_row" | wc -c) + 1))
[ "$values" -eq 512 ] || fail "logits --json row has $values values, the vocabulary is 512"
echo "ok: logits --json has a row of 512 values per position"

ids=$(seq -s, 3 3 90)  # 30 ids: two chunks of 12 and a dropped remainder
json=$("$bitnet" perplexity --model "$model" --tokens "$ids" --ctx 12 --json 2>/dev/null)
case "$json" in
  '{"perplexity": '[0-9]*', "chunks": 2, "context": 12, "scored_tokens": 10, '*) ;;
  *) fail "perplexity --json printed '$json'" ;;
esac
echo "ok: perplexity --json scores the second half of two chunks"

expect_refusal() {
  local needle=$1
  shift
  local output
  if output=$("$bitnet" "$@" 2>&1); then fail "'$*' succeeded; expected: $needle"; fi
  grep -qF -- "$needle" <<<"$output" || fail "'$*' said '$output'; expected: $needle"
  echo "ok: $needle"
}
expect_refusal "'x' is not a token id" logits --model "$model" --tokens 1,x
expect_refusal "has no tokenizer" generate --model "$model" --prompt hello
expect_refusal "id 512 at position 1 is outside" logits --model "$model" --tokens 1,512
expect_refusal "packed/config.json" logits --model "$model/config.json" --tokens 1
expect_refusal "temperature must be >= 0" generate --model "$model" --prompt-ids 1 --temp -1
expect_refusal "--chat needs the prompt as text" generate --model "$model" --prompt-ids 1 --chat
expect_refusal "fewer than two chunks" perplexity --model "$model" --tokens 1,2,3 --ctx 4
expect_refusal "has no tokenizer" chat --model "$model" </dev/null

# The built-in model without --model: generate says which model runs, and chat (no chat template:
# each line continues the text) answers its first line as generate does, then a second line.
generated=$("$bitnet" generate --prompt "The Python interpreter" -n 24 2>"$work/generate.err")
grep -qF "running the built-in tiny-bitnet" "$work/generate.err" || fail "generate did not name the built-in model"
chatted=$(printf 'The Python interpreter\n\nA list\n' | "$bitnet" chat -n 24 2>/dev/null)
[[ "$chatted" == "$generated"* ]] ||
  fail "chat's first reply '$chatted' does not start with generate's '$generated'"
[ "$(wc -l <<<"$chatted")" -ge 2 ] || fail "chat gave no second reply: '$chatted'"
echo "ok: generate and chat run the built-in model"
echo PASS

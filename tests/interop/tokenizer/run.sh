#!/usr/bin/env bash
# Tokenizer interoperability with implementations we did not write, run by CTest:
#   1. the LLaMA-3 tokenizer shipped in llama3-tokenizer-js is exported to a tokenizer.json and to
#      GGUF tokenizer metadata (export_llama3.mjs; the GGUF file is written by our GgufWriter);
#   2. a corpus of several thousand strings is generated (make_corpus.mjs);
#   3. the package's own encoder and @huggingface/tokenizers loading the exported tokenizer.json
#      must agree on every id and decoded text (oracles.mjs), which proves the export;
#   4. ours, loaded from the tokenizer.json and from the GGUF file, must give the same ids and
#      texts, round-trip valid UTF-8 and stream-decode without splitting a character;
#   5. with BITNET_CLI, `bitnet tokenize` and `bitnet detokenize` agree with the package too.
# Usage: run.sh TOKENIZER_INTEROP_BINARY [BITNET_CLI]
# An oracle that cannot run is a failure: missing node/npm or an install that fails (offline) exits
# 1 with the reason. A developer without a network may set BITNET_ALLOW_ORACLE_SKIP=1 to have CTest
# report the test as skipped (exit 77) instead; CI never sets it and fails on any skipped test.
set -euo pipefail
tool=$1
cli=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

skip() {
  if [ "${BITNET_ALLOW_ORACLE_SKIP:-0}" = 1 ]; then
    echo "SKIP (BITNET_ALLOW_ORACLE_SKIP=1): $*"
    exit 77
  fi
  echo "FAIL: the tokenizer oracles cannot run: $*" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/bitnet-tokenizer-interop-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here"/*.mjs "$work/"
if ! (cd "$work" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1); then
  cat "$work/npm.log"
  skip "npm ci could not install llama3-tokenizer-js and @huggingface/tokenizers (offline?)"
fi
version() { node -p "require('$work/node_modules/$1/package.json').version"; }
echo "node $(node --version), llama3-tokenizer-js $(version llama3-tokenizer-js)," \
  "@huggingface/tokenizers $(version @huggingface/tokenizers)"

# 1. Export; the GGUF file comes from the exported metadata through our writer.
node "$work/export_llama3.mjs" "$work/llama3"
"$tool" gguf-write "$work/llama3/gguf-metadata.json" "$work/llama3/llama3.gguf"

# 2. Corpus, drawn where JavaScript's Unicode classes agree with our regex engine's.
"$tool" unicode-classes "$work/classes.bin"
node "$work/make_corpus.mjs" "$work/classes.bin" "$work/corpus.json"

# 3. The oracles must agree with each other.
node "$work/oracles.mjs" "$work/llama3" "$work/corpus.json" "$work/expected.json"

# 4. Ours must agree with them.
"$tool" check "$work/llama3" "$work/llama3/llama3.gguf" "$work/corpus.json" "$work/expected.json"
# 5. The command line.
if [ -n "$cli" ]; then
  text=$'Hello world! <|eot_id|>\n\t\xf0\x9f\xa6\x99 it\'s 12345'
  oracle() {
    (cd "$work" && node --input-type=module -e "
      import t from 'llama3-tokenizer-js';
      const ids = t.encode(process.argv[1], { bos: $1, eos: false });
      console.log($2);" "$text")
  }
  for source in "--model $work/llama3/llama3.gguf" "--tokenizer $work/llama3"; do
    # The package always reads special tokens in text, as --parse-special does.
    ours=$("$cli" tokenize $source --parse-special --text "$text")
    theirs=$(oracle true "ids.join(',')")
    [ "$ours" = "$theirs" ] || { echo "FAIL: bitnet tokenize $source: $ours, expected $theirs" >&2; exit 1; }
    ours=$("$cli" tokenize $source --parse-special --no-bos --json --text "$text")
    theirs=$(oracle false "JSON.stringify({ ids }).replaceAll(',', ', ').replace(':', ': ')")
    [ "$ours" = "$theirs" ] || { echo "FAIL: bitnet tokenize --json $source: $ours, expected $theirs" >&2; exit 1; }
    decoded=$("$cli" detokenize $source --ids "$(oracle false "ids.join(',')")")
    [ "$decoded" = "$text" ] || { echo "FAIL: bitnet detokenize $source gave '$decoded'" >&2; exit 1; }
  done
  echo "ok: bitnet tokenize and detokenize agree with llama3-tokenizer-js (GGUF and tokenizer.json)"
fi
echo "PASS"

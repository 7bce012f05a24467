#!/usr/bin/env bash
# Tokenizer interoperability with implementations we did not write, run by CTest:
#   1. the LLaMA-3 tokenizer shipped in llama3-tokenizer-js and the LLaMA-2 one shipped in
#      llama-tokenizer-js are exported to tokenizer.json files and to GGUF tokenizer metadata
#      (export_llama3.mjs, export_llama2.mjs; the GGUF files are written by our GgufWriter);
#   2. a corpus of several thousand strings is generated (make_corpus.mjs);
#   3. for each model, the package's own encoder and @huggingface/tokenizers loading the exported
#      tokenizer.json must agree on every id and decoded text (oracles.mjs), which proves the export;
#   4. ours, loaded from the tokenizer.json and from the GGUF file, must give the same ids and
#      texts, round-trip valid UTF-8 and stream-decode without splitting a character;
#   5. with BITNET_CLI, `bitnet tokenize` and `bitnet detokenize` agree with the package too.
# Usage: run.sh TOKENIZER_INTEROP_BINARY [BITNET_CLI]
# An oracle that cannot run is a failure (tests/interop/oracle_setup.sh).
set -euo pipefail
tool=$1
cli=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=../oracle_setup.sh
source "$here/../oracle_setup.sh"
oracle_install tokenizer-interop "$here" "$here"/*.mjs
version() { node -p "require('$work/node_modules/$1/package.json').version"; }
echo "node $(node --version), llama3-tokenizer-js $(version llama3-tokenizer-js)," \
  "llama-tokenizer-js $(version llama-tokenizer-js), @huggingface/tokenizers $(version @huggingface/tokenizers)"

# 1. Export; the GGUF files come from the exported metadata through our writer.
node "$work/export_llama3.mjs" "$work/llama3"
"$tool" gguf-write "$work/llama3/gguf-metadata.json" "$work/llama3/model.gguf"
node "$work/export_llama2.mjs" "$work/llama2"
"$tool" gguf-write "$work/llama2/gguf-metadata.json" "$work/llama2/model.gguf"
# LLaMA-2 again in transformers' Metaspace form (tokenizer.json only: GGUF has no such form).
node "$work/export_llama2.mjs" "$work/llama2_metaspace" metaspace

# 2. Corpus, drawn where JavaScript's Unicode classes agree with our regex engine's.
"$tool" unicode-classes "$work/classes.bin"
node "$work/make_corpus.mjs" "$work/classes.bin" "$work/corpus.json"

for model in llama3 llama2 llama2_metaspace; do
  # 3. The oracles must agree with each other.
  node "$work/oracles.mjs" "$model" "$work/$model" "$work/corpus.json" "$work/$model/expected.json"
  # 4. Ours must agree with them.
  gguf="$work/$model/model.gguf"
  [ "$model" = llama2_metaspace ] && gguf=-
  "$tool" check "$work/$model" "$gguf" "$work/corpus.json" "$work/$model/expected.json"
done

# 5. The command line, for both models and both file kinds.
if [ -n "$cli" ]; then
  text=$'Hello world! <|eot_id|>\n\t\xf0\x9f\xa6\x99 it\'s 12345'
  # oracle MODEL BOS EXPRESSION: the package's ids for $text, printed by EXPRESSION over `ids`.
  oracle() {
    local encode="t.encode(process.argv[1], { bos: $2, eos: false })"
    local package=llama3-tokenizer-js
    if [ "$1" = llama2 ]; then
      encode="t.encode(process.argv[1], $2, true)"
      package=llama-tokenizer-js
    fi
    (cd "$work" && node --input-type=module -e "
      import t from '$package';
      const ids = $encode;
      console.log($3);" "$text")
  }
  for model in llama3 llama2; do
    for source in "--model $work/$model/model.gguf" "--tokenizer $work/$model"; do
      # llama3-tokenizer-js always reads special tokens in text, as --parse-special does.
      ours=$("$cli" tokenize $source --parse-special --text "$text")
      theirs=$(oracle $model true "ids.join(',')")
      [ "$ours" = "$theirs" ] || { echo "FAIL: bitnet tokenize $source: $ours, expected $theirs" >&2; exit 1; }
      ours=$("$cli" tokenize $source --parse-special --no-bos --json --text "$text")
      theirs=$(oracle $model false "JSON.stringify({ ids }).replaceAll(',', ', ').replace(':', ': ')")
      [ "$ours" = "$theirs" ] || { echo "FAIL: bitnet tokenize --json $source: $ours, expected $theirs" >&2; exit 1; }
      decoded=$("$cli" detokenize $source --ids "$(oracle $model false "ids.join(',')")")
      [ "$decoded" = "$text" ] || { echo "FAIL: bitnet detokenize $source gave '$decoded'" >&2; exit 1; }
    done
  done
  echo "ok: bitnet tokenize and detokenize agree with both packages (GGUF and tokenizer.json)"
fi
echo "PASS"

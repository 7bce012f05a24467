#!/usr/bin/env bash
# GGUF interoperability with @huggingface/gguf (an implementation we did not write), run by CTest:
#   1. @huggingface/gguf parses every file our writer makes; metadata and tensor infos must match
#      what our reader finds;
#   2. files it builds (serializeGgufMetadata; buildGgufHeader plus tensor data) read back in our
#      reader as what it serialized;
#   3. a file of ours whose metadata it rewrote keeps its tensors byte for byte.
# Usage: run.sh IO_INTEROP_BINARY
# An oracle that cannot run is a failure (tests/interop/oracle_setup.sh).
set -euo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=../oracle_setup.sh
source "$here/../oracle_setup.sh"
oracle_install gguf-interop "$here" "$here/gguf_interop.mjs"
echo "node $(node --version), @huggingface/gguf $(node -p "require('$work/node_modules/@huggingface/gguf/package.json').version")"

# 1. Theirs reads ours.
"$tool" gguf-write "$work/ours"
for file in "$work"/ours/*.gguf; do
  node "$work/gguf_interop.mjs" parse "$file" >"$file.node.json"
  "$tool" gguf-check-parsed "$file" "$file.node.json"
  echo "ok: @huggingface/gguf parses $(basename "$file") as we do"
done

# 2. Ours reads theirs.
node "$work/gguf_interop.mjs" build "$work/theirs"
for file in "$work"/theirs/*.gguf; do
  "$tool" gguf-check-built "$file" "$file.expected.json"
  echo "ok: we read $(basename "$file") (built by @huggingface/gguf) as it was serialized"
done

# 3. Theirs edits ours; ours reads the result.
node "$work/gguf_interop.mjs" edit "$work/ours/tensors.gguf" "$work/theirs/edited.gguf"
"$tool" gguf-check-built "$work/theirs/edited.gguf" "$work/theirs/edited.gguf.expected.json" \
  "$work/ours/tensors.gguf"
echo "ok: tensors.gguf re-headed by buildGgufHeader keeps its metadata edits and tensor bytes"
echo "PASS"

#!/usr/bin/env bash
# Installs node-llama-cpp 3.21.1 (package-lock.json; its prebuilt llama.cpp binaries, nothing
# compiled) outside this repository and times a GGUF model with decode.mjs, printing JSON.
#
# Usage: scripts/peers/node-llama-cpp/run.sh MODEL.gguf [--threads N] [--tokens N]
#                                             [--prompt-tokens N] [--runs N]
#        scripts/peers/node-llama-cpp/run.sh --tiny [decode.mjs options]
#        scripts/peers/node-llama-cpp/run.sh --install
#   --tiny writes a tiny random-weight model with make-tiny-gguf.mjs and times that: a check that
#   the install, the binding and decoding work, not a measurement of anything.
#   --install only installs (or checks) the packages and prints the folder that holds decode.mjs,
#   for callers that run it themselves (`bitnet bench --suite model`).
# Environment: NODE_LLAMA_CPP_DIR, where the packages are installed (default
#   ${XDG_CACHE_HOME:-~/.cache}/bitnet-core/peers/node-llama-cpp; reinstalled with `npm ci` only
#   when package-lock.json changes). The install is large (about 730 MB: npm also fetches the
#   package's CUDA and Vulkan builds for linux-x64, which decode.mjs never loads).
set -euo pipefail

if [ $# -lt 1 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
work=${NODE_LLAMA_CPP_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bitnet-core/peers/node-llama-cpp}

command -v node >/dev/null 2>&1 || { echo "run.sh: node is not installed" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "run.sh: npm is not installed" >&2; exit 1; }

mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/decode.mjs" "$here/make-tiny-gguf.mjs" \
  "$work/"
stamp="$work/node_modules/.bitnet-installed-lock.json"
if ! cmp -s "$here/package-lock.json" "$stamp"; then
  echo "run.sh: npm ci in $work" >&2
  (cd "$work" && npm ci --ignore-scripts=false --no-audit --no-fund --loglevel=error) >&2
  cp "$here/package-lock.json" "$stamp"
fi

model=$1
shift
if [ "$model" = --install ]; then
  echo "$work"
  exit 0
fi
if [ "$model" = --tiny ]; then
  model="$work/tiny.gguf"
  node "$work/make-tiny-gguf.mjs" "$model" >&2
fi
node "$work/decode.mjs" "$model" "$@"

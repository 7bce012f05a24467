#!/usr/bin/env bash
# The built-in tiny-bitnet model's perplexity on its held-out text, as `bitnet perplexity` computes
# it, against the value PyTorch and transformers computed for the same tokens and context
# (models/tiny-bitnet/reference.json, written by tools/train_tiny_bitnet.py): within 1 %, on the
# same number of chunks and scored tokens. The held-out text is rebuilt from the Debian packages
# python3.11-doc and fortunes by scripts/tiny_model/build_corpus.py; without them this fails.
# Usage: tiny_model_perplexity.sh BITNET REPOSITORY
set -euo pipefail
bitnet=$1
repository=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/bitnet-tiny-perplexity-XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 "$repository/scripts/tiny_model/build_corpus.py" "$work" >/dev/null
ours=$("$bitnet" perplexity --file "$work/heldout.txt" --ctx 256 --json 2>/dev/null)
python3 - "$repository/models/tiny-bitnet/reference.json" "$ours" <<'PYTHON'
import json
import sys

reference = json.load(open(sys.argv[1]))["perplexity"]
ours = json.loads(sys.argv[2])
print(f"bitnet perplexity {ours['perplexity']:.4f} on {ours['chunks']} chunks "
      f"({ours['scored_tokens']} scored tokens); transformers {reference['perplexity']:.4f} on "
      f"{reference['chunks']} chunks ({reference['scored_tokens']} scored tokens)")
if (ours["chunks"], ours["scored_tokens"]) != (reference["chunks"], reference["scored_tokens"]):
    sys.exit("FAIL: the held-out text does not give the reference's chunks and scored tokens "
             "(other python3.11-doc or fortunes package versions?)")
relative = abs(ours["perplexity"] - reference["perplexity"]) / reference["perplexity"]
print(f"relative difference {relative:.2e} (limit 1e-2)")
if relative > 0.01:
    sys.exit("FAIL: perplexity differs from transformers' by more than 1 %")
PYTHON
echo PASS

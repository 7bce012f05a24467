#!/usr/bin/env python3
"""Loads safetensors files that bitnet-core wrote with Hugging Face's safetensors library and
checks them: every tensor's dtype, shape and values against the formulas of
make_safetensors_fixtures.py, the sharded checkpoint through its index, and the BitNet packing
through transformers' unpack rule. Prints one line per tensor (dtype, shape, SHA-256 of the bytes)
and PASS or FAIL; exits non-zero on any failure.

Make the files on the build machine, copy the directory over, and run here (torch + safetensors):

    build/release/tests/io_interop safetensors-write /tmp/ours      # bitnet-core's writer
    python3 scripts/check_safetensors_roundtrip.py /tmp/ours
"""
import hashlib
import json
import math
import os
import sys

import torch
import safetensors
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_safetensors_fixtures import (  # noqa: E402  (the shared formulas)
    BITNET_COLS, BITNET_ROWS, BITNET_WEIGHT, BITNET_WEIGHT_SCALE, DTYPE_TENSORS, LAYER_SHAPE,
    LAYERS, make_tensor, trit)

failures = []


def digest(tensor):
    return hashlib.sha256(tensor.contiguous().view(torch.uint8).numpy().tobytes()).hexdigest()[:16] \
        if tensor.numel() else "empty"


def check(label, tensor, dtype, shape, expected):
    line = f"{label:45s} {str(tensor.dtype):15s} {str(tuple(tensor.shape)):12s} {digest(tensor)}"
    ok = tensor.dtype == dtype and tuple(tensor.shape) == tuple(shape)
    # Bit-exact: compare the raw bytes (NaN payloads and -0.0 included).
    ok = ok and (tensor.numel() == 0 or torch.equal(tensor.contiguous().view(torch.uint8),
                                                     expected.contiguous().view(torch.uint8)))
    print(("ok   " if ok else "FAIL ") + line)
    if not ok:
        failures.append(label)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ours"
    print(f"torch {torch.__version__}, safetensors {safetensors.__version__}, files in {directory}")

    path = os.path.join(directory, "dtypes.safetensors")
    with safe_open(path, framework="pt") as handle:
        metadata = handle.metadata()
        print(f"metadata: {metadata}")
        if metadata.get("format") != "pt":
            failures.append("dtypes metadata")
    tensors = load_file(path)
    if set(tensors) != set(DTYPE_TENSORS):
        failures.append(f"dtypes names {sorted(tensors)}")
    for name, (dtype, shape) in DTYPE_TENSORS.items():
        check(f"dtypes.safetensors:{name}", tensors[name], dtype, shape,
              make_tensor(name, dtype, shape))

    index_path = os.path.join(directory, "sharded", "model.safetensors.index.json")
    with open(index_path) as index_file:
        index = json.load(index_file)
    loaded = {}
    for shard in sorted(set(index["weight_map"].values())):
        for name, tensor in load_file(os.path.join(directory, "sharded", shard)).items():
            if index["weight_map"].get(name) != shard:
                failures.append(f"index does not map {name} to {shard}")
            loaded[name] = tensor
    total = sum(t.numel() * t.element_size() for t in loaded.values())
    if index.get("metadata", {}).get("total_size") != total:
        failures.append(f"total_size {index.get('metadata')} != {total}")
    for k in range(LAYERS):
        name = f"layers.{k}.weight"
        check(f"sharded:{name}", loaded[name], torch.float32, LAYER_SHAPE,
              make_tensor(name, torch.float32, LAYER_SHAPE))

    bitnet = load_file(os.path.join(directory, "hf_bitnet.safetensors"))
    packed = bitnet[BITNET_WEIGHT]
    scale = bitnet[BITNET_WEIGHT + "_scale"]
    try:
        from transformers.integrations.bitnet import unpack_weights
        unpacked = unpack_weights(packed, dtype=torch.int8)
        how = "transformers unpack_weights"
    except Exception:
        rows = packed.shape[0]
        unpacked = torch.cat([((packed >> (2 * i)) & 3).to(torch.int8) - 1 for i in range(4)])
        how = "local copy of the unpack rule"
    expected = torch.tensor([[trit(r, c) for c in range(BITNET_COLS)] for r in range(BITNET_ROWS)],
                            dtype=torch.int8)
    check(f"hf_bitnet:{BITNET_WEIGHT} ({how})", unpacked.to(torch.int8), torch.int8,
          (BITNET_ROWS, BITNET_COLS), expected)
    check("hf_bitnet:weight_scale", scale, torch.bfloat16, (1,),
          torch.tensor([BITNET_WEIGHT_SCALE], dtype=torch.bfloat16))

    print("PASS" if not failures else f"FAIL: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

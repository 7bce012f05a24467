#!/usr/bin/env python3
"""Writes tests/data/safetensors/ with Hugging Face's safetensors library (and torch), for
tests/safetensors_fixtures_test.cpp, which must read every file bit-exactly.

The tensors follow formulas that tests/support/safetensors_fixture_values.h repeats in C++; keep
the two in step. Run once on a machine with torch and safetensors (the GPU machine), then commit
the output together with this script:

    python3 scripts/make_safetensors_fixtures.py tests/data/safetensors

Files (all small, a few KiB in total):
    dtypes.safetensors       every dtype bitnet-core reads: F32 (with inf, nan, a denormal, -0,
                             FLT_MAX), F16, BF16, F64, I8, U8, I32, I64, BOOL, and an empty tensor
    sharded/                 model-0000{1,2}-of-00002.safetensors + model.safetensors.index.json
                             (huggingface_hub's save_torch_state_dict when available, otherwise the
                             shards through safetensors.torch.save_file and the index written here
                             in the same format)
    hf_bitnet.safetensors    one BitLinear in the Hugging Face BitNet b1.58 layout: u8 [out/4, in]
                             packed by transformers' pack_weights (or a copy of its rule when
                             transformers is missing) and a bf16 weight_scale
    MANIFEST.txt             versions used and the SHA-256 of every file
"""
import hashlib
import json
import math
import os
import sys

import torch
import safetensors
from safetensors.torch import save_file

# name -> (torch dtype, shape); values from value(name, i), i the row-major index.
DTYPE_TENSORS = {
    "f32": (torch.float32, (2, 3, 4)),
    "f32_special": (torch.float32, (6,)),
    "f16": (torch.float16, (5, 7)),
    "bf16": (torch.bfloat16, (4, 6)),
    "f64": (torch.float64, (3,)),
    "i8": (torch.int8, (16,)),
    "u8": (torch.uint8, (2, 8)),
    "i32": (torch.int32, (6,)),
    "i64": (torch.int64, (4,)),
    "bool": (torch.bool, (7,)),
    "empty": (torch.float32, (0, 3)),
}
LAYERS = 4
LAYER_SHAPE = (4, 8)
BITNET_WEIGHT = "model.layers.0.mlp.down_proj.weight"
BITNET_ROWS, BITNET_COLS = 8, 16
BITNET_WEIGHT_SCALE = 0.5


def value(name, i):
    """Element i of tensor `name`: exact in every dtype it is stored in."""
    if name == "f32":
        return (i - 12) * 0.5
    if name == "f32_special":
        return [math.inf, -math.inf, math.nan, 2.0 ** -149, -0.0, 3.4028234663852886e38][i]
    if name == "f16":
        return (i - 17) * 0.25
    if name == "bf16":
        return (i - 12) * 0.125
    if name == "f64":
        return i / 3
    if name == "i8":
        return i * 17 - 128
    if name == "u8":
        return (i * 37) % 256
    if name == "i32":
        return (i - 3) * 1000003
    if name == "i64":
        return (i - 2) * 1000000000000000 + i
    if name == "bool":
        return i % 3 == 0
    if name.startswith("layers."):
        return i * 0.5 + int(name.split(".")[1])
    raise KeyError(name)


def trit(row, col):
    return (row * 7 + col * 3 + row // 2) % 3 - 1


def make_tensor(name, dtype, shape):
    count = math.prod(shape)
    values = [value(name, i) for i in range(count)]
    if dtype in (torch.int8, torch.uint8, torch.int32, torch.int64, torch.bool):
        return torch.tensor(values, dtype=dtype).reshape(shape)
    # Through float64, which holds every value exactly, then one rounding-free cast.
    return torch.tensor(values, dtype=torch.float64).to(dtype).reshape(shape)


def pack_bitnet(trits):
    """transformers' integrations/bitnet.py pack_weights when available, else its rule."""
    try:
        from transformers.integrations.bitnet import pack_weights

        return pack_weights(trits.clone()), "transformers.integrations.bitnet.pack_weights"
    except Exception:  # transformers missing, or an API change: the documented rule
        rows = trits.shape[0] // 4
        codes = (trits + 1).to(torch.uint8)
        packed = torch.zeros((rows, trits.shape[1]), dtype=torch.uint8)
        for i in range(4):
            packed |= codes[i * rows:(i + 1) * rows] << (2 * i)
        return packed, "local copy of the pack_weights rule"


def write_sharded(directory, tensors):
    try:
        from huggingface_hub import save_torch_state_dict

        # 128 bytes a tensor: a 256-byte limit gives two shards of two.
        save_torch_state_dict(tensors, directory, max_shard_size=256, metadata={"format": "pt"})
        return "huggingface_hub.save_torch_state_dict"
    except Exception:
        names = list(tensors)
        shards = [names[:2], names[2:]]
        weight_map = {}
        for index, shard in enumerate(shards):
            file_name = f"model-{index + 1:05d}-of-{len(shards):05d}.safetensors"
            save_file({n: tensors[n] for n in shard}, os.path.join(directory, file_name),
                      metadata={"format": "pt"})
            weight_map.update({n: file_name for n in shard})
        total = sum(t.numel() * t.element_size() for t in tensors.values())
        with open(os.path.join(directory, "model.safetensors.index.json"), "w") as index:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, index, indent=2)
        return "safetensors.torch.save_file shards, index written by this script"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/safetensors"
    os.makedirs(os.path.join(out, "sharded"), exist_ok=True)
    notes = [f"torch {torch.__version__}", f"safetensors {safetensors.__version__}"]

    dtypes = {name: make_tensor(name, dtype, shape) for name, (dtype, shape) in DTYPE_TENSORS.items()}
    save_file(dtypes, os.path.join(out, "dtypes.safetensors"),
              metadata={"format": "pt", "producer": "make_safetensors_fixtures.py"})

    layers = {f"layers.{k}.weight": make_tensor(f"layers.{k}.weight", torch.float32, LAYER_SHAPE)
              for k in range(LAYERS)}
    notes.append("sharded: " + write_sharded(os.path.join(out, "sharded"), layers))

    trits = torch.tensor([[trit(r, c) for c in range(BITNET_COLS)] for r in range(BITNET_ROWS)],
                         dtype=torch.int8)
    packed, how = pack_bitnet(trits)
    notes.append("hf_bitnet: " + how)
    save_file({BITNET_WEIGHT: packed,
               BITNET_WEIGHT + "_scale": torch.tensor([BITNET_WEIGHT_SCALE], dtype=torch.bfloat16)},
              os.path.join(out, "hf_bitnet.safetensors"), metadata={"format": "pt"})

    lines = []
    for root, _, files in os.walk(out):
        for file_name in sorted(files):
            if file_name == "MANIFEST.txt":
                continue
            path = os.path.join(root, file_name)
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            lines.append(f"{digest}  {os.path.relpath(path, out)}")
    with open(os.path.join(out, "MANIFEST.txt"), "w") as manifest:
        manifest.write("Made by scripts/make_safetensors_fixtures.py with:\n")
        manifest.write("".join(f"  {note}\n" for note in notes))
        manifest.write("SHA-256:\n" + "".join(f"  {line}\n" for line in sorted(lines)))
    print(open(os.path.join(out, "MANIFEST.txt")).read())


if __name__ == "__main__":
    main()

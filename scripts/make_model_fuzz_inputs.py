#!/usr/bin/env python3
"""Writes the seeds of model_fuzzer (fuzz/corpus/model_fuzzer/): the smallest GGUF models of both
architectures that Model::load_gguf accepts (one layer, hidden 8, 2 heads over 1 kv head, FFN 16,
vocabulary 8, every tensor f32; the projections hold scale * {-1, 0, 1} rows, as llama.cpp's
converter writes ternary weights in a float type), so that the fuzzer starts from inputs that
reach the loader's shape checks and the forward pass.

    python3 scripts/make_model_fuzz_inputs.py
"""
import pathlib
import struct
import sys

UINT32, FLOAT32, STRING = 4, 6, 8
F32 = 0
ALIGNMENT = 32
HIDDEN, FFN, HEADS, KV_HEADS, VOCAB = 8, 16, 2, 1, 8
HEAD_DIM = HIDDEN // HEADS


def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def values(count, seed, ternary):
    """Deterministic values: trits times 0.5 for projections, small floats otherwise."""
    out = []
    state = seed
    for _ in range(count):
        state = (state * 1103515245 + 12345) % (1 << 31)
        if ternary:
            out.append(0.5 * ((state >> 16) % 3 - 1))
        else:
            out.append(((state >> 16) % 2001 - 1000) / 1000.0)
    return out


def model(architecture, heads=HEADS, kv_heads=KV_HEADS):
    prefix = architecture + "."
    entries = [
        ("general.architecture", STRING, gguf_string(architecture)),
        (prefix + "context_length", UINT32, struct.pack("<I", 16)),
        (prefix + "embedding_length", UINT32, struct.pack("<I", HIDDEN)),
        (prefix + "block_count", UINT32, struct.pack("<I", 1)),
        (prefix + "feed_forward_length", UINT32, struct.pack("<I", FFN)),
        (prefix + "attention.head_count", UINT32, struct.pack("<I", heads)),
        (prefix + "attention.head_count_kv", UINT32, struct.pack("<I", kv_heads)),
        (prefix + "attention.layer_norm_rms_epsilon", FLOAT32, struct.pack("<f", 1e-5)),
        (prefix + "rope.freq_base", FLOAT32, struct.pack("<f", 10000.0)),
    ]
    # (name, rows, cols, ternary); cols = 0 for vectors. Shapes are row-major; GGUF stores ne.
    tensors = [
        ("token_embd.weight", VOCAB, HIDDEN, False),
        ("output_norm.weight", HIDDEN, 0, False),
        ("blk.0.attn_norm.weight", HIDDEN, 0, False),
        ("blk.0.attn_q.weight", HEADS * HEAD_DIM, HIDDEN, True),
        ("blk.0.attn_k.weight", KV_HEADS * HEAD_DIM, HIDDEN, True),
        ("blk.0.attn_v.weight", KV_HEADS * HEAD_DIM, HIDDEN, True),
        ("blk.0.attn_sub_norm.weight", HEADS * HEAD_DIM, 0, False),
        ("blk.0.attn_output.weight", HIDDEN, HEADS * HEAD_DIM, True),
        ("blk.0.ffn_norm.weight", HIDDEN, 0, False),
        ("blk.0.ffn_gate.weight", FFN, HIDDEN, True),
        ("blk.0.ffn_up.weight", FFN, HIDDEN, True),
        ("blk.0.ffn_sub_norm.weight", FFN, 0, False),
        ("blk.0.ffn_down.weight", HIDDEN, FFN, True),
    ]
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(entries))
    for key, value_type, payload in entries:
        header += gguf_string(key) + struct.pack("<I", value_type) + payload
    data = b""
    for index, (name, rows, cols, ternary) in enumerate(tensors):
        dims = [rows] if cols == 0 else [cols, rows]
        count = rows * max(cols, 1)
        header += gguf_string(name) + struct.pack("<I", len(dims))
        header += b"".join(struct.pack("<Q", d) for d in dims)
        header += struct.pack("<IQ", F32, len(data))
        data += struct.pack(f"<{count}f", *values(count, index + 1, ternary))
        data += b"\0" * (-len(data) % ALIGNMENT)
    header += b"\0" * (-len(header) % ALIGNMENT)
    return header + data


def main():
    folder = pathlib.Path(__file__).resolve().parent.parent / "fuzz/corpus/model_fuzzer"
    folder.mkdir(parents=True, exist_ok=True)
    for architecture in ("bitnet-b1.58", "bitnet"):
        path = folder / f"tiny_{architecture}.gguf"
        path.write_bytes(model(architecture))
        print(f"{path}: {path.stat().st_size} bytes")
    # Hand-made hostile inputs for the regression folder: head counts that cannot split the
    # hidden size or the query heads (the loader must refuse them by name, not divide by zero).
    regressions = folder.parent.parent.parent / "tests/data/fuzz_regressions/model_fuzzer"
    regressions.mkdir(parents=True, exist_ok=True)
    for name, heads, kv_heads in (("zero_heads", 0, 1), ("zero_kv_heads", 2, 0),
                                  ("kv_heads_not_dividing_heads", 2, 3)):
        path = regressions / f"{name}.gguf"
        path.write_bytes(model("bitnet-b1.58", heads, kv_heads))
        print(f"{path}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

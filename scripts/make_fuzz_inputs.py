#!/usr/bin/env python3
"""Writes the hand-made hostile inputs of the fuzz regression folders and the planted oversize
input of scripts/run-fuzzers.sh (tests/data/README.md says what each one exercises).

    python3 scripts/make_fuzz_inputs.py            # writes under tests/data/
"""
import json
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")

# GGUF value types (the GGUF specification's numbering).
U8, STRING, ARRAY, I64, F32_TYPE = 0, 8, 9, 11, 6
GGML_Q8_0 = 8


def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf_array(element_type, payloads):
    return struct.pack("<IQ", element_type, len(payloads)) + b"".join(payloads)


def gguf_header(tensor_count, entries):
    body = b"GGUF" + struct.pack("<IQQ", 3, tensor_count, len(entries))
    for key, value_type, payload in entries:
        body += gguf_string(key) + struct.pack("<I", value_type) + payload
    return body


def nested_empty_arrays():
    """Arrays of arrays whose inner arrays are empty, of several element types, and strings that
    are empty: every accessor and the writer's round trip meet zero-length payloads."""
    nested = gguf_array(ARRAY, [
        gguf_array(U8, []),
        gguf_array(STRING, [gguf_string(""), gguf_string("x")]),
        gguf_array(ARRAY, [gguf_array(I64, [])]),
    ])
    return gguf_header(0, [
        ("general.architecture", STRING, gguf_string("")),
        ("edge.nested_empty", ARRAY, nested),
        ("edge.empty_strings", ARRAY, gguf_array(STRING, [gguf_string("")] * 3)),
    ])


def safetensors(header, data=b""):
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data


def zero_elements_overflowing_shape():
    """A shape whose leading dimensions multiply past 2^64 before the final 0: an element count
    computed left to right without overflow checks wraps instead of giving 0."""
    return safetensors({
        "big": {"dtype": "F32", "shape": [4294967296, 4294967296, 0], "data_offsets": [0, 0]},
        "small": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
    }, b"\x01\x02")


def q8_0_past_one_mebibyte():
    """One Q8_0 tensor of 9,216 blocks (294,912 weights, 313,344 bytes in the file) that
    dequantizes to 1,179,648 bytes of f32: above a 1 MiB cap, so `gguf_fuzzer -malloc_limit_mb=1`
    must stop at the pool's request (the pool maps it, which libFuzzer's malloc hook never sees).
    All-zero blocks keep the file small in git."""
    blocks = 9216
    columns = blocks * 32
    alignment = 32
    header = gguf_header(1, [("general.alignment", 4, struct.pack("<I", alignment))])
    header += gguf_string("planted.q8_0") + struct.pack("<I", 1) + struct.pack("<Q", columns)
    header += struct.pack("<IQ", GGML_Q8_0, 0)
    header += b"\0" * ((-len(header)) % alignment)
    return header + b"\0" * (blocks * 34)


def write(relative, data):
    path = os.path.join(ROOT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(data)
    print(f"{relative}: {len(data)} bytes")


def main():
    write("fuzz_regressions/gguf_metadata_fuzzer/nested_empty_arrays.gguf", nested_empty_arrays())
    write("fuzz_regressions/safetensors_fuzzer/zero_elements_overflowing_shape.safetensors",
          zero_elements_overflowing_shape())
    write("fuzz_planted/gguf_fuzzer/q8_0_past_one_mebibyte.gguf", q8_0_past_one_mebibyte())
    return 0


if __name__ == "__main__":
    sys.exit(main())

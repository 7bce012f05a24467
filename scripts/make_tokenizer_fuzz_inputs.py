#!/usr/bin/env python3
"""Writes the seed corpus of tokenizer_fuzzer (fuzz/corpus/tokenizer_fuzzer/) and its hand-made
regression input (tests/data/fuzz_regressions/tokenizer_fuzzer/). An input is a tokenizer
definition, then b"\\0TEXT\\0" and a text (tests/support/fuzz_targets.h, tokenizer_target): a GGUF
file with tokenizer.ggml.* metadata, or a tokenizer.json optionally followed by b"\\0CONFIG\\0" and a
tokenizer_config.json. The tokenizers are tiny (the 256 bytes and a few merges or pieces), so the
fuzzer's mutations stay fast.

    python3 scripts/make_tokenizer_fuzz_inputs.py
"""
import json
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TEXT = b"\0TEXT\0"
CONFIG = b"\0CONFIG\0"
MARKER = "\u2581"
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SAMPLE = ("Hello world! It's 1234567 \u00e9t\u00e9 \u4f60\u597d \U0001F44D\U0001F3FD\u200d "
          "<|eot_id|><tool>\n\n  \tx\r\n\u2581a").encode()


def byte_level(data):
    """GPT-2's byte alphabet: printable bytes stand for themselves, the rest map to U+0100 on."""
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            table[byte] = chr(byte)
        else:
            table[byte] = chr(0x100 + extra)
            extra += 1
    return "".join(table[byte] for byte in data)


LLAMA3_MERGES = [(b" ", b"t"), (b"h", b"e"), (b" t", b"he"), (b"i", b"n"), (b" ", b" "),
                 (b"\xc3", b"\xa9"), (b"1", b"2"), (b"12", b"3")]
LLAMA3_ADDED = [("<|begin_of_text|>", True), ("<|eot_id|>", True), ("<tool>", False)]


def llama3_tokens():
    tokens = [byte_level(bytes([byte])) for byte in range(256)]
    for left, right in LLAMA3_MERGES:
        tokens.append(byte_level(left + right))
    return tokens


def llama3_json():
    tokens = llama3_tokens()
    added = [{"id": len(tokens) + index, "content": text, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": special}
             for index, (text, special) in enumerate(LLAMA3_ADDED)]
    return {
        "version": "1.0",
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated",
             "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False}]},
        "post_processor": {"type": "TemplateProcessing", "single": [
            {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}}]},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "byte_fallback": False,
                  "ignore_merges": True,
                  "vocab": {token: index for index, token in enumerate(tokens)},
                  "merges": [[byte_level(left), byte_level(right)]
                             for left, right in LLAMA3_MERGES]},
    }


def dump(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# LLaMA-2 SentencePiece: <unk>, <s>, </s>, the byte tokens, then pieces with their scores.
LLAMA2_PIECES = [(MARKER, -10.0), ("a", -10.0), ("b", -10.0), (MARKER + "a", -5.0), ("ab", -1.0),
                 (MARKER + "ab", -3.0), ("\u00e9", -4.0), ("<tool>", 0.0)]


def llama2_tokens():
    return (["<unk>", "<s>", "</s>"] + [f"<0x{byte:02X}>" for byte in range(256)] +
            [piece for piece, _ in LLAMA2_PIECES])


def llama2_json():
    tokens = llama2_tokens()
    index = {token: position for position, token in enumerate(tokens)}
    merges = []
    for piece, score in sorted(LLAMA2_PIECES, key=lambda item: -item[1]):
        for cut in range(1, len(piece)):
            if piece[:cut] in index and piece[cut:] in index:
                merges.append([piece[:cut], piece[cut:]])
    return {
        "added_tokens": [{"id": 0, "content": "<unk>", "special": True},
                         {"id": 1, "content": "<s>", "special": True},
                         {"id": 2, "content": "</s>", "special": True},
                         {"id": index["<tool>"], "content": "<tool>", "special": False}],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": MARKER},
            {"type": "Replace", "pattern": {"String": " "}, "content": MARKER}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing", "single": [
            {"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}]},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": MARKER}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True,
                  "vocab": index, "merges": merges},
    }


def llama2_metaspace_json():
    # transformers' non-legacy form: no normalizer, Metaspace with prepend_scheme "first".
    definition = llama2_json()
    definition["normalizer"] = None
    definition["pre_tokenizer"] = {"type": "Metaspace", "replacement": MARKER,
                                   "prepend_scheme": "first", "split": False}
    return definition


# GGUF value types (the GGUF specification's numbering).
UINT32, FLOAT32, BOOL, STRING, ARRAY, INT32 = 4, 6, 7, 8, 9, 5


def gguf_string(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(data)) + data


def gguf(entries):
    body = b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries))
    for key, value_type, payload in entries:
        body += gguf_string(key) + struct.pack("<I", value_type) + payload
    return body


def strings(values):
    return struct.pack("<IQ", STRING, len(values)) + b"".join(gguf_string(v) for v in values)


def int32s(values):
    return struct.pack("<IQ", INT32, len(values)) + b"".join(struct.pack("<i", v) for v in values)


def floats(values):
    return struct.pack("<IQ", FLOAT32, len(values)) + b"".join(struct.pack("<f", v) for v in values)


def llama3_gguf():
    tokens = llama3_tokens() + [text for text, _ in LLAMA3_ADDED]
    types = [1] * (len(tokens) - 3) + [3, 3, 4]
    merges = [byte_level(left) + " " + byte_level(right) for left, right in LLAMA3_MERGES]
    return gguf([
        ("tokenizer.ggml.model", STRING, gguf_string("gpt2")),
        ("tokenizer.ggml.pre", STRING, gguf_string("llama-bpe")),
        ("tokenizer.ggml.tokens", ARRAY, strings(tokens)),
        ("tokenizer.ggml.token_type", ARRAY, int32s(types)),
        ("tokenizer.ggml.merges", ARRAY, strings(merges)),
        ("tokenizer.ggml.bos_token_id", UINT32, struct.pack("<I", len(tokens) - 3)),
        ("tokenizer.ggml.eos_token_id", UINT32, struct.pack("<I", len(tokens) - 2)),
        ("tokenizer.ggml.add_bos_token", BOOL, b"\x01"),
    ])


def llama2_gguf():
    tokens = llama2_tokens()
    scores = [0.0] * 259 + [score for _, score in LLAMA2_PIECES]
    types = [2, 3, 3] + [6] * 256 + [4 if piece == "<tool>" else 1 for piece, _ in LLAMA2_PIECES]
    return gguf([
        ("tokenizer.ggml.model", STRING, gguf_string("llama")),
        ("tokenizer.ggml.tokens", ARRAY, strings(tokens)),
        ("tokenizer.ggml.scores", ARRAY, floats(scores)),
        ("tokenizer.ggml.token_type", ARRAY, int32s(types)),
        ("tokenizer.ggml.bos_token_id", UINT32, struct.pack("<I", 1)),
        ("tokenizer.ggml.eos_token_id", UINT32, struct.pack("<I", 2)),
        ("tokenizer.ggml.unknown_token_id", UINT32, struct.pack("<I", 0)),
        ("tokenizer.ggml.add_space_prefix", BOOL, b"\x01"),
    ])


def write(relative, data):
    path = os.path.join(ROOT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(data)
    print(f"{relative}: {len(data)} bytes")


def main():
    seeds = "fuzz/corpus/tokenizer_fuzzer/"
    config = dump({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                   "add_bos_token": True})
    write(seeds + "llama3_tiny.json", dump(llama3_json()) + TEXT + SAMPLE)
    write(seeds + "llama3_tiny_with_config.json", dump(llama3_json()) + CONFIG + config + TEXT +
          b"<|begin_of_text|>the thin 123 \xc3\xa9")
    write(seeds + "llama2_tiny.json", dump(llama2_json()) + TEXT + b" ab a<tool>b \xc3\xa9 \xf0\x9f\x98\x80")
    write(seeds + "llama2_tiny_metaspace.json",
          dump(llama2_metaspace_json()) + TEXT + b" ab</s>b a<tool> b\xc3\xa9")
    write(seeds + "llama3_tiny.gguf", llama3_gguf() + TEXT + SAMPLE)
    write(seeds + "llama2_tiny.gguf", llama2_gguf() + TEXT + b"ab  ab<s>x\n\xc3\xa9")
    write(seeds + "text.txt", SAMPLE + b"\nfor (int i = 0; i < 10; ++i) { x += i; }  // done\n")
    write(seeds + "invalid_utf8.txt", b"a\xc3 \xe2\x82 \xf0\x9f\x98 \xff\xfe \xed\xa0\x80 end")
    # The first finding of fuzzing the loader: an added token whose content is a number made
    # nlohmann::json throw its own type_error, which escaped as another exception than Error.
    wrong_type = llama3_json()
    wrong_type["added_tokens"][0]["content"] = 7
    write("tests/data/fuzz_regressions/tokenizer_fuzzer/added_token_content_of_wrong_type.json",
          dump(wrong_type) + TEXT + SAMPLE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

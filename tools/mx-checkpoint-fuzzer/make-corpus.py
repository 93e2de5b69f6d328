#!/usr/bin/env python3
"""Regenerates corpus/ for mx-checkpoint-fuzzer: safetensors files as
mx-quantize writes them (MX `.blocks` / `.scales` pairs as U8 or FP8 codes, f32, bf16,
with __metadata__), and the edges of the header's checks (empty header,
zero-sized tensors, tensors sharing bytes, padding between tensors, a
header that ends in spaces).

    python3 tools/mx-checkpoint-fuzzer/make-corpus.py
"""

import json
import pathlib
import struct

corpus = pathlib.Path(__file__).resolve().parent / "corpus"
corpus.mkdir(exist_ok=True)
for old in corpus.iterdir():
    old.unlink()


def safetensors(tensors, metadata=None, pad_header=0, gap=0):
    """tensors: (name, dtype, shape, bytes); returns the file's bytes."""
    header, data = {}, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload + bytes(gap)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode() + b" " * pad_header
    return struct.pack("<Q", len(text)) + text + data


def ramp(count):
    return bytes((i * 37 + 11) % 256 for i in range(count))


files = {
    "mxfp4-layer": safetensors([
        ("layers.0.weight.blocks", "U8", [64, 16], ramp(1024)),
        ("layers.0.weight.scales", "U8", [2, 32], ramp(64)),
        ("layers.0.bias", "F32", [32], ramp(128))],
        metadata={"mx.format": "e2m1", "mx.block": "32"}),
    "two-layers-fp8": safetensors([
        ("l0.weight.blocks", "F8_E4M3", [32, 8], ramp(256)),
        ("l0.weight.scales", "U8", [1, 8], ramp(8)),
        ("l1.weight.blocks", "F8_E5M2", [8, 32], ramp(256)),
        ("l1.weight.scales", "U8", [8, 1], ramp(8))]),
    "bf16-f16-i8": safetensors([
        ("a", "BF16", [3, 5], ramp(30)), ("b", "F16", [7], ramp(14)),
        ("c", "I8", [2, 2, 2], ramp(8)), ("d", "F64", [1], ramp(8))]),
    "empty-header": safetensors([]),
    "metadata-only": safetensors([], metadata={"format": "pt"}),
    "zero-sized": safetensors([("z", "F32", [0, 4], b""), ("s", "F32", [], ramp(4))]),
    "padded": safetensors([("x", "U8", [5], ramp(5)), ("y", "U8", [3], ramp(3))],
                          pad_header=7, gap=3),
    "truncated-data": safetensors([("x", "F32", [16], ramp(64))])[:-10],
    "length-only": struct.pack("<Q", 2),
}
shared = json.dumps({"p": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                     "q": {"dtype": "U8", "shape": [2, 2], "data_offsets": [0, 4]}}).encode()
files["shared-bytes"] = struct.pack("<Q", len(shared)) + shared + ramp(4)
for name, content in files.items():
    (corpus / name).write_bytes(content)
print(f"{len(files)} seeds in {corpus}")

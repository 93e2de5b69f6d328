#!/usr/bin/env python3
"""Regenerates corpus/ for mx-tensor-file-fuzzer: well-formed safetensors,
.npy and .npz files of several dtypes and shapes (including what
mx-quantize writes), each prefixed by the kind byte fuzz_tensor_files.py
reads (0 safetensors, 1 .npy, 2 .npz). Needs the build's Python package:

    PYTHONPATH=build/python_packages /usr/bin/python3 tools/mx-tensor-file-fuzzer/make-corpus.py
"""

import io
import json
import pathlib
import struct
import tempfile

import numpy as np

from mx_mlir.tensor_writer import write_tensors

corpus = pathlib.Path(__file__).resolve().parent / "corpus"
corpus.mkdir(exist_ok=True)
for old in corpus.iterdir():
    old.unlink()

rng = np.random.default_rng(7)
arrays = {
    "f32": rng.standard_normal((2, 8)).astype(np.float32),
    "f16": rng.standard_normal((3,)).astype(np.float16),
    "f64": np.array([[1.5, -0.0], [np.inf, np.nan]]),
    "i8": np.arange(-4, 4, dtype=np.int8).reshape(2, 2, 2),
    "u8": np.arange(6, dtype=np.uint8),
    "bool": np.array([True, False]),
    "scalar": np.float32(3.0).reshape(()),
    "empty": np.zeros((0, 4), np.float32),
}
dtype_names = {"f32": "F32", "f16": "F16", "f64": "F64", "i8": "I8", "u8": "U8", "bool": "BOOL",
               "scalar": "F32", "empty": "F32"}


def add(name, kind, data):
    (corpus / name).write_bytes(bytes([kind]) + data)


with tempfile.TemporaryDirectory() as directory:
    every = [(name, array, dtype_names[name]) for name, array in arrays.items()]
    bf16 = np.array([0x3F80, 0xC000, 0x7FC0], np.uint16)
    for name, tensors, metadata in [
            ("all", every, None),
            ("one", every[:1], {"format": "pt"}),
            ("bf16", [("w", bf16, "BF16")], None),
            ("mx-quantize", [("w.blocks", np.arange(64, dtype=np.uint8).reshape(2, 32), "U8"),
                             ("w.scales", np.array([[127], [120]], np.uint8), "U8")],
             {"mx_mlir": json.dumps({"version": 1, "format": "e4m3", "block": 32, "tensors": {
                 "w": {"shape": [2, 32], "dtype": "F32"}}})})]:
        path = pathlib.Path(directory) / f"{name}.safetensors"
        write_tensors(str(path), tensors, metadata)
        add(f"safetensors-{name}", 0, path.read_bytes())
    add("safetensors-empty-header", 0, struct.pack("<Q", 2) + b"{}")
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array)
        add(f"npy-{name}", 1, buffer.getvalue())
        if name == "f32":
            buffer = io.BytesIO()
            np.save(buffer, np.asfortranarray(array))
            add("npy-fortran", 1, buffer.getvalue())
    for name, save in (("npz", np.savez), ("npz-compressed", np.savez_compressed)):
        buffer = io.BytesIO()
        save(buffer, **arrays)
        add(name, 2, buffer.getvalue())
print(f"{len(list(corpus.iterdir()))} seeds in {corpus}")

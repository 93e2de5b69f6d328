#!/usr/bin/env python3
"""Regenerates corpus/ for mx-numerics-fuzzer: for every format, scale rule
and rounding, a 2 x 17 tensor in blocks of 8 (a partial block per row)
holding the edge values of the numeric contract; arbitrary codes and scales
for dequantize; and bf16/f16 stochastic rounding inputs. The byte layout is
the one mx-numerics-fuzzer.cpp reads.

    python3 tools/mx-numerics-fuzzer/make-corpus.py
"""

import pathlib
import struct

corpus = pathlib.Path(__file__).resolve().parent / "corpus"
corpus.mkdir(exist_ok=True)
for old in corpus.iterdir():
    old.unlink()

edges = [0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e-45, -1e-45, 1.17549435e-38,
         3.4028235e38, -3.4028235e38, 448.0, 464.0, 57344.0, 6.0, 7.0, 0.25, 0.75, 1.5, 2.5,
         1.0 + 2 ** -23, 1e-30, 65504.0, 1.0 / 3.0, -2.0]
values = b"".join(struct.pack("<f", v) for v in edges)
zeros = struct.pack("<f", 0.0) * 34
# quantize: mode 0, rank 2 (1 + 1 % 3), shape 2 x 17 (byte % 18) in blocks
# of 1 x 8 (1 + byte % 40): each row ends in a partial block.
layout = bytes([0, 1, 2, 0, 17, 7])
for fmt in range(6):
    for rule in range(4):
        for rounding in range(3):
            for nonfinite in (0, 1):
                header = bytes([0]) + layout[1:] + bytes([fmt, rule, rounding, nonfinite])
                seed = struct.pack(">Q", 0x9E3779B97F4A7C15)
                name = f"quantize-f{fmt}-r{rule}-o{rounding}-n{nonfinite}"
                (corpus / name).write_bytes(header + seed + values)
    (corpus / f"quantize-zero-block-f{fmt}").write_bytes(
        bytes([0]) + layout[1:] + bytes([fmt, 0, 0, 0]) + bytes(8) + zeros)
# dequantize: mode 1, rank 1, 17 elements in blocks of 8; codes across the
# byte range, a NaN scale, the largest and the least scale.
for fmt in range(6):
    body = bytes([1, 0, 17, 7, fmt]) + bytes(range(0, 256, 15))[:17] + bytes([0xFF, 254, 0])
    (corpus / f"dequantize-f{fmt}").write_bytes(body)
# stochastic half rounding: mode 2.
for half in (0, 1):
    bits = b"".join(struct.pack("<I", b) for b in (0, 0xFFFF, 0x8000, 0x7FFF, 0xFFFFFFFF) * 5)
    (corpus / f"half-{'bf16' if half else 'f16'}").write_bytes(
        bytes([2, half]) + values[:80] + bits[:80])
print(f"{len(list(corpus.iterdir()))} seeds in {corpus}")

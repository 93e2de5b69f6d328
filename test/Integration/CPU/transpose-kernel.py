# RUN: env PYTHONPATH=%mx_python_packages %python %s | FileCheck %s
#
# mx.transpose moves codes and scales exactly: compiled by the default CPU
# pipeline (convert-mx-to-vector's 16 x 16 tile kernel for matrices of whole
# tiles, the linalg lowering otherwise) and by the linalg lowering alone
# (kernels=false), on random codes of every format (NaN codes and NaN
# scales among them), its result is NumPy's transpose of the codes and of
# the scales, bit for bit. Shapes: blocks along either axis and 2-D blocks,
# partial blocks, one tile, and shapes the kernel leaves to linalg (a side
# that is not a multiple of 16, a 3-D transpose).

import numpy as np

import mx_mlir
from mx_mlir.mxarray import mx_type
from mx_mlir.reference import scales_shape

# Format -> how many codes it has (random codes take any of them).
FORMATS = {"e4m3": 256, "e5m2": 256, "e3m2": 64, "e2m3": 64, "e2m1": 16, "int8": 256}
CASES = [  # shape, block shape, permutation
    ((64, 96), (1, 32), (1, 0)),
    ((96, 64), (32, 1), (1, 0)),
    ((64, 64), (32, 32), (1, 0)),
    ((16, 16), (1, 16), (1, 0)),
    ((112, 176), (1, 32), (1, 0)),   # a partial block at the end of each row
    ((48, 80), (16, 16), (1, 0)),
    ((24, 40), (1, 8), (1, 0)),      # 24 rows: linalg
    ((4, 32, 64), (1, 1, 32), (0, 2, 1)),  # 3-D: linalg
]
rng = np.random.default_rng(23)
ctx = mx_mlir.Context()


def program(fmt):
    functions = []
    for index, (shape, block, permutation) in enumerate(CASES):
        moved_shape = [shape[d] for d in permutation]
        moved_block = [block[d] for d in permutation]
        t, moved = mx_type(shape, fmt, block), mx_type(moved_shape, fmt, moved_block)
        functions.append(f"""
func.func @t{index}(%q: {t}) -> {moved} {{
  %t = mx.transpose %q [{', '.join(map(str, permutation))}] : {t} -> {moved}
  return %t : {moved}
}}""")
    return "\n".join(functions)


compared = mismatches = 0
for fmt, count in FORMATS.items():
    source = program(fmt)
    compiled = {pipeline: mx_mlir.Module.parse(source, ctx).compile(pipeline)
                for pipeline in ("mx-cpu-pipeline", "mx-cpu-pipeline{kernels=false}")}
    for index, (shape, block, permutation) in enumerate(CASES):
        codes = rng.integers(0, count, size=shape, dtype=np.uint8)
        scales = rng.integers(0, 256, size=scales_shape(shape, block), dtype=np.uint8)
        # FP4: two codes per byte along the last axis, the first in the low nibble.
        storage = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8) if fmt == "e2m1" else codes
        want_codes = np.transpose(codes, permutation)
        want_scales = np.transpose(scales, permutation)
        for pipeline, jit in compiled.items():
            got = jit.invoke(f"t{index}", (storage, scales))
            bad = int(np.count_nonzero(got.element_codes() != want_codes)) + \
                int(np.count_nonzero(got.scales != want_scales))
            compared += want_codes.size + want_scales.size
            if bad:
                print(f"MISMATCH {fmt} {shape} {block} {permutation} ({pipeline}): {bad}")
            mismatches += bad

print(f"mx.transpose: {compared} codes and scales compared, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: mx.transpose: {{[0-9]+}} codes and scales compared, 0 mismatches

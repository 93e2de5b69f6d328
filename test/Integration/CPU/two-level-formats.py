# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# Two-level formats (shared microexponents: MX9, MX6, MX4 and other members
# of the family) compiled by mx-cpu-pipeline, against lib/Numerics through
# its C interface: quantize bit for bit in the packed storage (edge blocks,
# partial blocks, every axis, rne and rtz, f16 input, many random blocks),
# dequantize bit for bit from arbitrary stored bytes, and mx.matmul with
# two-level operands within the f32 accumulation bound.

import sys

import numpy as np

import mx_mlir
from mx_integration import Numerics
from mx_test_data import f32_sum_bound, random_tensor, same_bits

numerics = Numerics(sys.argv[1])
rng = np.random.default_rng(21)
FORMATS = ("mx9", "mx6", "mx4", "m=3,k1=32,k2=4,d2=2", "m=5,k1=8,k2=8,d2=0",
           "m=1,k1=12,k2=3,d2=4")


def edge_rows(k):
    """One block of `k` per row, each an edge case of the two-level rules."""
    rows = [
        np.zeros(k),                                             # zero block
        np.r_[np.nan, np.ones(k - 1)],                           # NaN block
        np.r_[np.ones(k - 1), -np.inf],                          # Inf block
        np.r_[2.0 ** -130, np.full(k - 1, 2.0 ** -140)],         # subnormal amax
        np.full(k, 2.0 ** -149),                                 # least subnormal
        np.r_[3.4e38, np.linspace(-1e38, 1e38, k - 1)],          # near f32 max
        np.r_[1.0, np.full(k - 1, 0.99999994)],                  # rounds up, clamps
        np.r_[1.0, np.full(k - 1, 2.0 ** -3)],                   # microexponents at 1
        np.arange(k) * 0.0625 - 0.5,                             # ties
        np.r_[-0.0, 0.0, -(2.0 ** -20), np.ones(k - 3)],         # signed zeros
    ]
    return np.array(rows, dtype=np.float32)


def quantize_matches(x, fmt, axis, rounding, pipeline=None):
    if pipeline is None:
        q = mx_mlir.quantize(x, fmt, axis=axis, rounding=rounding)
    else:  # the same one-op function through another pipeline
        result = mx_mlir.arrays.two_level_type(x.shape, fmt, axis)
        source = f"tensor<{'x'.join(map(str, x.shape))}xf32>"
        text = f"""func.func @quantize(%x: {source}) -> {result} {{
  %q = mx.quantize %x rounding<{rounding}> : {source} -> {result}
  return %q : {result}
}}"""
        q = mx_mlir.Module.parse(text).compile(pipeline).invoke("quantize", x)
    expected = numerics.quantize_shared_microexponent_packed(x.astype(np.float32), fmt, axis,
                                                             rounding)
    return int(np.sum(q.blocks != expected)), q


# Edge blocks and random blocks, every axis of a 3-D tensor, partial blocks.
for fmt in FORMATS:
    k = mx_mlir.reference._shared_microexponent_info(fmt)[1]
    mismatches = cases = blocks = 0
    for rounding in ("rne", "rtz"):
        edges = edge_rows(k)
        for x, axis in ((edges, 1), (edges.T.copy(), 0),
                        (random_tensor(rng, (3, 2 * k + 5, 4)), 1),
                        (random_tensor(rng, (5, 3, 3 * k - 1)), 2),
                        (random_tensor(rng, (4 * k + 3, 6)), 0),
                        (random_tensor(rng, (64, 16 * k)), 1)):
            bad, q = quantize_matches(x, fmt, axis, rounding)
            mismatches += bad
            cases += 1
            blocks += q.blocks.size // q.blocks.shape[-1]
            # Dequantize the compiled blocks: exact values, bit for bit.
            values = mx_mlir.dequantize(q)
            expected = numerics.dequantize_shared_microexponent_packed(q.blocks, x.shape, fmt,
                                                                       axis)
            mismatches += int(np.sum(~same_bits(values, expected)))
    print(f"{fmt}: {cases} quantize/dequantize cases, {blocks} blocks, {mismatches} mismatches")
# CHECK: mx9: 12 quantize/dequantize cases, {{[0-9]+}} blocks, 0 mismatches
# CHECK: mx6: 12 quantize/dequantize cases, {{[0-9]+}} blocks, 0 mismatches
# CHECK: mx4: 12 quantize/dequantize cases, {{[0-9]+}} blocks, 0 mismatches
# CHECK: m=3,k1=32,k2=4,d2=2: 12 quantize/dequantize cases, {{[0-9]+}} blocks, 0 mismatches
# CHECK: m=5,k1=8,k2=8,d2=0: 12 quantize/dequantize cases, {{[0-9]+}} blocks, 0 mismatches
# CHECK: m=1,k1=12,k2=3,d2=4: 12 quantize/dequantize cases, {{[0-9]+}} blocks, 0 mismatches

# The plain linalg lowering (no vector kernels) and f16 input agree too.
x = random_tensor(rng, (9, 50))
print("kernels=false:", quantize_matches(x, "mx6", 1, "rne", "mx-cpu-pipeline{kernels=false}")[0],
      "mismatches")
# CHECK: kernels=false: 0 mismatches
half = random_tensor(rng, (6, 40)).astype(np.float16)
q = mx_mlir.quantize(half, "mx9", axis=1)
expected = numerics.quantize_shared_microexponent_packed(half.astype(np.float32), "mx9", 1)
print("f16 input:", int(np.sum(q.blocks != expected)), "mismatches")
# CHECK: f16 input: 0 mismatches

# Dequantize from arbitrary stored bytes (any exponent, NaN blocks, every
# code and microexponent), to f32 exactly and to f16 rounded once.
for fmt in ("mx9", "mx6", "mx4", "m=3,k1=32,k2=4,d2=2"):
    shape = (7, 45)
    blocks = rng.integers(0, 256, mx_mlir.reference.shared_microexponent_storage_shape(
        shape, fmt, 1), dtype=np.uint8)
    blocks[0, :, 0] = 0xFF
    q = mx_mlir.TwoLevelArray(blocks, fmt, shape, 1)
    expected = numerics.dequantize_shared_microexponent_packed(blocks, shape, fmt, 1)
    f32 = mx_mlir.dequantize(q)
    f16 = mx_mlir.dequantize(q, np.float16)
    with np.errstate(over="ignore"):
        f16_expected = expected.astype(np.float16)
    f16_bad = (f16.view(np.uint16) != f16_expected.view(np.uint16)) & ~(
        np.isnan(f16) & np.isnan(f16_expected))
    print(f"{fmt} from random bytes: f32 {int(np.sum(~same_bits(f32, expected)))}, f16 "
          f"{int(np.sum(f16_bad))} mismatches")
# CHECK: mx9 from random bytes: f32 0, f16 0 mismatches
# CHECK: mx6 from random bytes: f32 0, f16 0 mismatches
# CHECK: mx4 from random bytes: f32 0, f16 0 mismatches
# CHECK: m=3,k1=32,k2=4,d2=2 from random bytes: f32 0, f16 0 mismatches

# mx.matmul with two-level operands: within the f32 bound of the exact
# product of the dequantized values (float64).
M, K, N = 9, 70, 24
a = rng.standard_normal((M, K)).astype(np.float32)
b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (1, N)))).astype(np.float32)
a[2, 5] = np.nan
for fa, fb in (("mx9", "mx9"), ("mx6", "mx4"), ("mx4", None), ("e4m3", "mx6")):
    qa = mx_mlir.quantize(a, fa, axis=1, block=16 if fa == "e4m3" else None)
    qb = b if fb is None else mx_mlir.quantize(b, fb, axis=0)
    c = mx_mlir.matmul(qa, qb)
    da = mx_mlir.dequantize(qa).astype(np.float64)
    db = b.astype(np.float64) if fb is None else mx_mlir.dequantize(qb).astype(np.float64)
    exact, magnitude = da @ db, np.abs(da) @ np.abs(db)
    nan_rows = np.isnan(exact)
    outside = np.abs(c - exact) > f32_sum_bound(K, magnitude)
    print(f"{fa} x {fb or 'f32'}: {int(np.sum(outside & ~nan_rows))} outside the bound, "
          f"NaN where expected: {bool(np.array_equal(np.isnan(c), nan_rows))}")
# CHECK: mx9 x mx9: 0 outside the bound, NaN where expected: True
# CHECK: mx6 x mx4: 0 outside the bound, NaN where expected: True
# CHECK: mx4 x f32: 0 outside the bound, NaN where expected: True
# CHECK: e4m3 x mx6: 0 outside the bound, NaN where expected: True

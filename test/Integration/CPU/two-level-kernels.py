# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# The vector kernels of the two-level formats (blocks of 16 along the last
# axis, one block per vector) against lib/Numerics through its C
# interface, bit for bit: quantize of many random blocks built to reach
# every branch (each block's exponent anywhere in f32's range, subnormal
# and zero sub-blocks, every microexponent, ties at every step, NaN and Inf
# in any lane, signed zeros), rne and rtz, f32 and f16 input; dequantize
# from arbitrary stored bytes to f32 and f16. The same functions through
# the linalg lowering (kernels=false) must give the same bytes and values.

import sys

import numpy as np

import mx_mlir
from mx_integration import Numerics
from mx_test_data import f32_sum_bound

numerics = Numerics(sys.argv[1])
rng = np.random.default_rng(2116)
# The named formats and members of the family the kernels take (k1 = 16,
# k2 dividing it): one microexponent per element, per quad with two bits,
# one per block with three bits, none.
FORMATS = ("mx9", "mx6", "mx4", "m=5,k1=16,k2=1,d2=1", "m=3,k1=16,k2=4,d2=2",
           "m=2,k1=16,k2=16,d2=3", "m=6,k1=16,k2=8,d2=0")
LINALG = "mx-cpu-pipeline{kernels=false}"


def same_bits(a, b):
    """Element-wise: equal bit patterns (f32 or f16), or both NaN."""
    unsigned = {4: np.uint32, 2: np.uint16}[a.itemsize]
    return (a.view(unsigned) == b.view(unsigned)) | (np.isnan(a) & np.isnan(b))


def kernel_blocks(rows, blocks_per_row):
    """rows x (16 * blocks_per_row) f32 whose blocks reach the kernel's branches."""
    shape = (rows * blocks_per_row, 16)
    # Each block's scale anywhere from the subnormals to near f32's largest;
    # elements below it by 0 to 12 binades, so sub-blocks take every
    # microexponent and some round to 0.
    top = rng.integers(-150, 127, (shape[0], 1))
    below = rng.integers(0, 13, shape)
    mantissa = rng.uniform(1.0, 2.0, shape)
    x = np.ldexp(mantissa, top - below)
    # Ties: values on a half-step of a coarse grid under the block's scale.
    ties = rng.random(shape) < 0.1
    x = np.where(ties, np.ldexp(rng.integers(0, 16, shape) + 0.5, top - 4), x)
    x = (x * rng.choice([-1.0, 1.0], shape)).astype(np.float32)
    # Zero pairs and quads, signed zeros, a lone largest element.
    zero_pairs = rng.random((shape[0], 8)) < 0.1
    x[np.repeat(zero_pairs, 2, axis=1)] = 0.0
    x[rng.random(shape) < 0.03] = -0.0
    # NaN or Inf in a few blocks, at any lane.
    for value in (np.nan, np.inf, -np.inf):
        picked = rng.integers(0, shape[0], max(1, shape[0] // 100))
        x[picked, rng.integers(0, 16, picked.size)] = value
    return x.reshape(rows, blocks_per_row * 16)


def quantize_with(x, fmt, rounding, pipeline):
    result = mx_mlir.arrays.two_level_type(x.shape, fmt, x.ndim - 1)
    element = {np.float32: "f32", np.float16: "f16"}[x.dtype.type]
    source = f"tensor<{'x'.join(map(str, x.shape))}x{element}>"
    text = f"""func.func @quantize(%x: {source}) -> {result} {{
  %q = mx.quantize %x rounding<{rounding}> : {source} -> {result}
  return %q : {result}
}}"""
    return mx_mlir.Module.parse(text).compile(pipeline).invoke("quantize", x)


for fmt in FORMATS:
    mismatches = blocks = 0
    for rounding in ("rne", "rtz"):
        for dtype, (rows, per_row) in ((np.float32, (64, 40)), (np.float16, (8, 24)),
                                       (np.float32, (3, 1))):
            x = kernel_blocks(rows, per_row).astype(dtype)
            expected = numerics.quantize_shared_microexponent_packed(
                x.astype(np.float32), fmt, 1, rounding)
            kernel = quantize_with(x, fmt, rounding, "mx-cpu-pipeline")
            linalg = quantize_with(x, fmt, rounding, LINALG)
            mismatches += int(np.sum(kernel.blocks != expected))
            mismatches += int(np.sum(linalg.blocks != kernel.blocks))
            blocks += rows * per_row
    print(f"{fmt} quantize: {blocks} blocks, {mismatches} mismatches")
# CHECK: mx9 quantize: 5510 blocks, 0 mismatches
# CHECK: mx6 quantize: 5510 blocks, 0 mismatches
# CHECK: mx4 quantize: 5510 blocks, 0 mismatches
# CHECK: m=5,k1=16,k2=1,d2=1 quantize: 5510 blocks, 0 mismatches
# CHECK: m=3,k1=16,k2=4,d2=2 quantize: 5510 blocks, 0 mismatches
# CHECK: m=2,k1=16,k2=16,d2=3 quantize: 5510 blocks, 0 mismatches
# CHECK: m=6,k1=16,k2=8,d2=0 quantize: 5510 blocks, 0 mismatches

# Dequantize from arbitrary bytes: any exponent (0xFF: a NaN block), every
# microexponent and code, padding bits set.
for fmt in FORMATS:
    shape = (50, 64)
    blocks = rng.integers(0, 256, mx_mlir.reference.shared_microexponent_storage_shape(
        shape, fmt, 1), dtype=np.uint8)
    blocks[0, :, 0] = 0xFF
    q = mx_mlir.TwoLevelArray(blocks, fmt, shape, 1)
    expected = numerics.dequantize_shared_microexponent_packed(blocks, shape, fmt, 1)
    bad = 0
    for dtype in (np.float32, np.float16):
        values = mx_mlir.dequantize(q, dtype)
        with np.errstate(over="ignore"):
            want = expected.astype(dtype)
        bad += int(np.sum(~same_bits(values, want)))
    print(f"{fmt} dequantize: {blocks.size // blocks.shape[-1]} blocks, {bad} mismatches")
# CHECK: mx9 dequantize: 200 blocks, 0 mismatches
# CHECK: mx6 dequantize: 200 blocks, 0 mismatches
# CHECK: mx4 dequantize: 200 blocks, 0 mismatches
# CHECK: m=5,k1=16,k2=1,d2=1 dequantize: 200 blocks, 0 mismatches
# CHECK: m=3,k1=16,k2=4,d2=2 dequantize: 200 blocks, 0 mismatches
# CHECK: m=2,k1=16,k2=16,d2=3 dequantize: 200 blocks, 0 mismatches
# CHECK: m=6,k1=16,k2=8,d2=0 dequantize: 200 blocks, 0 mismatches

# mx.matmul with two-level operands in the kernel layout (K a multiple of
# 16, N of 16): MX6/MX4 operands run as the MXINT8 tensors of their blocks
# (exact) on the packed kernel, an MX9 lhs as its f32 values; within the f32
# bound of the exact product of the dequantized values, NaN where expected.
M, K, N = 33, 256, 48
a = rng.standard_normal((M, K)).astype(np.float32)
b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (1, N)))).astype(np.float32)
a[3, 17] = np.nan
a[5, :16] = 0.0
b[:16, 7] = 2.0 ** -140
for fa, fb in (("mx6", "mx6"), ("mx4", "mx6"), ("mx9", "mx4"), ("m=5,k1=16,k2=1,d2=1", "mx4")):
    qa = mx_mlir.quantize(a, fa, axis=1)
    qb = mx_mlir.quantize(b, fb, axis=0)
    da = mx_mlir.dequantize(qa).astype(np.float64)
    db = mx_mlir.dequantize(qb).astype(np.float64)
    exact, magnitude = da @ db, np.abs(da) @ np.abs(db)
    nan_rows = np.isnan(exact)
    outside = 0
    text = f"""func.func @matmul(%a: {qa.type}, %b: {qb.type}) -> tensor<{M}x{N}xf32> {{
  %c = mx.matmul %a, %b : {qa.type}, {qb.type} -> tensor<{M}x{N}xf32>
  return %c : tensor<{M}x{N}xf32>
}}"""
    for pipeline in ("mx-cpu-pipeline", LINALG):
        c = mx_mlir.Module.parse(text).compile(pipeline).invoke("matmul", qa, qb)
        outside += int(np.sum((np.abs(c - exact) > f32_sum_bound(K, magnitude)) & ~nan_rows))
        outside += int(not np.array_equal(np.isnan(c), nan_rows))
    print(f"{fa} x {fb}: {outside} outside the bound")
# CHECK: mx6 x mx6: 0 outside the bound
# CHECK: mx4 x mx6: 0 outside the bound
# CHECK: mx9 x mx4: 0 outside the bound
# CHECK: m=5,k1=16,k2=1,d2=1 x mx4: 0 outside the bound

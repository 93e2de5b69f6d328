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
# 16): MX6/MX4 operands run as the MXINT8 tensors of their blocks (exact) on
# the packed kernel, an MX9 lhs as its f32 values; an MX9 rhs (or one with
# two microexponent bits) is decoded by the packer into f32 panels, N
# widened by zero columns (40: a partial panel; 1 row: a decode step's
# shape). Within the f32 bound of the exact product of the dequantized
# values, NaN where expected, the kernel and the linalg lowering both.
K = 256


def two_level_product(fa, fb, M, N):
    a = rng.standard_normal((M, K)).astype(np.float32)
    b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (1, N)))).astype(np.float32)
    if M > 5:
        a[3, 17] = np.nan
        a[5, :16] = 0.0
    b[:16, 7] = 2.0 ** -140  # a block of subnormal values
    b[32:48, N - 1] = 0.0
    b[64:80, 2] = np.inf  # a NaN block scale
    qa = a if fa == "f32" else mx_mlir.quantize(a, fa, axis=1)
    qb = mx_mlir.quantize(b, fb, axis=0)
    da = (a if fa == "f32" else mx_mlir.dequantize(qa)).astype(np.float64)
    db = mx_mlir.dequantize(qb).astype(np.float64)
    with np.errstate(invalid="ignore"):
        exact, magnitude = da @ db, np.abs(da) @ np.abs(db)
    nan_rows = np.isnan(exact)
    type_a = qa.type if fa != "f32" else f"tensor<{M}x{K}xf32>"
    outside = 0
    text = f"""func.func @matmul(%a: {type_a}, %b: {qb.type}) -> tensor<{M}x{N}xf32> {{
  %c = mx.matmul %a, %b : {type_a}, {qb.type} -> tensor<{M}x{N}xf32>
  return %c : tensor<{M}x{N}xf32>
}}"""
    for pipeline in ("mx-cpu-pipeline", LINALG):
        c = mx_mlir.Module.parse(text).compile(pipeline).invoke("matmul", qa, qb)
        with np.errstate(invalid="ignore"):
            outside += int(np.sum((np.abs(c - exact) > f32_sum_bound(K, magnitude)) & ~nan_rows))
        outside += int(not np.array_equal(np.isnan(c), nan_rows))
    print(f"{fa} x {fb}, {M} x {N}: {outside} outside the bound")


for fa, fb, M, N in (("mx6", "mx6", 33, 48), ("mx4", "mx6", 33, 48), ("mx9", "mx4", 33, 48),
                     ("m=5,k1=16,k2=1,d2=1", "mx4", 33, 48), ("mx9", "mx9", 33, 48),
                     ("mx9", "mx9", 33, 40), ("mx9", "mx9", 1, 64), ("mx4", "mx9", 7, 32),
                     ("f32", "mx9", 33, 10), ("mx9", "m=3,k1=16,k2=4,d2=2", 33, 48)):
    two_level_product(fa, fb, M, N)
# CHECK: mx6 x mx6, 33 x 48: 0 outside the bound
# CHECK: mx4 x mx6, 33 x 48: 0 outside the bound
# CHECK: mx9 x mx4, 33 x 48: 0 outside the bound
# CHECK: m=5,k1=16,k2=1,d2=1 x mx4, 33 x 48: 0 outside the bound
# CHECK: mx9 x mx9, 33 x 48: 0 outside the bound
# CHECK: mx9 x mx9, 33 x 40: 0 outside the bound
# CHECK: mx9 x mx9, 1 x 64: 0 outside the bound
# CHECK: mx4 x mx9, 7 x 32: 0 outside the bound
# CHECK: f32 x mx9, 33 x 10: 0 outside the bound
# CHECK: mx9 x m=3,k1=16,k2=4,d2=2, 33 x 48: 0 outside the bound

# Constant MX9 weights (the policy's quantize of an f32 constant folds to
# mx.from_storage of its packed blocks): decoded per call, or with
# prepack-weights=true into f32 panels at compile time (a constant global). Weight-only and MX9 activations, 21 columns
# (a partial panel); the same f32 bound.
M, N = 9, 21
w = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (1, N)))).astype(np.float32)
w[:16, 4] = 0.0
x = rng.standard_normal((M, K)).astype(np.float32)
dw = mx_mlir.dequantize(mx_mlir.quantize(w, "mx9", axis=0)).astype(np.float64)
weights = ", ".join("[" + ", ".join(f"{v:.9e}" for v in row) + "]" for row in w)
program = f"""func.func @layer(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{
  %w = arith.constant dense<[{weights}]> : tensor<{K}x{N}xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<{M}x{N}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%init : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}"""
for activations in ("none", "mx9"):
    dx = x.astype(np.float64)
    if activations == "mx9":
        dx = mx_mlir.dequantize(mx_mlir.quantize(x, "mx9", axis=1)).astype(np.float64)
    exact, magnitude = dx @ dw, np.abs(dx) @ np.abs(dw)
    results = []
    for prepack in ("false", "true"):
        module = mx_mlir.Module.parse(program)
        module.run_pipeline(f"mx-quantize-policy{{weights=mx9 activations={activations}}}")
        lowered = mx_mlir.Module.parse(str(module))
        lowered.run_pipeline(f"canonicalize,convert-mx-to-vector{{prepack-weights={prepack}}}")
        prepacked = "memref.global \"private\" constant @__mx_rhs_packed" in str(lowered)
        y = module.compile(f"mx-cpu-pipeline{{prepack-weights={prepack}}}").invoke("layer", x)
        outside = int(np.sum(np.abs(y - exact) > f32_sum_bound(K, magnitude)))
        results.append(y)
        print(f"constant mx9 weights, activations {activations}, prepack {prepack}: "
              f"f32 panels at compile time {prepacked}, {outside} outside the bound")
    # The same panels either way, so the same kernel sums: the same bits.
    print(f"  prepacked and per-call bits equal: {bool(np.all(same_bits(*results)))}")
# CHECK: constant mx9 weights, activations none, prepack false: f32 panels at compile time False, 0 outside the bound
# CHECK: constant mx9 weights, activations none, prepack true: f32 panels at compile time True, 0 outside the bound
# CHECK-NEXT: prepacked and per-call bits equal: True
# CHECK: constant mx9 weights, activations mx9, prepack false: f32 panels at compile time False, 0 outside the bound
# CHECK: constant mx9 weights, activations mx9, prepack true: f32 panels at compile time True, 0 outside the bound
# CHECK-NEXT: prepacked and per-call bits equal: True

# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# FP8 with f32 tile scales (the DeepSeek-V3 / Transformer Engine block
# scaling: 1 x 128 tiles for activations, 128 x 128 blocks for weights)
# compiled by mx-cpu-pipeline (the vector kernel for 1-D tiles along the
# last axis) and by the linalg lowering alone, against lib/Numerics/FloatScaled through its
# C interface: quantize bit for bit (codes and f32 scales) under both rules
# on edge tiles, quotients that an f32 division would round onto a
# midpoint, partial tiles, f16 input and compile-time constants;
# dequantize bit for bit from arbitrary codes and scales; the mixed
# 1 x 128 by 128 x 128 matmul within the f32 accumulation bound.

import sys

import numpy as np

import mx_mlir
from mx_integration import Numerics
from mx_mlir import reference
from mx_test_data import f32_sum_bound, random_tensor, same_bits

numerics = Numerics(sys.argv[1])
rng = np.random.default_rng(23)
RULES = {"quotient": "quotient", "rceil": "pow2"}  # dialect -> C API names
MAX = {"e4m3": 448.0, "e5m2": 57344.0}


def edge_rows(k):
    """One tile of 1 x `k` per row, each an edge case of the tile rules."""
    rows = [
        np.zeros(k),                                             # zero tile: scale 1
        np.r_[np.nan, np.ones(k - 1)],                           # NaN tile
        np.r_[np.ones(k - 1), -np.inf],                          # Inf tile
        np.r_[2.0 ** -130, np.full(k - 1, 2.0 ** -140)],         # subnormal amax
        np.full(k, 2.0 ** -149),                                 # least subnormal
        np.r_[3.4e38, np.linspace(-1e38, 1e38, k - 1)],          # near f32 max
        np.r_[448.0, np.arange(k - 1) * 0.0625 + 1.0],           # E4M3 ties at scale 1
        np.r_[57344.0, np.arange(k - 1) * 0.5 + 8.0],            # E5M2 ties at scale 1
        np.r_[-0.0, 0.0, -(2.0 ** -20), np.ones(k - 3)],         # signed zeros
        np.r_[1e30, np.full(k - 1, 1e-30)],                      # underflow to zero
    ]
    return np.array(rows, dtype=np.float32)


def near_midpoint_rows(fmt, k, count):
    """Rows whose quotients x / scale lie within a few f32 ulps of an FP8
    rounding midpoint: an f32 quotient may round onto the midpoint and then
    to even the wrong way; the contract's one rounding of the exact quotient
    must not."""
    rows, found = [], 0
    midpoints = (reference.decode(fmt, np.arange(1, 0x7E, dtype=np.uint8))[:-1] +
                 reference.decode(fmt, np.arange(2, 0x7F, dtype=np.uint8))[:-1]) / 2
    midpoints = midpoints[np.isfinite(midpoints) & (midpoints > 0)]
    while len(rows) < count:
        amax = np.float32(rng.uniform(0.5, 2.0) * 2.0 ** rng.integers(-20, 20))
        scale = np.float32(amax / np.float32(MAX[fmt]))
        picks = rng.choice(midpoints, k - 1)
        x = (picks * np.float64(scale)).astype(np.float32)
        x = np.nextafter(x, np.float32(np.inf) * rng.choice([-1, 1], k - 1)).astype(np.float32)
        f32_on_mid = (x / scale).astype(np.float32) == picks.astype(np.float32)
        exact_off = (x.astype(np.float64) / np.float64(scale)) != picks
        found += int(np.sum(f32_on_mid & exact_off))
        rows.append(np.r_[amax, x])
    return np.array(rows, dtype=np.float32), found


def quantize_mismatches(x, fmt, rule, tile):
    """Through mx-cpu-pipeline (the vector kernel for 1-D tiles along the
    last axis, else linalg) and through the linalg lowering alone."""
    codes, scales = numerics.quantize_float_scaled(x.astype(np.float32), fmt, tile, RULES[rule])
    result = mx_mlir.arrays.mx_type(x.shape, fmt, tile, "f32")
    source = f"tensor<{'x'.join(map(str, x.shape))}xf32>"
    text = f"""func.func @quantize(%x: {source}) -> {result} {{
  %q = mx.quantize %x scale_rule<{rule}> : {source} -> {result}
  return %q : {result}
}}"""
    linalg = mx_mlir.Module.parse(text).compile("mx-cpu-pipeline{kernels=false}")
    mismatches = 0
    for q in (mx_mlir.quantize(x, fmt, block=tile, scale="f32", scale_rule=rule),
              linalg.invoke("quantize", x)):
        mismatches += (int(np.sum(q.elements != codes)) +
                       int(np.sum(q.scales.view(np.uint32) != scales.view(np.uint32))))
    return mismatches


# Quantize: codes and scales bit for bit, both rules, both FP8 formats.
for fmt in ("e4m3", "e5m2"):
    for rule in RULES:
        mismatches = tiles = 0
        edges = edge_rows(128)
        near, found = near_midpoint_rows(fmt, 128, 64)
        for x, tile in ((edges, (1, 128)), (edges, (2, 64)), (near, (1, 128)),
                        (random_tensor(rng, (300, 400)), (128, 128)),
                        (random_tensor(rng, (70, 300)), (1, 128)),
                        (random_tensor(rng, (40, 512)), (1, 128)),
                        (random_tensor(rng, (24, 96)), (1, 32)),
                        (random_tensor(rng, (33, 45)), (32, 1)),
                        (random_tensor(rng, (20, 37)), (3, 5))):
            mismatches += quantize_mismatches(x, fmt, rule, tile)
            tiles += -(-x.shape[0] // tile[0]) * -(-x.shape[1] // tile[1])
        # f16 input: widened exactly, then the same arithmetic.
        half = (rng.standard_normal((16, 256)) *
                np.exp2(rng.uniform(-24, 13, (16, 256)))).clip(-6e4, 6e4).astype(np.float16)
        half[3, 7] = np.inf
        q = mx_mlir.quantize(half, fmt, block=(1, 128), scale="f32", scale_rule=rule)
        codes, scales = numerics.quantize_float_scaled(half.astype(np.float32), fmt, (1, 128),
                                                       RULES[rule])
        mismatches += int(np.sum(q.elements != codes) +
                          np.sum(q.scales.view(np.uint32) != scales.view(np.uint32)))
        # Under rceil the quotients are exact (power-of-two scales): no
        # midpoint to miss.
        near_text = f", {found} f32-midpoint quotients" if rule == "quotient" else ""
        print(f"quantize {fmt} {rule}: {tiles} tiles{near_text}, {mismatches} mismatches")
# CHECK: quantize e4m3 quotient: 684 tiles, {{[1-9][0-9]*}} f32-midpoint quotients, 0 mismatches
# CHECK: quantize e4m3 rceil: 684 tiles, 0 mismatches
# CHECK: quantize e5m2 quotient: 684 tiles, {{[1-9][0-9]*}} f32-midpoint quotients, 0 mismatches
# CHECK: quantize e5m2 rceil: 684 tiles, 0 mismatches

# Compile-time weights: quantize of a constant folds to constants computed
# by the numerics library; the compiled dequantize of them matches it too.
w = random_tensor(rng, (256, 128))
dense = ", ".join("[" + ", ".join(f"{v.view(np.uint32):#010x}" for v in row) + "]" for row in w)
wtype = "!mx.tensor<256x128xf8E4M3FN, block = [128, 128], scale = f32>"
text = f"""func.func @weights() -> tensor<256x128xf32> {{
  %w = arith.constant dense<[{dense}]> : tensor<256x128xf32>
  %q = mx.quantize %w scale_rule<quotient> : tensor<256x128xf32> -> {wtype}
  %d = mx.dequantize %q : {wtype} -> tensor<256x128xf32>
  return %d : tensor<256x128xf32>
}}"""
folded = mx_mlir.Module.parse(text).compile().invoke("weights")
codes, scales = numerics.quantize_float_scaled(w, "e4m3", (128, 128), "quotient")
expected = numerics.dequantize_float_scaled(codes, scales, "e4m3", (128, 128))
print(f"constant weights: {int(np.sum(~same_bits(folded, expected)))} mismatches")
# CHECK: constant weights: 0 mismatches

# Dequantize: every code, scales of every kind (NaN, zero, subnormal, huge
# ones whose products pass f32's range), f32 bit for bit against the
# library and f16 against the exact product rounded once.
for fmt in ("e4m3", "e5m2"):
    shape, tile = (256, 384), (128, 128)
    codes = rng.integers(0, 256, shape, dtype=np.uint8)
    codes[0, :256] = np.arange(256)
    scales = np.exp2(rng.uniform(-150, 120, (2, 3))).astype(np.float32)
    scales[0, 1], scales[1, 0], scales[1, 2] = np.nan, 0.0, 2.0 ** -149
    q = mx_mlir.MXArray(codes, scales, fmt, shape, tile, "f32")
    got = mx_mlir.dequantize(q)
    expected = numerics.dequantize_float_scaled(codes, scales, fmt, tile)
    with np.errstate(over="ignore", invalid="ignore"):
        exact = reference.decode(fmt, codes) * np.kron(scales.astype(np.float64), np.ones(tile))
        half = exact.astype(np.float16)
    got_half = mx_mlir.dequantize(q, np.float16)
    print(f"dequantize {fmt}: f32 {int(np.sum(~same_bits(got, expected)))} mismatches, "
          f"f16 {int(np.sum((got_half.view(np.uint16) != half.view(np.uint16)) & ~np.isnan(half)))}"
          f" mismatches")
# CHECK: dequantize e4m3: f32 0 mismatches, f16 0 mismatches
# CHECK: dequantize e5m2: f32 0 mismatches, f16 0 mismatches

# The mixed GEMM: 1 x 128 activation tiles by 128 x 128 weight blocks,
# within the f32 bound of the exact sum; a NaN tile reaches its whole row.
for fa, fb in (("e4m3", "e4m3"), ("e4m3", "e5m2")):
    M, K, N = 24, 384, 200
    a = mx_mlir.quantize(rng.standard_normal((M, K)).astype(np.float32) * 3, fa, block=(1, 128),
                         scale="f32")
    b = mx_mlir.quantize(rng.standard_normal((K, N)).astype(np.float32) / 7, fb,
                         block=(128, 128), scale="f32", scale_rule="rceil")
    a.scales[5, 1] = np.nan
    got = mx_mlir.matmul(a, b)
    av = reference.decode(fa, a.elements) * np.repeat(a.scales.astype(np.float64), 128, axis=1)
    bv = (reference.decode(fb, b.elements) *
          np.kron(b.scales.astype(np.float64), np.ones((128, 128)))[:K, :N])
    with np.errstate(invalid="ignore"):
        exact = av @ bv
        bound = f32_sum_bound(K + 4, np.abs(av) @ np.abs(bv))
    finite = ~np.isnan(exact)
    over = int(np.sum(np.abs(got[finite] - exact[finite]) > bound[finite]))
    nan_rows = bool(np.all(np.isnan(got[5])) and not np.any(np.isnan(np.delete(got, 5, 0))))
    print(f"matmul {fa} x {fb}: {over} beyond the bound, NaN row {nan_rows}")
# CHECK: matmul e4m3 x e4m3: 0 beyond the bound, NaN row True
# CHECK: matmul e4m3 x e5m2: 0 beyond the bound, NaN row True

# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# NVFP4 (E2M1 elements, blocks of 16, E4M3 block scales, an f32 tensor
# scale) compiled by mx-cpu-pipeline and by the linalg lowering alone,
# against lib/Numerics/NVFP4 through its C interface: mx.tensor_scale and
# quantize bit for bit (codes, block scales, tensor scale; computed and
# given tensor scales) on edge blocks, block-scale and element quotients
# next to rounding midpoints, partial blocks, every axis and f16 input;
# compile-time constants; dequantize bit for bit from every code and block
# scale; the GEMM with alpha = S_a * S_b within the f32 accumulation bound.

import sys

import numpy as np

import mx_mlir
from mx_integration import Numerics
from mx_mlir import reference
from mx_test_data import f32_sum_bound, random_tensor, same_bits

numerics = Numerics(sys.argv[1])
rng = np.random.default_rng(29)


def edge_rows():
    """One block of 16 per row, each an edge case; together they also set
    the tensor scale (amax 3e4)."""
    rows = [
        np.zeros(16),                                            # zero block: scale 0
        np.r_[np.nan, np.ones(15)],                              # NaN block
        np.r_[np.ones(15), -np.inf],                             # Inf block
        np.r_[3e4, np.linspace(-3e4, 3e4, 15)],                  # the tensor's amax
        np.r_[1e-6, np.full(15, -1e-7)],                         # tiny: block scale 0
        np.r_[2.0 ** -130, np.full(15, 2.0 ** -140)],            # subnormals
        np.r_[-0.0, 0.0, -(2.0 ** -20), np.ones(13)],            # signed zeros
        np.r_[6.0, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, np.arange(8) * 0.5],  # E2M1 ties
        np.linspace(-40.0, 40.0, 16),
        np.r_[3e4 * 0.999, np.full(15, 17.0)],                   # block scale saturates
    ]
    return np.array(rows, dtype=np.float32)


def near_midpoint_rows(tensor_scale, count):
    """Rows whose elements x / (block scale * S) lie within a few f32 ulps of
    an E2M1 rounding midpoint (quotients an f32 division could round onto
    it), with the block's amax picked so that amax / (6 S) is next to an
    E4M3 midpoint too."""
    e4m3 = reference.decode("e4m3", np.arange(1, 0x7E, dtype=np.uint8))
    e4m3_mid = (e4m3[:-1] + e4m3[1:]) / 2
    e2m1_mid = np.array([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0])
    rows = []
    for _ in range(count):
        block_scale = rng.choice(e4m3[40:-1])
        step = np.float64(block_scale) * np.float64(tensor_scale)
        amax = np.float32(rng.choice(e4m3_mid[40:]) * 6 * np.float64(tensor_scale))
        x = (rng.choice(e2m1_mid, 15) * step * rng.choice([-1, 1], 15)).astype(np.float32)
        x = np.nextafter(x, np.float32(np.inf) * rng.choice([-1, 1], 15)).astype(np.float32)
        rows.append(np.r_[amax, np.clip(x, -amax, amax)])
    return np.array(rows, dtype=np.float32)


def compile_quantize(shape, axis, dtype, given, options=""):
    source = f"tensor<{'x'.join(map(str, shape))}x{dtype}>"
    blocks = reference.block_shape(shape, 16, axis)
    result = mx_mlir.arrays.mx_type(shape, "e2m1", blocks, "f8E4M3FN")
    if given:
        text = f"""func.func @quantize(%x: {source}, %s: f32) -> {result} {{
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : {source} -> {result}
  return %q : {result}
}}"""
    else:
        text = f"""func.func @quantize(%x: {source}) -> ({result}, f32) {{
  %s = mx.tensor_scale %x : {source}
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : {source} -> {result}
  return %q, %s : {result}, f32
}}"""
    pipeline = "mx-cpu-pipeline" + ("{" + options + "}" if options else "")
    return mx_mlir.Module.parse(text).compile(pipeline)


def quantize_mismatches(x, axis, tensor_scale=None):
    """Codes, block scales and tensor scale through mx-cpu-pipeline (the
    array API) and the linalg lowering alone, against the library."""
    codes, block_scales, scale = numerics.quantize_nvfp4(x.astype(np.float32), axis,
                                                         tensor_scale)
    dtype = "f16" if x.dtype == np.float16 else "f32"
    linalg = compile_quantize(x.shape, axis, dtype, tensor_scale is not None, "kernels=false")
    if tensor_scale is None:
        q, s = linalg.invoke("quantize", x)
    else:
        q, s = linalg.invoke("quantize", x, float(tensor_scale)), np.float32(tensor_scale)
    mismatches = 0
    for q, s in ((mx_mlir.quantize(x, "e2m1", axis=axis, scale="e4m3",
                                   tensor_scale=tensor_scale), None), (q, s)):
        s = q.tensor_scale if s is None else s
        mismatches += (int(np.sum(q.element_codes() != codes)) +
                       int(np.sum(q.scales != block_scales)) +
                       int(np.float32(s).view(np.uint32) != scale.view(np.uint32)))
    return mismatches, int(np.prod(block_scales.shape))


total = blocks = 0
edges = edge_rows()
for x, axis in ((edges, 1), (edges.T.copy(), 0),
                (random_tensor(rng, (64, 160)), 1), (random_tensor(rng, (48, 37)), 1),
                (random_tensor(rng, (37, 48)), 0), (random_tensor(rng, (6, 5, 40)), 2),
                (random_tensor(rng, (6, 40, 5)), 1)):
    mismatches, count = quantize_mismatches(x, axis)
    total, blocks = total + mismatches, blocks + count
print(f"quantize, computed tensor scale: {blocks} blocks, {total} mismatches")
# CHECK: quantize, computed tensor scale: {{[0-9]+}} blocks, 0 mismatches

def naive_f32_misses(x, scale):
    """How many codes f32 arithmetic (step = bs * S and x / step, each
    rounded to f32) gets wrong: what the near-midpoint rows test."""
    codes, block_scales, _ = numerics.quantize_nvfp4(x, 1, scale)
    step = (reference.decode("e4m3", np.repeat(block_scales, 16, axis=1)).astype(np.float32) *
            np.float32(scale))
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = reference.encode("e2m1", (x / step).astype(np.float32).astype(np.float64))
    return int(np.sum((naive != codes) & (step != 0)))


def wide_rows(count):
    """Blocks whose magnitudes span f32's range (subnormals to 3e38), so
    that amax / (6 S) under the given scales below reaches E4M3's
    subnormals, rounds to zero, or saturates."""
    exponents = rng.uniform(-149, 127.9, (count, 1)) + rng.uniform(-6, 0, (count, 16))
    signs = rng.choice([-1.0, 1.0], (count, 16))
    return (signs * np.exp2(np.minimum(exponents, 127.9))).astype(np.float32)


total = blocks = 0
for scale in (np.float32(1e-30), np.float32(1.0), np.float32(3e20)):
    mismatches, count = quantize_mismatches(wide_rows(320), 1, scale)  # groups of 16
    total, blocks = total + mismatches, blocks + count
print(f"quantize, magnitudes across f32's range: {blocks} blocks, {total} mismatches")
# CHECK: quantize, magnitudes across f32's range: 960 blocks, 0 mismatches

total = blocks = misses = 0
for scale in (np.float32(1.0), np.float32(0.0123), np.float32(7.5e-3)):
    near = near_midpoint_rows(scale, 200)
    misses += naive_f32_misses(near, scale)
    for x in (near, edges):
        mismatches, count = quantize_mismatches(x, 1, scale)
        total, blocks = total + mismatches, blocks + count
print(f"quantize, given tensor scales: {blocks} blocks ({misses} codes f32 arithmetic "
      f"misses), {total} mismatches")
# CHECK: quantize, given tensor scales: 630 blocks ({{[1-9][0-9]*}} codes f32 arithmetic misses), 0 mismatches

def lookup_rows(tensor_scale, groups):
    """Groups of sixteen one-block rows for the group kernel's lookup path:
    normal E4M3 block scales, elements x / (block scale * S) exactly on an
    E2M1 rounding midpoint where f32 holds it or 1-2 ulps off it; in some
    groups a zero block (still the lookup path), a block with a subnormal
    block scale or one that saturates at 448 (both send the group to the
    seven comparisons)."""
    e4m3 = reference.decode("e4m3", np.arange(0x08, 0x7E, dtype=np.uint8))
    e2m1_mid = np.array([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0])
    rows = []
    for group in range(groups):
        for row in range(16):
            block_scale = rng.choice(e4m3)
            step = np.float64(block_scale) * np.float64(tensor_scale)
            amax = np.float32(6 * step)
            x = (rng.choice(e2m1_mid, 15) * step).astype(np.float32)
            for _ in range(2):
                move = rng.choice([-1, 0, 0, 1], 15)
                x = np.where(move == 0, x, np.nextafter(x, np.float32(np.inf) * move))
            x = (x * rng.choice([-1, 1], 15)).astype(np.float32)
            block = np.r_[amax, np.clip(x, -amax, amax)]
            if row == 3 and group % 3 == 0:
                block = np.zeros(16)
            if row == 7 and group % 5 == 1:
                block = block * np.float32(2.0 ** -12)  # subnormal block scale
            if row == 11 and group % 7 == 2:
                block = block * np.float32(100.0)  # past 448: saturates
            rows.append(block)
    return np.array(rows, dtype=np.float32)


total = blocks = lookup_groups = 0
for scale in (np.float32(1.0), np.float32(0.0123), np.float32(3.3e-5), np.float32(2.0 ** 70)):
    rows = lookup_rows(scale, 24)
    _, block_scales, _ = numerics.quantize_nvfp4(rows, 1, scale)
    usual = (block_scales == 0) | ((block_scales >= 0x08) & (block_scales < 0x7E))
    lookup_groups += int(np.sum(np.all(usual.reshape(-1, 16), axis=1)))
    mismatches, count = quantize_mismatches(rows, 1, scale)
    total, blocks = total + mismatches, blocks + count
print(f"quantize, groups of 16 next to midpoints: {blocks} blocks ({lookup_groups} of "
      f"{blocks // 16} groups on the lookup path), {total} mismatches")
# CHECK: quantize, groups of 16 next to midpoints: 1536 blocks ({{[1-8][0-9]}} of 96 groups on the lookup path), 0 mismatches

def block_scale_midpoint_rows(tensor_scale, groups):
    """Groups of sixteen one-block rows whose amax / (6 S) lies next to an
    E4M3 rounding midpoint, where the group kernel's f32 product q = amax *
    RN(1 / (6 S)) can round to the wrong side and must hand the group to the
    exact division: each group draws one kind, (a) E4M3 subnormal midpoints,
    (b) normal midpoints and the saturation edge 464, both within 3 ulps,
    or (c) any midpoint 20 to 40 ulps away (the f32 product is right)."""
    e4m3 = reference.decode("e4m3", np.arange(0, 0x7F, dtype=np.uint8))
    midpoints = np.r_[(e4m3[:-1] + e4m3[1:]) / 2, 464.0]
    rows = []
    for group in range(groups):
        kind = group % 3
        pool = midpoints[:8] if kind == 0 else midpoints[8:] if kind == 1 else midpoints
        amax = (rng.choice(pool, 16) * 6 * np.float64(tensor_scale)).astype(np.float32)
        steps = rng.integers(-3, 4, 16) if kind < 2 else rng.integers(20, 41, 16) * rng.choice([-1, 1], 16)
        for step in range(40):
            toward = np.where(steps < 0, 0, np.inf).astype(np.float32)
            amax = np.where(np.abs(steps) > step, np.nextafter(amax, toward), amax)
        x = rng.uniform(-1, 1, (16, 15)) * amax[:, None]
        rows.append(np.c_[amax * rng.choice([-1, 1], 16), x])
    return np.concatenate(rows).astype(np.float32)


def f32_block_scale_misses(rows, tensor_scale):
    """Block scales that E4M3 rounding of the f32 product amax * RN(1 / (6 S))
    gets wrong: what block_scale_midpoint_rows test."""
    _, block_scales, _ = numerics.quantize_nvfp4(rows, 1, tensor_scale)
    inverse = np.float32(1 / (6 * np.float64(tensor_scale)))
    q = (np.max(np.abs(rows), axis=1) * inverse).astype(np.float32)
    return int(np.sum(reference.encode("e4m3", q.astype(np.float64)) != block_scales[:, 0]))


total = blocks = misses = 0
for scale in (np.float32(1.0), np.float32(0.0123), np.float32(3.3e-5), np.float32(1.37 * 2.0 ** 70),
              np.float32(7.1e-20), np.float32(2.0 ** -140), np.float32(1.5 * 2.0 ** 124)):
    rows = block_scale_midpoint_rows(scale, 16)
    misses += f32_block_scale_misses(rows, scale)
    mismatches, count = quantize_mismatches(rows, 1, scale)
    total, blocks = total + mismatches, blocks + count
print(f"quantize, block scales next to E4M3 midpoints: {blocks} blocks ({misses} block "
      f"scales an f32 product misses), {total} mismatches")
# CHECK: quantize, block scales next to E4M3 midpoints: 1792 blocks ({{[1-9][0-9]*}} block scales an f32 product misses), 0 mismatches

# f16 input: widened exactly, then the same arithmetic.
half = (rng.standard_normal((16, 256)) *
        np.exp2(rng.uniform(-24, 13, (16, 256)))).clip(-6e4, 6e4).astype(np.float16)
half[3, 7] = np.inf
mismatches, _ = quantize_mismatches(half, 1)
print(f"quantize f16: {mismatches} mismatches")
# CHECK: quantize f16: 0 mismatches

# Compile-time weights: the tensor scale and the quantize of a constant
# fold to constants computed by the numerics library.
w = random_tensor(rng, (64, 48))
dense = ", ".join("[" + ", ".join(f"{v.view(np.uint32):#010x}" for v in row) + "]" for row in w)
wtype = "!mx.tensor<64x48xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>"
text = f"""func.func @weights() -> tensor<64x48xf32> {{
  %w = arith.constant dense<[{dense}]> : tensor<64x48xf32>
  %s = mx.tensor_scale %w : tensor<64x48xf32>
  %q = mx.quantize %w tensor_scale(%s) scale_rule<quotient> : tensor<64x48xf32> -> {wtype}
  %d = mx.dequantize %q tensor_scale(%s) : {wtype} -> tensor<64x48xf32>
  return %d : tensor<64x48xf32>
}}"""
folded = mx_mlir.Module.parse(text).compile().invoke("weights")
codes, block_scales, scale = numerics.quantize_nvfp4(w, 0)
expected = numerics.dequantize_nvfp4(codes, block_scales, scale, 0)
print(f"constant weights: {int(np.sum(~same_bits(folded, expected)))} mismatches")
# CHECK: constant weights: 0 mismatches

# Dequantize: every code under every block scale (NaN and zero included),
# tensor scales that push products past f32's range and into subnormals;
# f32 bit for bit against the library, f16 the exact product rounded once.
codes = np.tile(np.arange(16, dtype=np.uint8), (256, 8))
block_scales = np.tile(np.arange(256, dtype=np.uint8)[:, None], (1, 8))
for scale in (np.float32(1.0), np.float32(3.0e-3), np.float32(2.0 ** 120), np.float32(2.0 ** -140)):
    q = mx_mlir.MXArray(mx_mlir.quantize(np.zeros((256, 128), np.float32), "e2m1", scale="e4m3")
                        .elements, block_scales, "e2m1", (256, 128), (1, 16), "f8E4M3FN", scale)
    q.elements[...] = codes[:, 0::2] | (codes[:, 1::2] << 4)
    got = mx_mlir.dequantize(q)
    expected = numerics.dequantize_nvfp4(codes, block_scales, scale, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        exact = (reference.decode("e2m1", codes) *
                 reference.decode("e4m3", np.repeat(block_scales, 16, axis=1)) * np.float64(scale))
        half = exact.astype(np.float16)
    got_half = mx_mlir.dequantize(q, np.float16)
    print(f"dequantize S={float(scale):.3g}: f32 {int(np.sum(~same_bits(got, expected)))} "
          f"mismatches, f16 "
          f"{int(np.sum((got_half.view(np.uint16) != half.view(np.uint16)) & ~np.isnan(half)))}"
          f" mismatches")
# CHECK: dequantize S=1: f32 0 mismatches, f16 0 mismatches
# CHECK: dequantize S=0.003: f32 0 mismatches, f16 0 mismatches
# CHECK: dequantize S=1.33e+36: f32 0 mismatches, f16 0 mismatches
# CHECK: dequantize S=7.17e-43: f32 0 mismatches, f16 0 mismatches

# The GEMM (convert-mx-to-vector's packed kernel: integer block dots on
# vpdpbusd where the CPU has AVX512-VNNI, the E4M3 block scales multiplied):
# NVFP4 x NVFP4 and NVFP4 weights x f32 activations, alpha = S_a * S_b
# after the sum, within the f32 bound of the exact product (the bound grows
# by the two roundings of alpha); a NaN block reaches its row. Shapes: N
# padded to whole panels (40), 6 x 32 register tiles with a partial row
# tile and an all-zero block (13 x 96 x 64), one row (1 x 64 x 256).


def exact_values(q, axis):
    """element * block scale * tensor scale in double (exact)."""
    with np.errstate(invalid="ignore"):
        return (reference.decode("e2m1", q.element_codes()) *
                reference.decode("e4m3", np.repeat(q.scales, 16, axis=axis)) *
                np.float64(q.tensor_scale))


for M, K, N in ((24, 160, 40), (13, 96, 64), (1, 64, 256)):
    a_values = rng.standard_normal((M, K)).astype(np.float32) * 3
    b_values = rng.standard_normal((K, N)).astype(np.float32) / 7
    if N == 64:
        a_values[4, 16:32] = 0
        b_values[32:48, 9] = 0
    a = mx_mlir.quantize(a_values, "e2m1", scale="e4m3")
    b = mx_mlir.quantize(b_values, "e2m1", axis=0, scale="e4m3")
    if M == 24:
        a.scales[5, 1] = reference.NVFP4_NAN_BLOCK_SCALE
    x = rng.standard_normal((M, K)).astype(np.float32)
    av, bv = exact_values(a, 1), exact_values(b, 0)
    for name, lhs, lhs_values in (("nvfp4 x nvfp4", a, av), ("f32 x nvfp4", x, x.astype(np.float64))):
        got = mx_mlir.matmul(lhs, b)
        with np.errstate(invalid="ignore"):
            exact = lhs_values @ bv
            bound = f32_sum_bound(K + 6, np.abs(lhs_values) @ np.abs(bv))
        finite = ~np.isnan(exact)
        over = int(np.sum(np.abs(got[finite] - exact[finite]) > bound[finite]))
        nan_rows = int(np.sum(np.all(np.isnan(got), axis=1)))
        print(f"matmul {name} {M}x{K}x{N}: {over} beyond the bound, {nan_rows} NaN rows")
# CHECK: matmul nvfp4 x nvfp4 24x160x40: 0 beyond the bound, 1 NaN rows
# CHECK: matmul f32 x nvfp4 24x160x40: 0 beyond the bound, 0 NaN rows
# CHECK: matmul nvfp4 x nvfp4 13x96x64: 0 beyond the bound, 0 NaN rows
# CHECK: matmul f32 x nvfp4 13x96x64: 0 beyond the bound, 0 NaN rows
# CHECK: matmul nvfp4 x nvfp4 1x64x256: 0 beyond the bound, 0 NaN rows
# CHECK: matmul f32 x nvfp4 1x64x256: 0 beyond the bound, 0 NaN rows


# Bad arguments are errors before anything compiles.
for kwargs in (dict(fmt="e4m3"), dict(block=32), dict(tensor_scale=0.0),
               dict(tensor_scale=float("nan")), dict(scale_rule="floor")):
    args = dict(fmt="e2m1")
    args.update(kwargs)
    try:
        mx_mlir.quantize(np.ones((2, 32), np.float32), args.pop("fmt"), scale="e4m3", **args)
        print("accepted", kwargs)
    except ValueError as error:
        print("error:", error)
try:
    mx_mlir.quantize(np.ones((2, 32), np.float32), "e2m1", tensor_scale=1.0)
except ValueError as error:
    print("error:", error)
# CHECK: error: quantize: E4M3 scales are NVFP4's: e2m1 elements in blocks of 16, got 'e4m3' with block None
# CHECK: error: quantize: E4M3 scales are NVFP4's: e2m1 elements in blocks of 16, got 'e2m1' with block 32
# CHECK: error: quantize: the tensor scale must be positive and finite, got 0.0
# CHECK: error: quantize: the tensor scale must be positive and finite, got nan
# CHECK: error: quantize: NVFP4 block scales are quotients (amax / (6 S)), rounded to nearest even, saturating
# CHECK: error: quantize: a tensor_scale belongs to NVFP4 (scale='e4m3')

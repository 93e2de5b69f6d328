# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s | FileCheck %s
#
# The ops of !mx.scaled, compiled by mx-cpu-pipeline and run, against the
# NumPy reference (itself checked against lib/Numerics bit for bit):
# - mx.scaled_cast to E4M3/E5M2 under every rounding and saturation, on
#   edge values (zeros, subnormals, ties, max and beyond, Inf, NaN) and
#   random ones across the whole f32 range: codes bit for bit;
# - arith.extf from FP8 (mx-expand-fp8-casts) on all 256 codes, and
#   arith.truncf to FP8 (IEEE overflow) on the same values: bit for bit;
# - mx.rescale (max, l1, l2): the new scale and data exactly as the rule
#   (floor(log2 norm), at least -14) computes them in NumPy;
# - mx.unscale of FP8 data: data * scale bit for bit.

import numpy as np

import mx_mlir
from mx_mlir import reference
from mx_test_data import same_bits

rng = np.random.default_rng(11)
N = 4096
FP8 = {"e4m3": "f8E4M3FN", "e5m2": "f8E5M2"}


def values():
    edge = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 448.0, 464.0, 465.0, 480.0, 1e6,
                     57344.0, 61440.0, 61441.0, 2.0**-9, 2.0**-10, 3 * 2.0**-11,
                     2.0**-16, 2.0**-17, 1.5 * 2.0**-17, 1e-30, 1e-45, 3.4e38,
                     np.inf, -np.inf, np.nan, -np.nan, 1.0625, 1.1875, -1.0625,
                     17.0, 19.0, -23.0], dtype=np.float32)
    magnitudes = np.ldexp(rng.uniform(1, 2, N), rng.integers(-30, 20, N))
    signs = rng.choice([-1.0, 1.0], N)
    out = np.concatenate([edge, (magnitudes * signs).astype(np.float32)])
    return out[:N]


x = values()
ctx = mx_mlir.Context()
mismatches = 0
checked = 0

# scaled_cast: codes via scaled_parts + bitcast to i8.
for fmt, fp8 in FP8.items():
    for rounding, seed in (("rne", None), ("rtz", None), ("stochastic", 5)):
        for saturation in ("saturate", "nonfinite"):
            attrs = f" rounding<{rounding}>"
            if seed is not None:
                attrs += f" seed({seed})"
            attrs += f" saturation<{saturation}>"
            src = f"""
func.func @cast(%x: tensor<{N}xf32>) -> tensor<{N}xi8> {{
  %one = arith.constant 1.0 : f32
  %s = mx.scale %x, %one : tensor<{N}xf32> -> !mx.scaled<tensor<{N}xf32>>
  %c = mx.scaled_cast %s{attrs} : !mx.scaled<tensor<{N}xf32>> -> !mx.scaled<tensor<{N}x{fp8}>>
  %d, %sc = mx.scaled_parts %c : !mx.scaled<tensor<{N}x{fp8}>>
  %b = arith.bitcast %d : tensor<{N}x{fp8}> to tensor<{N}xi8>
  return %b : tensor<{N}xi8>
}}"""
            got = mx_mlir.Module.parse(src, ctx).compile().invoke("cast", x)
            bits = (reference.stochastic_bits(seed, np.arange(N)) if seed is not None
                    else None)
            want = reference.encode(fmt, x.astype(np.float64), rounding, saturation,
                                    bits).astype(np.uint8)
            bad = int(np.count_nonzero(got.view(np.uint8) != want))
            if bad:
                print(f"scaled_cast {fmt} {rounding} {saturation}: {bad} mismatches")
            mismatches += bad
            checked += N

# arith.extf from FP8 and arith.truncf to FP8 (round to nearest even, IEEE
# overflow) through mx-expand-fp8-casts.
for fmt, fp8 in FP8.items():
    codes = np.arange(256, dtype=np.uint8)
    src = f"""
func.func @ext(%c: tensor<256xi8>) -> tensor<256xf32> {{
  %f = arith.bitcast %c : tensor<256xi8> to tensor<256x{fp8}>
  %e = arith.extf %f : tensor<256x{fp8}> to tensor<256xf32>
  return %e : tensor<256xf32>
}}
func.func @trunc(%x: tensor<{N}xf32>) -> tensor<{N}xi8> {{
  %t = arith.truncf %x : tensor<{N}xf32> to tensor<{N}x{fp8}>
  %b = arith.bitcast %t : tensor<{N}x{fp8}> to tensor<{N}xi8>
  return %b : tensor<{N}xi8>
}}"""
    jit = mx_mlir.Module.parse(src, ctx).compile()
    got = jit.invoke("ext", codes.view(np.int8))
    want = reference.decode(fmt, codes).astype(np.float32)
    bad = int(np.count_nonzero(~same_bits(got, want)))
    got = jit.invoke("trunc", x).view(np.uint8)
    want = reference.encode(fmt, x.astype(np.float64), "rne", "nonfinite").astype(np.uint8)
    bad += int(np.count_nonzero(got != want))
    if bad:
        print(f"extf/truncf {fmt}: {bad} mismatches")
    mismatches += bad
    checked += 256 + N

# rescale: the scale moves by 2^k, k = max(floor(log2 norm), -14).
def norm_of(data, norm):
    d = data.astype(np.float32)
    np.seterr(over="ignore")
    if norm == "max":
        return np.float32(np.max(np.abs(d)))
    if norm == "l1":
        return np.float32(np.sum(np.abs(d), dtype=np.float32) / np.float32(d.size))
    return np.float32(np.sqrt(np.float32(np.sum(d * d, dtype=np.float32) / np.float32(d.size))))


rescale_cases = 0
for norm in ("max", "l1", "l2"):
    for magnitude, scale in ((1e3, 1.0), (1e-3, 2.0**-20), (3.0, 2.0**100), (0.0, 4.0),
                             (1e-9, 1.0), (1e30, 2.0**120)):
        data = (rng.standard_normal(256) * magnitude).astype(np.float32)
        src = f"""
func.func @rescale(%x: tensor<256xf32>, %s: f32) -> (tensor<256xf32>, f32) {{
  %a = mx.scale %x, %s : tensor<256xf32> -> !mx.scaled<tensor<256xf32>>
  %r = mx.rescale %a norm<{norm}> : !mx.scaled<tensor<256xf32>>
  %d, %t = mx.scaled_parts %r : !mx.scaled<tensor<256xf32>>
  return %d, %t : tensor<256xf32>, f32
}}"""
        got_data, got_scale = mx_mlir.Module.parse(src, ctx).compile().invoke(
            "rescale", data, np.float32(scale))
        n = norm_of(data, norm)
        if not np.isfinite(n):
            k = 0  # a NaN or infinite norm leaves the tensor as it is
        else:
            k = max(int(np.floor(np.log2(n))) if n > 0 else -14, -14)
        e = int(np.log2(scale))
        k = min(max(k, -126 - e, -126), 127 - e, 126)
        want_scale = np.float32(np.ldexp(scale, k))
        want_data = (data * np.float32(np.ldexp(1.0, -k))).astype(np.float32)
        bad = int(not same_bits(np.float32(got_scale), want_scale)) + int(
            np.count_nonzero(~same_bits(got_data, want_data)))
        if bad:
            print(f"rescale {norm} {magnitude} {scale}: {bad} mismatches, k={k}")
        mismatches += bad
        rescale_cases += 1

# unscale of FP8 data: exact products.
for fmt, fp8 in FP8.items():
    codes = np.arange(256, dtype=np.uint8)
    for scale in (1.0, 2.0**-20, 2.0**10):
        src = f"""
func.func @unscale(%c: tensor<256xi8>, %s: f32) -> tensor<256xf32> {{
  %f = arith.bitcast %c : tensor<256xi8> to tensor<256x{fp8}>
  %a = mx.scale %f, %s : tensor<256x{fp8}> -> !mx.scaled<tensor<256x{fp8}>>
  %u = mx.unscale %a : !mx.scaled<tensor<256x{fp8}>> -> tensor<256xf32>
  return %u : tensor<256xf32>
}}"""
        got = mx_mlir.Module.parse(src, ctx).compile().invoke(
            "unscale", codes.view(np.int8), np.float32(scale))
        want = (reference.decode(fmt, codes) * scale).astype(np.float32)
        bad = int(np.count_nonzero(~same_bits(got, want)))
        mismatches += bad
        checked += 256

print(f"checked {checked} values and {rescale_cases} rescales: {mismatches} mismatches")
# CHECK: checked {{[0-9]+}} values and 18 rescales: 0 mismatches

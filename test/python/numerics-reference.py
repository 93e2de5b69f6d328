# RUN: env PYTHONPATH=%mx_python_packages:%S/../Integration/Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# mx_mlir.reference (NumPy) against lib/Numerics (C++, itself checked against
# llvm::APFloat), bit for bit: every format x scale rule x rounding x
# saturation, 1-D blocks along either axis, 2-D blocks, partial blocks, and
# edge-case blocks (zero, NaN, Inf, subnormal, huge, ties); and the two-level
# formats with shared microexponents, NVFP4, FP8 with f32 tile scales, and
# the random Hadamard transform.

import itertools
import sys

import numpy as np

from mx_integration import Numerics
from mx_test_data import edge_tensor, random_tensor, same_bits
from mx_mlir import reference as ref

numerics = Numerics(sys.argv[1])


def cpp_quantize(x, fmt, block, rule, rounding, saturation, seed):
    return numerics.quantize(x, fmt, block, rule, rounding, saturation == "nonfinite", seed)


def cpp_dequantize(codes, scales, fmt, block):
    return numerics.dequantize(codes, scales, fmt, block)


rng = np.random.default_rng(2026)


layouts = [((37, 70), (1, 32)), ((70, 37), (32, 1)), ((40, 40), (32, 32)),
           ((3, 5, 48), (1, 1, 16)), ((8, 32), (1, 32))]
mismatches = 0
checked = 0
for fmt, rule, rounding, saturation in itertools.product(
        ref.FORMATS, ref.SCALE_RULES, ref.ROUNDINGS, ref.SATURATIONS):
    if saturation == "nonfinite" and fmt not in ("e4m3", "e5m2"):
        continue
    for shape, block in layouts:
        x = edge_tensor() if shape == (8, 32) else random_tensor(rng, shape)
        seed = 12345
        want_codes, want_scales = cpp_quantize(x, fmt, block, rule, rounding, saturation, seed)
        codes, scales = ref.quantize(x, fmt, block=block, scale_rule=rule,
                                     rounding=rounding, saturation=saturation, seed=seed)
        bad = int(np.sum(codes != want_codes)) + int(np.sum(scales != want_scales))
        want_values = cpp_dequantize(want_codes, want_scales, fmt, block)
        values = ref.dequantize(codes, scales, fmt, block=block)
        bad += int(np.sum(~same_bits(values, want_values)))
        if bad:
            print(f"MISMATCH {fmt} {rule} {rounding} {saturation} {shape} {block}: {bad}")
        mismatches += bad
        checked += x.size

# The two-level formats (MX9, MX6, MX4): codes, microexponents, exponents,
# values and the packed storage, along either axis, on random tensors with blocks that spread
# over a few binades (so that microexponents vary) and the edge blocks.
for fmt, rounding in itertools.product(ref.SHARED_MICROEXPONENT_FORMATS, ("rne", "rtz")):
    spread = np.ldexp(1.0, rng.integers(-4, 1, (37, 70))).astype(np.float32)
    for x, axis in ((random_tensor(rng, (37, 70)) * spread, -1),
                    (random_tensor(rng, (70, 37)), 0), (edge_tensor(), -1)):
        want = numerics.quantize_shared_microexponent(x, fmt, axis, rounding)
        got = ref.quantize_shared_microexponent(x, fmt, axis=axis, rounding=rounding)
        bad = sum(int(np.sum(g != w)) for g, w in zip(got, want))
        values = ref.dequantize_shared_microexponent(*got, fmt, axis=axis)
        bad += int(np.sum(~same_bits(values, numerics.dequantize_shared_microexponent(
            *want, fmt, axis))))
        # The packed storage: the NumPy packing against the C++ one.
        bad += int(np.sum(ref.pack_shared_microexponent(*got, fmt, axis=axis) !=
                          numerics.quantize_shared_microexponent_packed(x, fmt, axis, rounding)))
        if bad:
            print(f"MISMATCH {fmt} {rounding} {x.shape} axis {axis}: {bad}")
        mismatches += bad
        checked += x.size

# NVFP4: codes, block scales, the tensor scale and values, computed and
# given tensor scales (a small one saturates block scales, a large one
# zeroes them), along either axis and on the edge blocks.
for x, axis, given in ((random_tensor(rng, (37, 70)), -1, None),
                       (random_tensor(rng, (70, 37)), 0, None), (edge_tensor(), -1, None),
                       (random_tensor(rng, (37, 70)), -1, 2.0 ** -20),
                       (random_tensor(rng, (37, 70)), 1, 2.0 ** 10)):
    want = numerics.quantize_nvfp4(x, axis, given)
    got = ref.quantize_nvfp4(x, axis=axis, tensor_scale=given)
    bad = sum(int(np.sum(g != w)) for g, w in zip(got, want))
    values = ref.dequantize_nvfp4(*got, axis=axis)
    bad += int(np.sum(~same_bits(values, numerics.dequantize_nvfp4(*want, axis))))
    if bad:
        print(f"MISMATCH nvfp4 {x.shape} axis {axis} scale {given}: {bad}")
    mismatches += bad
    checked += x.size

# FP8 with f32 tile scales: both formats, both scale rules, 1 x 128 and
# 128 x 128 tiles with partial ones, and the edge rows as 1 x 32 tiles.
for fmt, rule in itertools.product(("e4m3", "e5m2"), ("quotient", "pow2")):
    for x, tile in ((random_tensor(rng, (37, 300)), (1, 128)),
                    (random_tensor(rng, (200, 150)), (128, 128)), (edge_tensor(), (1, 32))):
        want = numerics.quantize_float_scaled(x, fmt, tile, rule)
        got = ref.quantize_float_scaled(x, fmt, tile, rule)
        bad = int(np.sum(got[0] != want[0])) + int(np.sum(~same_bits(got[1], want[1])))
        values = ref.dequantize_float_scaled(*got, fmt, tile)
        bad += int(np.sum(~same_bits(values, numerics.dequantize_float_scaled(*want, fmt, tile))))
        if bad:
            print(f"MISMATCH float-scaled {fmt} {rule} {x.shape} {tile}: {bad}")
        mismatches += bad
        checked += x.size

# The random Hadamard transform: forward and inverse, along either axis, on
# random tensors, the edge blocks (NaN, Inf, zeros, huge, subnormal) and
# several seeds.
for seed, (x, axis), inverse in itertools.product(
        (0, 7, 2**63 + 5), ((random_tensor(rng, (6, 64)), -1), (random_tensor(rng, (48, 5)), 0),
                            (edge_tensor(), -1)), (False, True)):
    bad = int(np.sum(~same_bits(ref.random_hadamard(x, seed, axis=axis, inverse=inverse),
                                numerics.random_hadamard(x, seed, axis, inverse))))
    if bad:
        print(f"MISMATCH hadamard seed {seed} {x.shape} axis {axis} inverse {inverse}: {bad}")
    mismatches += bad
    checked += x.size

# The numpy Philox matches Random123's known answers too.
assert ref.philox4x32(([0x243f6a88], [0x85a308d3], [0x13198a2e], [0x03707344]),
                      (0xa4093822, 0x299f31d0))[0][0] == 0xd16cfe09

print(f"checked {checked} elements, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: checked {{[0-9]+}} elements, 0 mismatches

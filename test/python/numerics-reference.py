# RUN: env PYTHONPATH=%mx_src_root/python:%S/../Integration/Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# mx_mlir.reference (NumPy) against lib/Numerics (C++, itself checked against
# llvm::APFloat), bit for bit: every format x scale rule x rounding x
# saturation, 1-D blocks along either axis, 2-D blocks, partial blocks, and
# edge-case blocks (zero, NaN, Inf, subnormal, huge, ties).

import itertools
import sys

import numpy as np

from mx_integration import Numerics
from mx_mlir import reference as ref

numerics = Numerics(sys.argv[1])


def cpp_quantize(x, fmt, block, rule, rounding, saturation, seed):
    return numerics.quantize(x, fmt, block, rule, rounding, saturation == "nonfinite", seed)


def cpp_dequantize(codes, scales, fmt, block):
    return numerics.dequantize(codes, scales, fmt, block)


rng = np.random.default_rng(2026)


def random_tensor(shape):
    # Log-uniform magnitudes over a wide range, so blocks mix normal,
    # subnormal and saturating elements; a few exact ties and specials.
    x = (np.exp2(rng.uniform(-40, 40, shape)) * rng.choice([-1, 1], shape)).astype(np.float32)
    flat = x.reshape(-1)
    flat[rng.integers(0, flat.size, flat.size // 50)] = 0.0
    flat[rng.integers(0, flat.size, flat.size // 50)] = -0.0
    flat[rng.integers(0, flat.size, flat.size // 50)] = 0.75  # E2M1 tie under X = 1/2
    return x


def edge_tensor():
    rows = [
        np.zeros(32),                                    # all-zero block
        np.r_[np.nan, np.ones(31)],                      # NaN block
        np.r_[np.ones(31), -np.inf],                     # Inf block
        np.r_[np.float32(2.0 ** -130), np.full(31, 2.0 ** -140)],  # subnormal amax
        np.r_[np.float32(3.4e38), np.linspace(-1e38, 1e38, 31)],   # near f32 max
        np.r_[7.9, np.linspace(-0.3, 0.3, 31)],          # saturating largest element
        np.r_[np.float32(127 / 64) * np.float32(1.0000001), np.linspace(-1, 1, 31)],
        np.arange(32) * 0.25 - 4,                        # many ties
    ]
    return np.array(rows, dtype=np.float32)


layouts = [((37, 70), (1, 32)), ((70, 37), (32, 1)), ((40, 40), (32, 32)),
           ((3, 5, 48), (1, 1, 16)), ((8, 32), (1, 32))]
mismatches = 0
checked = 0
for fmt, rule, rounding, saturation in itertools.product(
        ref.FORMATS, ref.SCALE_RULES, ref.ROUNDINGS, ref.SATURATIONS):
    if saturation == "nonfinite" and fmt not in ("e4m3", "e5m2"):
        continue
    for shape, block in layouts:
        x = edge_tensor() if shape == (8, 32) else random_tensor(shape)
        seed = 12345
        want_codes, want_scales = cpp_quantize(x, fmt, block, rule, rounding, saturation, seed)
        codes, scales = ref.quantize(x, fmt, block=block, scale_rule=rule,
                                     rounding=rounding, saturation=saturation, seed=seed)
        bad = int(np.sum(codes != want_codes)) + int(np.sum(scales != want_scales))
        want_values = cpp_dequantize(want_codes, want_scales, fmt, block)
        values = ref.dequantize(codes, scales, fmt, block=block)
        same = (values.view(np.uint32) == want_values.view(np.uint32)) | \
               (np.isnan(values) & np.isnan(want_values))
        bad += int(np.sum(~same))
        if bad:
            print(f"MISMATCH {fmt} {rule} {rounding} {saturation} {shape} {block}: {bad}")
        mismatches += bad
        checked += x.size

# The numpy Philox matches Random123's known answers too.
assert ref.philox4x32(([0x243f6a88], [0x85a308d3], [0x13198a2e], [0x03707344]),
                      (0xa4093822, 0x299f31d0))[0][0] == 0xd16cfe09

print(f"checked {checked} elements, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: checked {{[0-9]+}} elements, 0 mismatches

#!/usr/bin/env python3
"""The random-data error table of docs/Numerics.md: each block format's
relative error on the same f32 samples, side by side with the formats of the
same width, through the NumPy reference (mx_mlir.reference, itself checked
bit for bit against lib/Numerics).

  PYTHONPATH=build/python_packages /usr/bin/python3 scripts/format-errors.py [--elements N]

Per format and distribution: the relative RMS error ||q - x|| / ||x||, and
the mean and largest |q - x| / |x| over the nonzero samples (a sample that
rounds to zero has relative error 1)."""

import argparse

import numpy as np

from mx_mlir import reference as ref

# (label, family, format, storage bits per element: elements + scales)
ROWS = [
    ("MX9", "two-level", "mx9", 9.0),
    ("MXFP8 E4M3", "ocp", "e4m3", 8.25),
    ("MXFP8 E5M2", "ocp", "e5m2", 8.25),
    ("MXINT8", "ocp", "int8", 8.25),
    ("MX6", "two-level", "mx6", 6.0),
    ("MXFP6 E2M3", "ocp", "e2m3", 6.25),
    ("MXFP6 E3M2", "ocp", "e3m2", 6.25),
    ("MX4", "two-level", "mx4", 4.0),
    ("MXFP4 E2M1", "ocp", "e2m1", 4.25),
    ("NVFP4", "nvfp4", "e2m1", 4.5),
]


def round_trip(x, family, fmt):
    if family == "nvfp4":
        return ref.dequantize_nvfp4(*ref.quantize_nvfp4(x))
    if family == "two-level":
        return ref.dequantize_shared_microexponent(
            *ref.quantize_shared_microexponent(x, fmt), fmt)
    codes, scales = ref.quantize(x, fmt, block=32)
    return ref.dequantize(codes, scales, fmt, block=32)


def errors(x, y):
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    rms = np.linalg.norm(y64 - x64) / np.linalg.norm(x64)
    nonzero = x64 != 0
    relative = np.abs(y64 - x64)[nonzero] / np.abs(x64)[nonzero]
    return rms, relative.mean(), relative.max()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=1 << 20)
    parser.add_argument("--seed", type=int, default=2302)
    options = parser.parse_args()
    rng = np.random.default_rng(options.seed)
    rows = options.elements // 256
    samples = {
        "normal": rng.standard_normal((rows, 256)).astype(np.float32),
        "student-t(3)": rng.standard_t(3, (rows, 256)).astype(np.float32),
    }
    print(f"{options.elements} samples per distribution, blocks along the last axis "
          "(32 for OCP MX with floor scales, 16 for the two-level formats and NVFP4), rne")
    print()
    print("| format | bits/element | " + " | ".join(
        f"{name}: rel. RMS | mean rel. | max rel." for name in samples) + " |")
    print("|---|---:|" + "---:|---:|---:|" * len(samples))
    for label, family, fmt, bits in ROWS:
        cells = []
        for x in samples.values():
            rms, mean, largest = errors(x, round_trip(x, family, fmt))
            cells += [f"{rms:.2e}", f"{mean:.2e}", f"{largest:.2f}"]
        print(f"| {label} | {bits:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

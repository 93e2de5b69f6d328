# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# mx.hadamard compiled by mx-cpu-pipeline (the vector kernel along the last
# axis, the linalg lowering along any other) and by the plain linalg
# pipeline, against lib/Numerics/Hadamard through its C interface: bit for
# bit (forward and inverse, several seeds, every axis of a 3-D tensor, edge
# values: zeros, NaN, Inf, subnormals, values whose sums overflow), the
# compile-time fold of a constant, and the round trip and product identity
# (x M^T)(M w) = x w within f32 rounding.

import sys

import numpy as np

import mx_mlir
from mx_integration import Numerics
from mx_test_data import random_tensor, same_bits

numerics = Numerics(sys.argv[1])
rng = np.random.default_rng(5)


def edge_rows():
    rows = [
        np.zeros(16), np.r_[np.nan, np.ones(15)], np.r_[np.ones(15), -np.inf],
        np.r_[np.inf, -np.inf, np.ones(14)],                 # Inf - Inf: NaN
        np.full(16, 2.0 ** -149), np.full(16, 3.0e38),       # subnormal, overflowing sums
        np.r_[-0.0, 0.0, np.full(14, -0.0)],                 # signed zeros
        np.linspace(-1.0, 1.0, 16) * 2.0 ** -126,            # results below 2^-126
    ]
    return np.array(rows, dtype=np.float32)


def compiled(x, axis, seed, inverse, pipeline):
    tensor = f"tensor<{'x'.join(map(str, x.shape))}xf32>"
    flag = " inverse" if inverse else ""
    text = f"""func.func @h(%x: {tensor}) -> {tensor} {{
  %y = mx.hadamard %x axis({axis}) seed({seed}){flag} : {tensor}
  return %y : {tensor}
}}"""
    return mx_mlir.Module.parse(text).compile(pipeline).invoke("h", x)


mismatches = cases = 0
for seed in (0, 7, 2**40 + 3):
    for inverse in (False, True):
        for x, axis in ((edge_rows(), 1), (random_tensor(rng, (6, 48, 32)), 2),
                        (random_tensor(rng, (6, 48, 32)), 1), (random_tensor(rng, (32, 3, 5)), 0)):
            expected = numerics.random_hadamard(x, seed, axis, inverse)
            # The API (mx-cpu-pipeline: the vector kernel along the last
            # axis), and the linalg lowering alone.
            for got in (mx_mlir.hadamard(x, axis=axis, seed=seed, inverse=inverse),
                        compiled(x, axis, seed, inverse, "mx-cpu-pipeline{kernels=false}")):
                mismatches += int(np.sum(~same_bits(got, expected)))
                cases += 1
print(f"hadamard: {cases} cases, {mismatches} mismatches")
# CHECK: hadamard: 48 cases, 0 mismatches

# A constant folds at compile time to the library's result.
c = random_tensor(rng, (2, 32))
dense = ", ".join("[" + ", ".join(f"{v.view(np.uint32):#010x}" for v in row) + "]" for row in c)
text = f"""func.func @folded() -> tensor<2x32xf32> {{
  %c = arith.constant dense<[{dense}]> : tensor<2x32xf32>
  %y = mx.hadamard %c axis(1) seed(11) : tensor<2x32xf32>
  return %y : tensor<2x32xf32>
}}"""
module = mx_mlir.Module.parse(text)
module.run_pipeline("canonicalize")
folded = module.compile().invoke("folded")
print(f"constant: folded {'mx.hadamard' not in str(module)}, "
      f"{int(np.sum(~same_bits(folded, numerics.random_hadamard(c, 11, 1))))} mismatches")
# CHECK: constant: folded True, 0 mismatches

# The transform is orthogonal: the round trip and the product identity hold
# within a few f32 roundings.
x = rng.standard_normal((8, 64)).astype(np.float32)
w = rng.standard_normal((64, 24)).astype(np.float32)
back = mx_mlir.hadamard(mx_mlir.hadamard(x, seed=3), seed=3, inverse=True)
xm = mx_mlir.hadamard(x, axis=1, seed=3)
mw = mx_mlir.hadamard(w, axis=0, seed=3)
product = xm.astype(np.float64) @ mw.astype(np.float64)
exact = x.astype(np.float64) @ w.astype(np.float64)
print(f"round trip {np.max(np.abs(back - x)) <= 8 * 2.0 ** -24 * np.max(np.abs(x))}, "
      f"product {np.all(np.abs(product - exact) <= 1e-5 * (np.abs(x) @ np.abs(w)))}")
# CHECK: round trip True, product True

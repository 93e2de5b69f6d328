# REQUIRES: mlir-runner
# RUN: env PYTHONPATH=%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs | FileCheck %s
#
# Stochastic rounding in compiled code (--mx-cpu-pipeline, vectorized):
# the same seed gives identical output, another seed a different one; every
# output is one of the value's two neighbours; the mean of the dequantized
# values over N elements is the value itself within 6 standard deviations
# (each draw has standard deviation <= gap / 2, so the bound is 3 gap / sqrt(N)).
# 1.3 in E2M1 under scale 1 (each block's amax is 6) lies between 1.0 and 1.5.

import sys

import numpy as np

from mx_mlir.runner import lower_and_run, print_call, printed_memrefs

mx_opt, runner, runtime_libs = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
N = 32768
x = np.full(N, 1.3, dtype=np.float32)
x[::32] = 6.0  # fixes every block's scale at 2^0

kernels, body = [], []
for name, seed in (("a", 7), ("b", 7), ("c", 8)):
    kernels.append(f"""
func.func @q_{name}(%x: tensor<{N}xf32>) -> tensor<{N}xi32> {{
  %q = mx.quantize %x rounding<stochastic> seed({seed}) : tensor<{N}xf32> -> !mx.tensor<{N}xf4E2M1FN, block = [32]>
  %d = mx.dequantize %q : !mx.tensor<{N}xf4E2M1FN, block = [32]> -> tensor<{N}xf32>
  %b = arith.bitcast %d : tensor<{N}xf32> to tensor<{N}xi32>
  return %b : tensor<{N}xi32>
}}""")
    body.append(f"\n  %r_{name} = call @q_{name}(%x) : (tensor<{N}xf32>) -> tensor<{N}xi32>")
    body.append(print_call(name, f"%r_{name}", f"{N}"))
module = "func.func private @printMemrefI32(memref<*xi32>)\n" + "".join(kernels) + \
    f"\nfunc.func @main() {{\n  %x = arith.constant dense<[{', '.join(repr(float(v)) for v in x)}]> : tensor<{N}xf32>" + \
    "".join(body) + "\n  return\n}\n"
a, b, c = (r.astype(np.uint32).view(np.float32) for r in printed_memrefs(lower_and_run(mx_opt, runner, runtime_libs, module)))

mask = np.ones(N, dtype=bool)
mask[::32] = False
values = a[mask].astype(np.float64)
print("same seed identical:", bool(np.array_equal(a.view(np.uint32), b.view(np.uint32))))
print("other seed differs:", bool(not np.array_equal(a.view(np.uint32), c.view(np.uint32))))
print("only neighbours:", bool(np.all((values == 1.0) | (values == 1.5))))
bound = 6 * 0.25 / np.sqrt(values.size)
print(f"mean {values.mean():.5f} vs 1.3, |error| {abs(values.mean() - 1.3):.5f} <= {bound:.5f}:",
      bool(abs(values.mean() - 1.3) <= bound))
# CHECK: same seed identical: True
# CHECK: other seed differs: True
# CHECK: only neighbours: True
# CHECK: mean {{.*}}: True

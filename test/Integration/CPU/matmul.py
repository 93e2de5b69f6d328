# REQUIRES: mlir-runner
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so vector | FileCheck %s
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so scalar | FileCheck %s
#
# mx.matmul lowered by --mx-cpu-pipeline and run, against a float64 matmul
# of lib/Numerics' dequantized operands (= numerics::matmul), within the f32
# accumulation bound |C - C64| <= gamma_n * sum_k |a_k b_k| with n = the
# number of f32 additions on any path (K-block length + number of K-blocks).
# Mixed formats, 1-D and 2-D blocks, a partial last K-block, NaN blocks.

import sys

import numpy as np

from mx_integration import Numerics, lower_and_run, matmul_case, printed_memrefs

mx_opt, runner, runtime_libs, numerics_lib = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
VECTORIZE = len(sys.argv) < 6 or sys.argv[5] != "scalar"
numerics = Numerics(numerics_lib)
rng = np.random.default_rng(3)
f32 = np.float32

cases = [  # lhs format, rhs format, M, K, N, rhs block
    ("e4m3", "e4m3", 8, 128, 16, (32, 1)),
    ("e2m1", "e4m3", 5, 80, 7, (32, 1)),     # partial last K-block
    ("int8", "int8", 4, 96, 64, (32, 32)),   # 2-D rhs blocks
    ("e5m2", "e3m2", 3, 64, 5, (32, 1)),
    ("e2m3", "e2m1", 6, 40, 33, (32, 32)),   # partial in K and in N's block
]

kernels, body, expected = [], [], []
for index, (fa, fb, M, K, N, rhs_block) in enumerate(cases):
    a = (rng.standard_normal((M, K)) * np.exp2(rng.integers(-8, 8, (M, 1)))).astype(f32)
    b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (1, N)))).astype(f32)
    if index == 3:
        a[1, 40] = np.nan  # one NaN block: row 1 of C is NaN
    kernel, lines, reference, bound = matmul_case(index, a, b, fa, fb, rhs_block, numerics)
    kernels.append(kernel)
    body.append(lines)
    expected.append((fa, fb, reference, bound))

module = "func.func private @printMemrefI32(memref<*xi32>)\n" + "".join(kernels) + \
    "\nfunc.func @main() {" + "".join(body) + "\n  return\n}\n"
printed = printed_memrefs(lower_and_run(mx_opt, runner, runtime_libs, module, VECTORIZE))
outside = compared = 0
for (fa, fb, reference, bound), bits in zip(expected, printed):
    got = bits.astype(np.uint32).view(np.float32).reshape(reference.shape).astype(np.float64)
    nan_ok = np.isnan(reference) == np.isnan(got)
    finite = ~np.isnan(reference)
    within = np.abs(got[finite] - reference[finite]) <= bound[finite]
    bad = int(np.sum(~nan_ok)) + int(np.sum(~within))
    worst = np.max(np.abs(got[finite] - reference[finite]) / np.maximum(bound[finite], 1e-300))
    print(f"{fa} x {fb}: {reference.size} outputs, {int(np.sum(np.isnan(reference)))} NaN, "
          f"worst error {worst:.3f} of the bound, {bad} outside")
    outside += bad
    compared += reference.size
print(f"matmul: {compared} outputs compared, {outside} outside the bound")
# CHECK: int8 x int8: 256 outputs, 0 NaN, worst error 0.000 of the bound, 0 outside
# CHECK: e5m2 x e3m2: 15 outputs, 5 NaN
# CHECK: matmul: {{[0-9]+}} outputs compared, 0 outside the bound

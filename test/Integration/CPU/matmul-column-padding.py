# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s | FileCheck %s
#
# mx.matmul with N not a multiple of 16 (a classifier's 10 outputs, one
# column, 40): convert-mx-to-vector pads the rhs with zero columns to whole
# 16-column panels (constant weights at compile time, others per call) and
# slices the product back, so the packed kernel runs it. Against the linalg
# lowering (kernels=false) bit for bit where block dots are exact (FP4,
# FP6, INT8 pairs: the kernel sums the blocks in the same order), and
# within the f32 bound of the exact product for every pair; NaN rows where
# a block is NaN. Weights as arguments and as constants.

import numpy as np

import mx_mlir
from mx_test_data import f32_sum_bound

rng = np.random.default_rng(41)
EXACT = {"e2m1", "e2m3", "int8"}
KERNELS, LINALG = "mx-cpu-pipeline", "mx-cpu-pipeline{kernels=false}"
TYPES = {"e4m3": "f8E4M3FN", "e2m1": "f4E2M1FN", "e2m3": "f6E2M3FN", "int8": "i8", "e5m2": "f8E5M2"}


def mx_type(shape, fmt, block):
    dims = "x".join(map(str, shape))
    return f"!mx.tensor<{dims}x{TYPES[fmt]}, block = [{block[0]}, {block[1]}]>"


def dense(x):
    return 'dense<"0x' + np.ascontiguousarray(x).tobytes().hex().upper() + '">'


def product(fa, fb, a, b, constant, pipeline):
    """C = A x B compiled by `pipeline`: A quantized to `fa` in the program
    (f32 activations where fa is "f32"), B to `fb` (an argument, or a
    constant weight quantized at compile time)."""
    (M, K), N = a.shape, b.shape[1]
    tb = mx_type((K, N), fb, (32, 1))
    lhs = "%a" if fa == "f32" else "%qa"
    ta = f"tensor<{M}x{K}xf32>" if fa == "f32" else mx_type((M, K), fa, (1, 32))
    quantize_a = "" if fa == "f32" else \
        f"%qa = mx.quantize %a : tensor<{M}x{K}xf32> -> {ta}\n  "
    weights = f"%b = arith.constant {dense(b)} : tensor<{K}x{N}xf32>\n  " if constant else ""
    arguments = f"%a: tensor<{M}x{K}xf32>" + ("" if constant else f", %b: tensor<{K}x{N}xf32>")
    text = f"""func.func @f({arguments}) -> tensor<{M}x{N}xf32> {{
  {weights}{quantize_a}%qb = mx.quantize %b : tensor<{K}x{N}xf32> -> {tb}
  %c = mx.matmul {lhs}, %qb : {ta}, {tb} -> tensor<{M}x{N}xf32>
  return %c : tensor<{M}x{N}xf32>
}}"""
    module = mx_mlir.Module.parse(text).compile(pipeline)
    return module.invoke("f", a) if constant else module.invoke("f", a, b)


def exact_product(fa, fb, a, b):
    da = a.astype(np.float64) if fa == "f32" else \
        mx_mlir.dequantize(mx_mlir.quantize(a, fa, axis=1)).astype(np.float64)
    db = mx_mlir.dequantize(mx_mlir.quantize(b, fb, axis=0)).astype(np.float64)
    return da @ db, np.abs(da) @ np.abs(db)


outside = differ = compared = 0
for fa, fb, M, K, N in (("e4m3", "e4m3", 90, 128, 10), ("e2m1", "e2m1", 7, 64, 10),
                        ("int8", "int8", 13, 96, 40), ("e2m3", "e2m1", 5, 32, 1),
                        ("f32", "e2m1", 9, 64, 10), ("e5m2", "e4m3", 1, 64, 24)):
    a = (rng.standard_normal((M, K)) * np.exp2(rng.integers(-8, 8, (M, 1)))).astype(np.float32)
    b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (1, N)))).astype(np.float32)
    a[M // 2, 3] = np.nan  # a NaN block: row M // 2 is NaN
    exact, magnitude = exact_product(fa, fb, a, b)
    nan_rows = np.isnan(exact)
    additions = K if fa in EXACT | {"f32"} and fb in EXACT else K + 1
    for constant in (False, True):
        kernel = product(fa, fb, a, b, constant, KERNELS)
        reference = product(fa, fb, a, b, constant, LINALG)
        for c in (kernel, reference):
            outside += int(np.sum((np.abs(c - exact) > f32_sum_bound(additions, magnitude)) &
                                  ~nan_rows))
            outside += int(not np.array_equal(np.isnan(c), nan_rows))
        if fa in EXACT and fb in EXACT:
            differ += int(np.sum(kernel.view(np.uint32) != reference.view(np.uint32)))
        compared += kernel.size
print(f"padded columns: {compared} outputs, {outside} outside the bound, "
      f"{differ} exact-pair outputs differ from the linalg lowering")
# CHECK: padded columns: 3218 outputs, 0 outside the bound, 0 exact-pair outputs differ from the linalg lowering

# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s | FileCheck %s
#
# A QDQ product (dequantize both MX operands, f32 linalg.matmul, bias as
# init) with and without mx-fuse-quantization: the fused program computes
# mx.matmul exactly (bit for bit the array API's compiled mx.matmul plus the
# bias), and both agree with the exact product of the MX values within the
# f32 accumulation bound.

import numpy as np

import mx_mlir
from mx_mlir import reference as ref
from mx_test_data import f32_sum_bound

rng = np.random.default_rng(8)
M, K, N = 12, 160, 40
program = f"""
func.func @qdq(%qa: !mx.tensor<{M}x{K}x{{fa}}, block = [1, 32]>, %qb: !mx.tensor<{K}x{N}x{{fb}}, block = [32, 1]>,
               %bias: tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32> {{
  %a = mx.dequantize %qa : !mx.tensor<{M}x{K}x{{fa}}, block = [1, 32]> -> tensor<{M}x{K}xf32>
  %b = mx.dequantize %qb : !mx.tensor<{K}x{N}x{{fb}}, block = [32, 1]> -> tensor<{K}x{N}xf32>
  %c = linalg.matmul ins(%a, %b : tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%bias : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %c : tensor<{M}x{N}xf32>
}}"""
types = mx_mlir.arrays.ELEMENT_TYPES
for fa, fb in (("e4m3", "e4m3"), ("e4m3", "e2m1"), ("e5m2", "e3m2"), ("int8", "int8")):
    a = (rng.standard_normal((M, K)) * np.exp2(rng.integers(-6, 6, (M, 1)))).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    bias = rng.standard_normal((M, N)).astype(np.float32)
    qa, qb = mx_mlir.quantize(a, fa, axis=1), mx_mlir.quantize(b, fb, axis=0)
    text = program.replace("{fa}", types[fa]).replace("{fb}", types[fb])
    fused_module = mx_mlir.Module.parse(text)
    fused_module.run_pipeline("mx-fuse-quantization")
    assert "linalg.matmul" not in str(fused_module) and "mx.matmul" in str(fused_module)
    fused = fused_module.compile().invoke("qdq", qa, qb, bias)
    unfused = mx_mlir.Module.parse(text).compile("mx-cpu-pipeline{fuse=false}").invoke(
        "qdq", qa, qb, bias)
    exact_mx = (bias + mx_mlir.matmul(qa, qb)).astype(np.float32)
    da = ref.dequantize(qa.element_codes(), qa.scales, fa, block=32, axis=1).astype(np.float64)
    db = ref.dequantize(qb.element_codes(), qb.scales, fb, block=32, axis=0).astype(np.float64)
    exact, magnitude = bias + da @ db, np.abs(bias) + np.abs(da) @ np.abs(db)
    bound = lambda c: int(np.sum(np.abs(c - exact) > f32_sum_bound(K + 1, magnitude)))  # noqa: E731
    print(f"{fa} x {fb}: fused vs mx.matmul: {int(np.sum(fused.view(np.uint32) != exact_mx.view(np.uint32)))} "
          f"mismatches; outside the bound: fused {bound(fused)}, unfused {bound(unfused)}")
# CHECK: e4m3 x e4m3: fused vs mx.matmul: 0 mismatches; outside the bound: fused 0, unfused 0
# CHECK: e4m3 x e2m1: fused vs mx.matmul: 0 mismatches; outside the bound: fused 0, unfused 0
# CHECK: e5m2 x e3m2: fused vs mx.matmul: 0 mismatches; outside the bound: fused 0, unfused 0
# CHECK: int8 x int8: fused vs mx.matmul: 0 mismatches; outside the bound: fused 0, unfused 0

# RUN: env PYTHONPATH=%mx_python_packages %python %s | FileCheck %s
#
# mx-fuse-quantization on quantize(relu(x + bias)) (every format, a partial
# last block, every scale rule, saturation): the fused row loop gives the
# same element codes and scales as the unfused program, bit for bit. FP4
# (E2M1) is left unfused.

import itertools

import numpy as np

import mx_mlir
from mx_mlir.arrays import ELEMENT_TYPES

rng = np.random.default_rng(4)
M, N = 6, 80
x = (rng.standard_normal((M, N)) * np.exp2(rng.integers(-20, 20, (M, 1)))).astype(np.float32)
x[2, 7] = np.nan
bias = rng.standard_normal(N).astype(np.float32)
mismatches = cases = 0
for fmt, rule in itertools.product(mx_mlir.FORMATS, ("floor", "ceil", "even", "rceil")):
    q_type = f"!mx.tensor<{M}x{N}x{ELEMENT_TYPES[fmt]}, block = [1, 32]>"
    text = f"""
func.func @layer(%m: tensor<{M}x{N}xf32>, %bias: tensor<{N}xf32>) -> {q_type} {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %bb = linalg.broadcast ins(%bias : tensor<{N}xf32>) outs(%e : tensor<{M}x{N}xf32>) dimensions = [0]
  %y = arith.addf %m, %bb : tensor<{M}x{N}xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %r = arith.maximumf %y, %z : tensor<{M}x{N}xf32>
  %q = mx.quantize %r scale_rule<{rule}> : tensor<{M}x{N}xf32> -> {q_type}
  return %q : {q_type}
}}"""
    fused_module = mx_mlir.Module.parse(text)
    fused_module.run_pipeline("mx-fuse-quantization")
    if fmt == "e2m1":  # left unfused (sub-byte elements)
        assert "scf.for" not in str(fused_module), "FP4 fused"
        continue
    assert "scf.for" in str(fused_module), "not fused"
    fused = fused_module.compile().invoke("layer", x, bias)
    unfused = mx_mlir.Module.parse(text).compile("mx-cpu-pipeline{fuse=false}").invoke(
        "layer", x, bias)
    bad = int(np.sum(fused.elements != unfused.elements)) + int(np.sum(fused.scales != unfused.scales))
    if bad:
        print(f"MISMATCH {fmt} {rule}: {bad}")
    mismatches += bad
    cases += 1
print(f"{cases} fused quantizes, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: 20 fused quantizes, 0 mismatches

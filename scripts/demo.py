#!/usr/bin/env python3
"""The main job's second half: a two-layer MLP written once in f32 and once
with each MX format, compiled by `mx-opt --mx-cpu-pipeline`, run on the CPU
with mlir-runner, and compared with the f32 result."""

import os
import sys
import time

import numpy as np

BUILD = os.environ.get("MX_BUILD_DIR", "build")
sys.path.insert(0, os.path.join(BUILD, "python_packages"))
from mx_mlir.runner import dense_hex, lower, print_call, printed_memrefs, run  # noqa: E402

MX_OPT = os.path.join(BUILD, "bin", "mx-opt")
LLVM = "/usr/lib/llvm-22"
RUNNER = os.path.join(LLVM, "bin", "mlir-runner")
LIBS = [os.path.join(LLVM, "lib", n) for n in ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so")]

# name, element type, storage bits per element in the compiled program (FP4
# is packed two per byte; FP6 is stored one per byte).
FORMATS = [("MXFP8 E4M3", "f8E4M3FN", 8), ("MXFP8 E5M2", "f8E5M2", 8), ("MXFP6 E3M2", "f6E3M2FN", 8),
           ("MXFP6 E2M3", "f6E2M3FN", 8), ("MXFP4 E2M1", "f4E2M1FN", 4), ("MXINT8", "i8", 8)]
B, D, H, C = 16, 256, 128, 10

rng = np.random.default_rng(0)
x = rng.standard_normal((B, D)).astype(np.float32)
w1 = (rng.standard_normal((D, H)) / np.sqrt(D)).astype(np.float32)
w2 = (rng.standard_normal((H, C)) / np.sqrt(H)).astype(np.float32)


def program(element):
    """The MLP; with `element` its activations and weights are MX, else f32."""
    def mm(name, a, b, m, k, n):
        if element is None:
            return f"""
  %{name}_init = tensor.empty() : tensor<{m}x{n}xf32>
  %{name}_zero = linalg.fill ins(%zero : f32) outs(%{name}_init : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %{name} = linalg.matmul ins({a}, {b} : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%{name}_zero : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>"""
        ta = f"!mx.tensor<{m}x{k}x{element}, block = [1, 32]>"
        tb = f"!mx.tensor<{k}x{n}x{element}, block = [32, 1]>"
        return f"""
  %{name}_a = mx.quantize {a} : tensor<{m}x{k}xf32> -> {ta}
  %{name}_b = mx.quantize {b} : tensor<{k}x{n}xf32> -> {tb}
  %{name} = mx.matmul %{name}_a, %{name}_b : {ta}, {tb} -> tensor<{m}x{n}xf32>"""
    return f"""func.func private @printMemrefF32(memref<*xf32>)
func.func @mlp(%x: tensor<{B}x{D}xf32>, %w1: tensor<{D}x{H}xf32>, %w2: tensor<{H}x{C}xf32>) -> tensor<{B}x{C}xf32> {{
  %zero = arith.constant 0.0 : f32
  %zeros = arith.constant dense<0.0> : tensor<{B}x{H}xf32>{mm("h", "%x", "%w1", B, D, H)}
  %relu = arith.maximumf %h, %zeros : tensor<{B}x{H}xf32>{mm("y", "%relu", "%w2", B, H, C)}
  return %y : tensor<{B}x{C}xf32>
}}
func.func @main() {{
  %x = arith.constant {dense_hex(x)} : tensor<{B}x{D}xf32>
  %w1 = arith.constant {dense_hex(w1)} : tensor<{D}x{H}xf32>
  %w2 = arith.constant {dense_hex(w2)} : tensor<{H}x{C}xf32>
  %y = call @mlp(%x, %w1, %w2) : (tensor<{B}x{D}xf32>, tensor<{D}x{H}xf32>, tensor<{H}x{C}xf32>) -> tensor<{B}x{C}xf32>{print_call("y", "%y", f"{B}x{C}", "f32")}
  return
}}
"""


def compile_and_run(element):
    start = time.perf_counter()
    lowered = lower(MX_OPT, program(element))
    compiled = time.perf_counter()
    output = run(RUNNER, LIBS, lowered)
    done = time.perf_counter()
    return printed_memrefs(output, np.float64)[0].reshape(B, C), compiled - start, done - compiled


print(f"MLP {D} -> {H} -> relu -> {C} on a batch of {B}; blocks of 32 along K; "
      "compiled with mx-opt --mx-cpu-pipeline, run with mlir-runner", flush=True)
reference, t_compile, t_run = compile_and_run(None)
print(f"f32 reference: compile {t_compile:.1f} s, run {t_run:.1f} s; |y| max {np.abs(reference).max():.3f}\n",
      flush=True)
print("weight bytes: as the compiled program stores them (FP4 two per byte, FP6 one per byte) plus scales")
header = f"{'format':<12} {'weight bytes':>12} {'vs f32':>7} {'max |err|':>10} {'rel. RMS err':>12} {'same argmax':>11} {'compile+run':>11}"
print(header)
print("-" * len(header))
weights = D * H + H * C
print(f"{'f32':<12} {4 * weights:>12} {'1.00x':>7} {0.0:>10.4f} {0.0:>12.4%} {f'{B}/{B}':>11} {'':>11}", flush=True)
for name, element, bits in FORMATS:
    y, t_compile, t_run = compile_and_run(element)
    err = y - reference
    rel = np.sqrt(np.mean(err ** 2) / np.mean(reference ** 2))
    agree = int(np.sum(np.argmax(y, axis=1) == np.argmax(reference, axis=1)))
    mx_bytes = weights * bits // 8 + weights // 32  # stored elements + one E8M0 scale per 32
    print(f"{name:<12} {mx_bytes:>12} {4 * weights / mx_bytes:>6.2f}x {np.abs(err).max():>10.4f} "
          f"{rel:>12.4%} {f'{agree}/{B}':>11} {t_compile + t_run:>10.1f}s", flush=True)

# REQUIRES: mlir-runner
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs host | FileCheck %s
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs fma | FileCheck %s
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs amx-emulated | FileCheck %s
#
# --mx-cpu-pipeline=prepack-weights=true: a product whose weights are
# constants (an mx.quantize of a constant, folded into an mx.pack of
# constants) reads B from constant globals packed at compile time
# (ConstantRhsPacking.cpp) instead of packing it on every call. The same
# product with the weights as an argument packs them per call. Both run in
# one program, and every output must have the same bits (NaN where NaN):
# the globals hold what the run-time packers store, for each form the
# kernel takes (`host`: integer dots on vpdpbusd where the CPU has
# AVX512-VNNI, bf16 pairs, folded FP8 scales; `fma`: f32 values;
# `amx-emulated`: the AMX tiling's operands), and the fallbacks: B whose own
# scales rule out folding (a nonzero value under the least scale; a NaN
# scale), A whose scales rule it out at run time (B then packed per call
# from its MX constants).

import sys

import numpy as np

from mx_integration import ELEMENT_TYPES
from mx_mlir.runner import dense_hex, lower, printed_memrefs, run

mx_opt, runner, runtime_libs, mode = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
rng = np.random.default_rng(29)
f32 = np.float32

cases = [  # lhs format, rhs format, M, K, N, what the case is for
    ("e2m1", "e2m1", 13, 64, 32, "integer dots, zero blocks"),
    ("int8", "int8", 7, 96, 64, "integer dots, INT8 codes as they are"),
    ("e2m3", "e2m1", 6, 64, 16, "integer dots, 12 x 16 tiles"),
    ("e2m3", "e2m3", 6, 64, 16, "a NaN scale in B"),
    ("e4m3", "e4m3", 8, 64, 32, "folded FP8 scales"),
    ("e4m3", "e2m1", 6, 96, 32, "folded, FP4 weights"),
    ("e4m3", "e4m3", 4, 64, 32, "A's scales rule out folding at run time"),
    ("e5m2", "e4m3", 7, 64, 16, "B's scales rule out folding"),
    ("e3m2", "int8", 9, 96, 64, "bf16 pairs at unit scale"),
    ("f32", "e2m1", 5, 64, 32, "f32 activations"),
]
if mode == "amx-emulated":  # the AMX kernel's products: MX activations
    cases = [case for case in cases if case[0] != "f32"]


def mx_type(fmt, shape, block):
    return f"!mx.tensor<{shape[0]}x{shape[1]}x{ELEMENT_TYPES[fmt]}, block = [{block[0]}, {block[1]}]>"


kernels, body = [], []
for i, (fa, fb, M, K, N, _) in enumerate(cases):
    a = (rng.standard_normal((M, K)) * np.exp2(rng.integers(-20, 20, (M, K // 32)).repeat(32, 1))).astype(f32)
    b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-20, 20, (K // 32, N)).repeat(32, 0))).astype(f32)
    if fa == "e2m1":
        a[3, 32:] = 0
        b[:32, 7] = 0
    if fb == "e2m3":
        b[40, 5] = np.nan
    if (fa, M) == ("e4m3", 4):
        a[1, :] = rng.standard_normal(K) * 2.0 ** -130  # the least scale, nonzero values
    if fb == "e4m3" and fa == "e5m2":
        b[:32, 3] = rng.standard_normal(32) * 2.0 ** -136
    ta = f"tensor<{M}x{K}xf32>" if fa == "f32" else mx_type(fa, (M, K), (1, 32))
    tb = mx_type(fb, (K, N), (32, 1))
    qa = "%a" if fa == "f32" else "%qa"
    quantize_a = "" if fa == "f32" else f"\n  %qa = mx.quantize %a : tensor<{M}x{K}xf32> -> {ta}"
    product = f"""
  %qb = mx.quantize %b : tensor<{K}x{N}xf32> -> {tb}
  %c = mx.matmul {qa}, %qb : {ta}, {tb} -> tensor<{M}x{N}xf32>
  %bits = arith.bitcast %c : tensor<{M}x{N}xf32> to tensor<{M}x{N}xi32>
  return %bits : tensor<{M}x{N}xi32>
}}"""
    kernels.append(f"""
func.func @argument{i}(%a: tensor<{M}x{K}xf32>, %b: tensor<{K}x{N}xf32>) -> tensor<{M}x{N}xi32> {{{quantize_a}{product}
func.func @constant{i}(%a: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xi32> {{{quantize_a}
  %b = arith.constant {dense_hex(b)} : tensor<{K}x{N}xf32>{product}""")
    for name, args, types in (("argument", f"%a{i}, %b{i}", f"tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>"),
                              ("constant", f"%a{i}", f"tensor<{M}x{K}xf32>")):
        body.append(f"""
  %{name}c{i} = call @{name}{i}({args}) : ({types}) -> tensor<{M}x{N}xi32>
  %{name}m{i} = bufferization.to_buffer %{name}c{i} : tensor<{M}x{N}xi32> to memref<{M}x{N}xi32>
  %{name}u{i} = memref.cast %{name}m{i} : memref<{M}x{N}xi32> to memref<*xi32>
  call @printMemrefI32(%{name}u{i}) : (memref<*xi32>) -> ()""")
    body.insert(len(body) - 2, f"""
  %a{i} = arith.constant {dense_hex(a)} : tensor<{M}x{K}xf32>
  %b{i} = arith.constant {dense_hex(b)} : tensor<{K}x{N}xf32>""")

module = "func.func private @printMemrefI32(memref<*xi32>)\n" + "".join(kernels) + \
    "\nfunc.func @main() {" + "".join(body) + "\n  return\n}\n"
AMX = "+amx-tile,+amx-bf16,+amx-int8"
features = {"fma": "", "amx-emulated": "+avx512bf16,+avx512vnni," + AMX}.get(mode, "host")
options = f"cpu-features={features} prepack-weights=true" + (" emulate-amx=true" if mode == "amx-emulated" else "")
lowered = lower(mx_opt, module, True, options)
globals_ = sum(1 for line in lowered.splitlines() if b"llvm.mlir.global private constant @__mx_rhs_" in line)
print(f"prepacked ({mode}): {globals_} packed globals")
runner_args = ["-mattr=-avx512f"] if mode == "fma" else []
if mode != "host":
    runner_args.append("--O1")
results = printed_memrefs(run(runner, runtime_libs, lowered, runner_args=runner_args))
differing = 0
for i, (fa, fb, M, K, N, what) in enumerate(cases):
    per_call, packed = results[2 * i], results[2 * i + 1]
    x, y = per_call.astype(np.uint32), packed.astype(np.uint32)
    nan_x, nan_y = np.isnan(x.view(f32)), np.isnan(y.view(f32))
    differ = int(np.sum((x != y) & ~(nan_x & nan_y)))
    differing += differ
    print(f"{fa} x {fb} ({what}): {x.size} outputs, {int(nan_x.sum())} NaN, {differ} differ")
print(f"prepacked ({mode}): {len(cases)} products, {differing} outputs differ from per-call packing")
# CHECK: prepacked ({{.*}}): {{[1-9][0-9]*}} packed globals
# CHECK: e2m3 x e2m3 (a NaN scale in B): 96 outputs, {{[1-9][0-9]*}} NaN, 0 differ
# CHECK: e4m3 x e4m3 (folded FP8 scales): 256 outputs, 0 NaN, 0 differ
# CHECK: prepacked ({{.*}}): {{[0-9]+}} products, 0 outputs differ from per-call packing

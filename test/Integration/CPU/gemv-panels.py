# REQUIRES: mlir-runner
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs host | FileCheck %s
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs fma | FileCheck %s
#
# Weights in the `panels` layout (!mx.tensor's `layout = panels`: each panel
# of 256 columns stored whole) for the GEMV, run, against the same products
# on row-major weights. Per case, one program computes x B three ways:
#  - B an argument, quantized row-major (the GEMV as before);
#  - B an argument quantized into the panels layout (the row-major quantize,
#    then mx.convert_layout's transposes at run time), which the GEMV reads
#    panel after panel;
#  - B a constant under prepack-weights=true: quantized, then reordered into
#    panels at compile time (the canonicalization of mx.convert_layout).
# The kernel sums the same blocks in the same order whatever the layout, so
# every output must have the same bits (NaN where NaN). matmul-kernels.py
# checks the row-major GEMV against the reference. Two-row products take
# panels weights too (converted back for the packed GEMM). `host` lets the
# pass pick the decode (bf16 pairs, vpdpbusd quads); `fma` decodes to f32
# without AVX-512.

import re
import subprocess
import sys

import numpy as np

from mx_integration import ELEMENT_TYPES
from mx_mlir.runner import dense_hex, lower, printed_memrefs, run

mx_opt, runner, runtime_libs, mode = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
rng = np.random.default_rng(31)
f32 = np.float32

cases = [  # x format, weight format, M, K, N
    ("e4m3", "e2m1", 1, 96, 256),
    ("e2m3", "e2m1", 1, 64, 512),    # two panels
    ("e2m3", "e2m1", 1, 64, 1024),   # four panels per parallel iteration
    ("e4m3", "e4m3", 1, 64, 512),
    ("e2m3", "e5m2", 1, 64, 256),
    ("e2m1", "e2m3", 1, 32, 768),    # three panels: one per iteration
    ("int8", "int8", 1, 96, 512),    # vpdpbusd quads on VNNI hosts
    ("f32", "e2m1", 1, 64, 512),     # weight-only
    ("e4m3", "e2m1", 2, 64, 512),    # two rows: the packed GEMM, row-major
]


def mx_type(fmt, shape, block, layout=""):
    return (f"!mx.tensor<{shape[0]}x{shape[1]}x{ELEMENT_TYPES[fmt]}, "
            f"block = [{block[0]}, {block[1]}]{layout}>")


kernels, body = [], []
for i, (fx, fw, M, K, N) in enumerate(cases):
    x = (rng.standard_normal((M, K)) * np.exp2(rng.integers(-20, 20, (M, K // 32)).repeat(32, 1))).astype(f32)
    w = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-20, 20, (K // 32, N)).repeat(32, 0))).astype(f32)
    w[:32, 3] = 0                 # a zero block
    w[(40 if K > 32 else 20), 300 % N] = np.nan  # a NaN block (the second K-block where K > 32)
    tx = f"tensor<{M}x{K}xf32>" if fx == "f32" else mx_type(fx, (M, K), (1, 32))
    qx = "%x" if fx == "f32" else "%qx"
    quantize_x = "" if fx == "f32" else f"\n  %qx = mx.quantize %x : tensor<{M}x{K}xf32> -> {tx}"
    for name, layout, weights in (("rows", "", "argument"), ("panels", ", layout = panels", "argument"),
                                  ("constant", "", "constant")):
        tw = mx_type(fw, (K, N), (32, 1), layout)
        args = f"%x: tensor<{M}x{K}xf32>" + (f", %w: tensor<{K}x{N}xf32>" if weights == "argument" else "")
        constant = f"\n  %w = arith.constant {dense_hex(w)} : tensor<{K}x{N}xf32>" if weights == "constant" else ""
        kernels.append(f"""
func.func @{name}{i}({args}) -> tensor<{M}x{N}xi32> {{{constant}{quantize_x}
  %qw = mx.quantize %w : tensor<{K}x{N}xf32> -> {tw}
  %y = mx.matmul {qx}, %qw : {tx}, {tw} -> tensor<{M}x{N}xf32>
  %bits = arith.bitcast %y : tensor<{M}x{N}xf32> to tensor<{M}x{N}xi32>
  return %bits : tensor<{M}x{N}xi32>
}}""")
        call = f"%x{i}, %w{i}" if weights == "argument" else f"%x{i}"
        types = f"tensor<{M}x{K}xf32>" + (f", tensor<{K}x{N}xf32>" if weights == "argument" else "")
        body.append(f"""
  %{name}c{i} = call @{name}{i}({call}) : ({types}) -> tensor<{M}x{N}xi32>
  %{name}m{i} = bufferization.to_buffer %{name}c{i} : tensor<{M}x{N}xi32> to memref<{M}x{N}xi32>
  %{name}u{i} = memref.cast %{name}m{i} : memref<{M}x{N}xi32> to memref<*xi32>
  call @printMemrefI32(%{name}u{i}) : (memref<*xi32>) -> ()""")
    body.insert(len(body) - 3, f"""
  %x{i} = arith.constant {dense_hex(x)} : tensor<{M}x{K}xf32>
  %w{i} = arith.constant {dense_hex(w)} : tensor<{K}x{N}xf32>""")

module = "func.func private @printMemrefI32(memref<*xi32>)\n" + "".join(kernels) + \
    "\nfunc.func @main() {" + "".join(body) + "\n  return\n}\n"
features = "" if mode == "fma" else "host"
options = f"cpu-features={features} prepack-weights=true"
# The constant GEMV weights, before the lowering: packs of panels (their
# scales, one constant each).
prepared = subprocess.run([mx_opt, "-", "--canonicalize",
                           f"--convert-mx-to-vector={options}"],
                          input=module.encode(), capture_output=True, check=True).stdout.decode()
panel_constants = len(re.findall(r"arith\.constant .* : tensor<\d+x\d+x256xf8E8M0FNU>", prepared))
print(f"panels ({mode}): {panel_constants} constant weights stored in panels")
runner_args = ["-mattr=-avx512f", "--O1"] if mode == "fma" else []
results = printed_memrefs(run(runner, runtime_libs, lower(mx_opt, module, True, options), runner_args=runner_args))
differing = 0
for i, (fx, fw, M, K, N) in enumerate(cases):
    rows, panels, constant = (results[3 * i + j].astype(np.uint32) for j in range(3))
    nan = np.isnan(rows.view(f32))
    differ = [int(np.sum((other != rows) & ~(nan & np.isnan(other.view(f32))))) for other in (panels, constant)]
    differing += sum(differ)
    print(f"{fx} x {fw}, {M} x {K} x {N}: {rows.size} outputs, {int(nan.sum())} NaN, "
          f"{differ[0]} differ with panels, {differ[1]} with constant panels")
print(f"panels ({mode}): {len(cases)} products, {differing} outputs differ from row-major weights")
# CHECK: panels ({{host|fma}}): 8 constant weights stored in panels
# CHECK: e4m3 x e2m1, 1 x 96 x 256: 256 outputs, 1 NaN, 0 differ with panels, 0 with constant panels
# CHECK: e2m3 x e2m1, 1 x 64 x 1024: 1024 outputs, 1 NaN, 0 differ with panels, 0 with constant panels
# CHECK: e2m1 x e2m3, 1 x 32 x 768: 768 outputs, 1 NaN, 0 differ with panels, 0 with constant panels
# CHECK: int8 x int8, 1 x 96 x 512: 512 outputs, 1 NaN, 0 differ with panels, 0 with constant panels
# CHECK: f32 x e2m1, 1 x 64 x 512: 512 outputs, 1 NaN, 0 differ with panels, 0 with constant panels
# CHECK: e4m3 x e2m1, 2 x 64 x 512: 1024 outputs, 2 NaN, 0 differ with panels, 0 with constant panels
# CHECK: panels ({{host|fma}}): 9 products, 0 outputs differ from row-major weights

# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
#
# The panels layout (`layout = panels`) through the Python API: an
# !mx.tensor in that layout is passed and returned as the pair of its code
# and scale storage, [N/256, K, 256] (FP4: 128 bytes a row) and
# [N/256, K/32, 256]. mx.convert_layout's result is checked against NumPy's
# reordering of the row-major storage, and a GEMV of the panels against the
# same GEMV of the row-major weights, bit for bit; mx.to_storage gives the
# pair back as it is.

import numpy as np

import mx_mlir

K, N, P = 96, 768, 3
rng = np.random.default_rng(5)
rows = f"!mx.tensor<{K}x{N}xf4E2M1FN, block = [32, 1]>"
panels = f"!mx.tensor<{K}x{N}xf4E2M1FN, block = [32, 1], layout = panels>"
module = mx_mlir.Module.parse(f"""
func.func @quantize(%w: tensor<{K}x{N}xf32>) -> {rows} {{
  %q = mx.quantize %w : tensor<{K}x{N}xf32> -> {rows}
  return %q : {rows}
}}
func.func @to_panels(%q: {rows}) -> {panels} {{
  %p = mx.convert_layout %q : {rows} -> {panels}
  return %p : {panels}
}}
func.func @storage(%p: {panels}) -> (tensor<{P}x{K}x128xi8>, tensor<{P}x{K // 32}x256xf8E8M0FNU>) {{
  %c, %s = mx.to_storage %p : {panels} -> tensor<{P}x{K}x128xi8>, tensor<{P}x{K // 32}x256xf8E8M0FNU>
  return %c, %s : tensor<{P}x{K}x128xi8>, tensor<{P}x{K // 32}x256xf8E8M0FNU>
}}
func.func @gemv_rows(%x: tensor<1x{K}xf32>, %q: {rows}) -> tensor<1x{N}xf32> {{
  %y = mx.matmul %x, %q : tensor<1x{K}xf32>, {rows} -> tensor<1x{N}xf32>
  return %y : tensor<1x{N}xf32>
}}
func.func @gemv_panels(%x: tensor<1x{K}xf32>, %p: {panels}) -> tensor<1x{N}xf32> {{
  %y = mx.matmul %x, %p : tensor<1x{K}xf32>, {panels} -> tensor<1x{N}xf32>
  return %y : tensor<1x{N}xf32>
}}
""")
compiled = module.compile("mx-cpu-pipeline")
w = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (K // 32, N)).repeat(32, 0))).astype(np.float32)
q = compiled.invoke("quantize", w)
codes, scales = compiled.invoke("to_panels", q)
print("codes", codes.shape, codes.dtype, "scales", scales.shape)
expected_codes = q.elements.reshape(K, P, 128).transpose(1, 0, 2)
expected_scales = q.scales.view(np.uint8).reshape(K // 32, P, 256).transpose(1, 0, 2)
print("reordered:", int(np.sum(codes != expected_codes)), "code and",
      int(np.sum(scales.view(np.uint8) != expected_scales)), "scale bytes differ")
stored_codes, stored_scales = compiled.invoke("storage", (codes, scales))
print("to_storage:", int(np.sum(stored_codes.view(np.uint8) != codes)), "code and",
      int(np.sum(stored_scales.view(np.uint8) != scales.view(np.uint8))), "scale bytes differ")
x = rng.standard_normal((1, K)).astype(np.float32)
y_rows = compiled.invoke("gemv_rows", x, q)
y_panels = compiled.invoke("gemv_panels", x, (codes, scales))
print("gemv:", int(np.sum(y_rows.view(np.uint32) != y_panels.view(np.uint32))), "of", y_rows.size, "outputs differ")
# CHECK: codes (3, 96, 128) uint8 scales (3, 3, 256)
# CHECK: reordered: 0 code and 0 scale bytes differ
# CHECK: to_storage: 0 code and 0 scale bytes differ
# CHECK: gemv: 0 of 768 outputs differ

# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# Swizzled scale layouts (`scale_layout = swizzled`: the 128 x 4 tiles
# Blackwell's tensor cores and cuBLASLt read), compiled by mx-cpu-pipeline
# and by the linalg lowering alone, against lib/Numerics through its C
# interface: quantize to a swizzled tensor (codes, and the scale bytes equal
# to the library's row-major scales swizzled by lib/Numerics/ScaleLayout);
# mx.convert_scale_layout both ways; dequantize and matmul of swizzled
# operands; the compile-time conversion of a constant. Shapes whose scale
# matrices are not whole tiles (padding), blocks along either axis, E8M0
# and E4M3 (NVFP4) scales.

import sys

import numpy as np

import mx_mlir
from mx_integration import Numerics
from mx_mlir.mxarray import MXArray, mx_type
from mx_test_data import random_tensor, same_bits

numerics = Numerics(sys.argv[1])
rng = np.random.default_rng(41)
PIPELINES = ("mx-cpu-pipeline", "mx-cpu-pipeline{kernels=false}")


def swizzled_type(row_major):
    return row_major[:-1] + ", scale_layout = swizzled>"


def scale_matrix(grid, axis):
    """The matrix the layout tiles: rows are the unblocked axis."""
    return grid if axis == 1 else grid.T


def pack_storage(codes, fmt):
    """One code per element -> the lowered storage (FP4 two to a byte)."""
    if fmt != "e2m1":
        return codes.astype(np.uint8)
    if codes.shape[-1] % 2:
        codes = np.concatenate([codes, np.zeros(codes.shape[:-1] + (1,), np.uint8)], -1)
    return (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)


class Case:
    def __init__(self, shape, fmt, axis, block, nvfp4=False):
        self.shape, self.fmt, self.axis, self.nvfp4 = shape, fmt, axis, nvfp4
        self.block = [1, 1]
        self.block[axis] = block
        scale_type = "f8E4M3FN" if nvfp4 else "f8E8M0FNU"
        self.scale_type = scale_type
        self.row_major = mx_type(shape, fmt, self.block, scale_type)
        self.swizzled = swizzled_type(self.row_major)
        self.source = f"tensor<{shape[0]}x{shape[1]}xf32>"

    def reference(self, x):
        """(codes, row-major scale grid, tensor scale) from the library."""
        if self.nvfp4:
            return numerics.quantize_nvfp4(x, self.axis)
        codes, scales = numerics.quantize(x, self.fmt, self.block)
        return codes, scales, None

    def quantize_text(self):
        if self.nvfp4:
            return f"""func.func @quantize(%x: {self.source}) -> {self.swizzled} {{
  %s = mx.tensor_scale %x : {self.source}
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : {self.source} -> {self.swizzled}
  return %q : {self.swizzled}
}}"""
        return f"""func.func @quantize(%x: {self.source}) -> {self.swizzled} {{
  %q = mx.quantize %x : {self.source} -> {self.swizzled}
  return %q : {self.swizzled}
}}"""

    def conversions_text(self):
        tensor_scale = " tensor_scale(%t)" if self.nvfp4 else ""
        scalar = ", %t: f32" if self.nvfp4 else ""
        return f"""func.func @to_row_major(%q: {self.swizzled}) -> {self.row_major} {{
  %r = mx.convert_scale_layout %q : {self.swizzled} -> {self.row_major}
  return %r : {self.row_major}
}}
func.func @to_swizzled(%q: {self.row_major}) -> {self.swizzled} {{
  %s = mx.convert_scale_layout %q : {self.row_major} -> {self.swizzled}
  return %s : {self.swizzled}
}}
func.func @dequantize(%q: {self.swizzled}{scalar}) -> {self.source} {{
  %x = mx.dequantize %q{tensor_scale} : {self.swizzled} -> {self.source}
  return %x : {self.source}
}}"""


def dequantize_reference(case, codes, grid, tensor_scale):
    if case.nvfp4:
        return numerics.dequantize_nvfp4(codes, grid, tensor_scale, case.axis)
    return numerics.dequantize(codes, grid, case.fmt, case.block)


CASES = [
    Case((200, 96), "e2m1", 1, 32),              # 200 rows pad to 256, 3 columns to 4
    Case((96, 300), "e4m3", 0, 32),              # blocks along rows: the grid transposed
    Case((64, 40), "int8", 1, 32),               # a partial block
    Case((130, 64), "e2m1", 1, 16, nvfp4=True),  # NVFP4: 4 columns, 2 row tiles
    Case((256, 512), "e2m1", 1, 16, nvfp4=True),  # 8 column tiles
    Case((160, 40), "e5m2", 0, 32, nvfp4=False),
]

quantize_mismatches = convert_mismatches = dequantize_mismatches = scale_bytes = 0
for case in CASES:
    x = random_tensor(rng, case.shape)
    x[rng.integers(0, case.shape[0], 3), rng.integers(0, case.shape[1], 3)] = np.nan
    codes, grid, tensor_scale = case.reference(x)
    matrix = scale_matrix(grid, case.axis)
    expected_bytes = numerics.swizzle_scales(matrix)
    # The library's layout has the documented offsets.
    r, c = matrix.shape[0] - 1, matrix.shape[1] - 1
    offset = ((r // 128) * (-(-matrix.shape[1] // 4)) + c // 4) * 512 + (r % 32) * 16 + \
        ((r % 128) // 32) * 4 + c % 4
    assert expected_bytes[offset] == matrix[r, c]
    assert numerics.unswizzle_scales(expected_bytes, *matrix.shape).tolist() == matrix.tolist()
    scale_bytes += expected_bytes.size
    storage = pack_storage(codes, case.fmt)
    for pipeline in PIPELINES:
        module = mx_mlir.Module.parse(case.quantize_text() + "\n" + case.conversions_text())
        compiled = module.compile(pipeline)
        elements, stored = compiled.invoke("quantize", x)
        quantize_mismatches += int(np.sum(elements != storage))
        quantize_mismatches += int(np.sum(stored.view(np.uint8) != expected_bytes))
        # Back to row-major, and from row-major to swizzled.
        back = compiled.invoke("to_row_major", (storage, expected_bytes))
        convert_mismatches += int(np.sum(back.scales.view(np.uint8) != grid))
        convert_mismatches += int(np.sum(back.elements != storage))
        row_major = MXArray(storage, grid, case.fmt, case.shape, tuple(case.block),
                            case.scale_type)
        _, swizzled = compiled.invoke("to_swizzled", row_major)
        convert_mismatches += int(np.sum(swizzled.view(np.uint8) != expected_bytes))
        # Values do not depend on where the scales are stored.
        args = [(storage, expected_bytes)] + ([float(tensor_scale)] if case.nvfp4 else [])
        values = compiled.invoke("dequantize", *args)
        reference_values = dequantize_reference(case, codes, grid, tensor_scale)
        dequantize_mismatches += int(np.sum(~same_bits(values, reference_values)))
print(f"{len(CASES)} shapes, {scale_bytes} swizzled scale bytes, 2 lowerings")
print(f"quantize to swizzled: {quantize_mismatches} mismatches")
print(f"convert_scale_layout both ways: {convert_mismatches} mismatches")
print(f"dequantize of swizzled: {dequantize_mismatches} mismatches")
# CHECK: 6 shapes, {{[0-9]+}} swizzled scale bytes, 2 lowerings
# CHECK: quantize to swizzled: 0 mismatches
# CHECK: convert_scale_layout both ways: 0 mismatches
# CHECK: dequantize of swizzled: 0 mismatches

# The GEMM of swizzled operands is the GEMM of the same values: the
# lowering converts the scales back before its kernel, so the result is
# bit for bit the row-major one.
M, K, N = 136, 256, 72
lhs_t = mx_type((M, K), "e4m3", [1, 32])
rhs_t = mx_type((K, N), "e2m1", [32, 1])
gemm = f"""func.func @gemm(%a: {swizzled_type(lhs_t)}, %b: {swizzled_type(rhs_t)}) -> tensor<{M}x{N}xf32> {{
  %c = mx.matmul %a, %b : {swizzled_type(lhs_t)}, {swizzled_type(rhs_t)} -> tensor<{M}x{N}xf32>
  return %c : tensor<{M}x{N}xf32>
}}
func.func @gemm_row_major(%a: {lhs_t}, %b: {rhs_t}) -> tensor<{M}x{N}xf32> {{
  %c = mx.matmul %a, %b : {lhs_t}, {rhs_t} -> tensor<{M}x{N}xf32>
  return %c : tensor<{M}x{N}xf32>
}}"""
a = mx_mlir.quantize(rng.standard_normal((M, K)).astype(np.float32), "e4m3")
b = mx_mlir.quantize(rng.standard_normal((K, N)).astype(np.float32), "e2m1", axis=0)
gemm_mismatches = 0
for pipeline in PIPELINES:
    compiled = mx_mlir.Module.parse(gemm).compile(pipeline)
    a_sw = (a.elements, numerics.swizzle_scales(a.scales))
    b_sw = (b.elements, numerics.swizzle_scales(b.scales.T))
    gemm_mismatches += int(np.sum(~same_bits(compiled.invoke("gemm", a_sw, b_sw),
                                             compiled.invoke("gemm_row_major", a, b))))
print(f"matmul of swizzled operands: {gemm_mismatches} mismatches")
# CHECK: matmul of swizzled operands: 0 mismatches

# A quantize of a constant to a swizzled type folds at compile time.
case = CASES[3]
x = random_tensor(rng, case.shape)
codes, grid, tensor_scale = case.reference(x)
constant = ", ".join("[" + ", ".join(f"{v:.9e}" for v in row) + "]" for row in x)
folded = mx_mlir.Module.parse(f"""func.func @folded() -> {case.swizzled} {{
  %x = arith.constant dense<[{constant}]> : {case.source}
  %s = mx.tensor_scale %x : {case.source}
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : {case.source} -> {case.swizzled}
  return %q : {case.swizzled}
}}""").compile("mx-cpu-pipeline")
elements, stored = folded.invoke("folded")
expected = numerics.swizzle_scales(scale_matrix(grid, case.axis))
print("folded constant:", int(np.sum(elements != pack_storage(codes, case.fmt))) +
      int(np.sum(stored.view(np.uint8) != expected)), "mismatches")
# CHECK: folded constant: 0 mismatches

"""Helpers for the CPU integration tests: lib/Numerics through its C
interface (libMXNumericsCAPI.so), and the runner helpers of mx_mlir.runner
(lower with mx-opt, run with mlir-runner, read back what was printed)."""

import ctypes

import numpy as np

from mx_mlir.arrays import ELEMENT_TYPES  # noqa: F401
from mx_mlir.reference import shared_microexponent_storage_shape
from mx_mlir.runner import dense_hex, lower_and_run, print_call, printed_memrefs  # noqa: F401
from mx_test_data import f32_sum_bound


class Numerics:
    """lib/Numerics through mx-c/Numerics.h."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        i64p, u8p = ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_uint8)
        self.lib.mlirMXNumericsQuantize.argtypes = [
            ctypes.POINTER(ctypes.c_float), ctypes.c_int64, i64p, i64p, ctypes.c_char_p,
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint64, u8p, u8p]
        self.lib.mlirMXNumericsSwizzledScaleBytes.argtypes = [ctypes.c_int64, ctypes.c_int64]
        self.lib.mlirMXNumericsSwizzledScaleBytes.restype = ctypes.c_int64
        self.lib.mlirMXNumericsSwizzleScales.argtypes = [u8p, ctypes.c_int64, ctypes.c_int64,
                                                         ctypes.c_int, u8p]
        self.lib.mlirMXNumericsDequantize.argtypes = [
            u8p, u8p, ctypes.c_int64, i64p, i64p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_float)]

    def quantize(self, x, fmt, block, rule="floor", rounding="rne", nonfinite=False, seed=0):
        x = np.ascontiguousarray(x, dtype=np.float32)
        shape = np.array(x.shape, dtype=np.int64)
        blocks = np.array(block, dtype=np.int64)
        codes = np.zeros(x.shape, dtype=np.uint8)
        scales = np.zeros([-(-s // b) for s, b in zip(x.shape, block)], dtype=np.uint8)
        status = self.lib.mlirMXNumericsQuantize(
            x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), x.ndim,
            shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
            blocks.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), fmt.encode(), rule.encode(),
            rounding.encode(), int(nonfinite), seed,
            codes.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)),
            scales.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)))
        assert status == 0
        return codes, scales

    def dequantize(self, codes, scales, fmt, block):
        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        scales = np.ascontiguousarray(scales, dtype=np.uint8)
        shape = np.array(codes.shape, dtype=np.int64)
        blocks = np.array(block, dtype=np.int64)
        out = np.zeros(codes.shape, dtype=np.float32)
        u8p = ctypes.POINTER(ctypes.c_uint8)
        assert self.lib.mlirMXNumericsDequantize(
            codes.ctypes.data_as(u8p), scales.ctypes.data_as(u8p), codes.ndim,
            shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
            blocks.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), fmt.encode(),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) == 0
        return out

    def quantize_shared_microexponent(self, x, fmt, axis, rounding="rne"):
        """(codes, microexponents, exponents) from mx-c/Numerics.h."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        axis %= x.ndim
        shape = np.array(x.shape, dtype=np.int64)
        blocks = -(-x.shape[axis] // 16)
        micro_shape, exponent_shape = list(x.shape), list(x.shape)
        micro_shape[axis], exponent_shape[axis] = blocks * 8, blocks
        codes = np.zeros(x.shape, dtype=np.uint8)
        micro = np.zeros(micro_shape, dtype=np.uint8)
        exponents = np.zeros(exponent_shape, dtype=np.uint8)
        u8p = ctypes.POINTER(ctypes.c_uint8)
        assert self.lib.mlirMXNumericsQuantizeSharedMicroexponent(
            x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), ctypes.c_int64(x.ndim),
            shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), ctypes.c_int64(axis),
            fmt.encode(), rounding.encode(), codes.ctypes.data_as(u8p),
            micro.ctypes.data_as(u8p), exponents.ctypes.data_as(u8p)) == 0
        return codes, micro, exponents

    def dequantize_shared_microexponent(self, codes, micro, exponents, fmt, axis):
        codes, micro, exponents = (np.ascontiguousarray(a, dtype=np.uint8)
                                   for a in (codes, micro, exponents))
        axis %= codes.ndim
        shape = np.array(codes.shape, dtype=np.int64)
        out = np.zeros(codes.shape, dtype=np.float32)
        u8p = ctypes.POINTER(ctypes.c_uint8)
        assert self.lib.mlirMXNumericsDequantizeSharedMicroexponent(
            codes.ctypes.data_as(u8p), micro.ctypes.data_as(u8p), exponents.ctypes.data_as(u8p),
            ctypes.c_int64(codes.ndim), shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
            ctypes.c_int64(axis), fmt.encode(),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) == 0
        return out

    def quantize_shared_microexponent_packed(self, x, fmt, axis, rounding="rne"):
        """The packed blocks (block grid x bytes) from mx-c/Numerics.h."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        axis %= x.ndim
        shape = np.array(x.shape, dtype=np.int64)
        blocks = np.zeros(shared_microexponent_storage_shape(x.shape, fmt, axis), np.uint8)
        assert self.lib.mlirMXNumericsQuantizeSharedMicroexponentPacked(
            x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), ctypes.c_int64(x.ndim),
            shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), ctypes.c_int64(axis),
            fmt.encode(), rounding.encode(),
            blocks.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))) == 0
        return blocks

    def dequantize_shared_microexponent_packed(self, blocks, shape, fmt, axis):
        blocks = np.ascontiguousarray(blocks, dtype=np.uint8)
        axis %= len(shape)
        dims = np.array(shape, dtype=np.int64)
        out = np.zeros(shape, dtype=np.float32)
        assert self.lib.mlirMXNumericsDequantizeSharedMicroexponentPacked(
            blocks.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), ctypes.c_int64(len(shape)),
            dims.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), ctypes.c_int64(axis),
            fmt.encode(), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) == 0
        return out

    def random_hadamard(self, x, seed, axis, inverse=False):
        """mx-c/Numerics.h's transform of a copy of `x`."""
        out = np.array(x, dtype=np.float32, order="C")
        shape = np.array(out.shape, dtype=np.int64)
        assert self.lib.mlirMXNumericsRandomHadamard(
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), ctypes.c_int64(out.ndim),
            shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
            ctypes.c_int64(axis % out.ndim), ctypes.c_uint64(seed), int(inverse)) == 0
        return out

    def quantize_nvfp4(self, x, axis, tensor_scale=None):
        """(codes, block_scales, tensor_scale) from mx-c/Numerics.h."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        axis %= x.ndim
        shape = np.array(x.shape, dtype=np.int64)
        scale_shape = list(x.shape)
        scale_shape[axis] = -(-x.shape[axis] // 16)
        codes = np.zeros(x.shape, dtype=np.uint8)
        block_scales = np.zeros(scale_shape, dtype=np.uint8)
        given = None if tensor_scale is None else ctypes.byref(ctypes.c_float(tensor_scale))
        out_scale = ctypes.c_float()
        u8p = ctypes.POINTER(ctypes.c_uint8)
        assert self.lib.mlirMXNumericsQuantizeNVFP4(
            x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), ctypes.c_int64(x.ndim),
            shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), ctypes.c_int64(axis), given,
            codes.ctypes.data_as(u8p), block_scales.ctypes.data_as(u8p),
            ctypes.byref(out_scale)) == 0
        return codes, block_scales, np.float32(out_scale.value)

    def dequantize_nvfp4(self, codes, block_scales, tensor_scale, axis):
        codes, block_scales = (np.ascontiguousarray(a, dtype=np.uint8)
                               for a in (codes, block_scales))
        axis %= codes.ndim
        shape = np.array(codes.shape, dtype=np.int64)
        out = np.zeros(codes.shape, dtype=np.float32)
        u8p = ctypes.POINTER(ctypes.c_uint8)
        assert self.lib.mlirMXNumericsDequantizeNVFP4(
            codes.ctypes.data_as(u8p), block_scales.ctypes.data_as(u8p),
            ctypes.c_float(tensor_scale), ctypes.c_int64(codes.ndim),
            shape.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), ctypes.c_int64(axis),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) == 0
        return out

    def quantize_float_scaled(self, x, fmt, tile, scale_rule):
        """(codes, scales) of FP8 with f32 tile scales, from mx-c/Numerics.h."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        rows, columns = x.shape
        codes = np.zeros(x.shape, dtype=np.uint8)
        scales = np.zeros((-(-rows // tile[0]), -(-columns // tile[1])), dtype=np.float32)
        assert self.lib.mlirMXNumericsQuantizeFloatScaled(
            x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), ctypes.c_int64(rows),
            ctypes.c_int64(columns), ctypes.c_int64(tile[0]), ctypes.c_int64(tile[1]),
            fmt.encode(), scale_rule.encode(),
            codes.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)),
            scales.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) == 0
        return codes, scales

    def dequantize_float_scaled(self, codes, scales, fmt, tile):
        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        scales = np.ascontiguousarray(scales, dtype=np.float32)
        out = np.zeros(codes.shape, dtype=np.float32)
        assert self.lib.mlirMXNumericsDequantizeFloatScaled(
            codes.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)),
            scales.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            ctypes.c_int64(codes.shape[0]), ctypes.c_int64(codes.shape[1]),
            ctypes.c_int64(tile[0]), ctypes.c_int64(tile[1]), fmt.encode(),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) == 0
        return out

    def swizzle_scales(self, matrix):
        """A rows x columns byte matrix in the swizzled scale layout."""
        matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
        rows, columns = matrix.shape
        out = np.zeros(self.lib.mlirMXNumericsSwizzledScaleBytes(rows, columns), dtype=np.uint8)
        u8p = ctypes.POINTER(ctypes.c_uint8)
        status = self.lib.mlirMXNumericsSwizzleScales(matrix.ctypes.data_as(u8p), rows, columns,
                                                      0, out.ctypes.data_as(u8p))
        assert status == 0
        return out

    def unswizzle_scales(self, swizzled, rows, columns):
        """The inverse: the rows x columns matrix, padding dropped."""
        swizzled = np.ascontiguousarray(swizzled, dtype=np.uint8)
        out = np.zeros((rows, columns), dtype=np.uint8)
        u8p = ctypes.POINTER(ctypes.c_uint8)
        status = self.lib.mlirMXNumericsSwizzleScales(swizzled.ctypes.data_as(u8p), rows,
                                                      columns, 1, out.ctypes.data_as(u8p))
        assert status == 0
        return out


# The width of each format's elements (their MLIR types: ELEMENT_TYPES).
ELEMENT_BITS = {"e4m3": 8, "e5m2": 8, "e3m2": 6, "e2m3": 6, "e2m1": 4, "int8": 8}


def matmul_case(index, a, b, fa, fb, rhs_block, numerics, additions=None):
    """A kernel `@mm<index>` quantizing f32 `a` (blocks [1, 32]) and `b`
    (`rhs_block`) and returning their mx.matmul as i32 bits, the lines of
    @main that call it on constants and print the result, and the float64
    reference of lib/Numerics' dequantized operands with the f32 accumulation
    bound (n = 32 + K-blocks additions on any path, or `additions`). `fa`
    "f32": `a` enters the product as it is (weight-only)."""
    (M, K), N = a.shape, b.shape[1]
    weight_only = fa == "f32"  # f32 activations times MX weights
    ta = f"tensor<{M}x{K}xf32>" if weight_only else \
        f"!mx.tensor<{M}x{K}x{ELEMENT_TYPES[fa]}, block = [1, 32]>"
    tb = f"!mx.tensor<{K}x{N}x{ELEMENT_TYPES[fb]}, block = [{rhs_block[0]}, {rhs_block[1]}]>"
    quantize_a = "" if weight_only else \
        f"\n  %qa = mx.quantize %a : tensor<{M}x{K}xf32> -> {ta}"
    kernel = f"""
func.func @mm{index}(%a: tensor<{M}x{K}xf32>, %b: tensor<{K}x{N}xf32>) -> tensor<{M}x{N}xi32> {{{quantize_a}
  %qb = mx.quantize %b : tensor<{K}x{N}xf32> -> {tb}
  %c = mx.matmul {"%a" if weight_only else "%qa"}, %qb : {ta}, {tb} -> tensor<{M}x{N}xf32>
  %bits = arith.bitcast %c : tensor<{M}x{N}xf32> to tensor<{M}x{N}xi32>
  return %bits : tensor<{M}x{N}xi32>
}}"""
    body = f"""
  %a{index} = arith.constant {dense_hex(a)} : tensor<{M}x{K}xf32>
  %b{index} = arith.constant {dense_hex(b)} : tensor<{K}x{N}xf32>
  %c{index} = call @mm{index}(%a{index}, %b{index}) : (tensor<{M}x{K}xf32>, tensor<{K}x{N}xf32>) -> tensor<{M}x{N}xi32>
  %m{index} = bufferization.to_buffer %c{index} : tensor<{M}x{N}xi32> to memref<{M}x{N}xi32>
  %u{index} = memref.cast %m{index} : memref<{M}x{N}xi32> to memref<*xi32>
  call @printMemrefI32(%u{index}) : (memref<*xi32>) -> ()"""
    cb, sb = numerics.quantize(b, fb, rhs_block)
    if weight_only:
        da = a.astype(np.float64)
    else:
        ca, sa = numerics.quantize(a, fa, (1, 32))
        da = numerics.dequantize(ca, sa, fa, (1, 32)).astype(np.float64)
    db = numerics.dequantize(cb, sb, fb, rhs_block).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        reference = da @ db
        magnitude = np.abs(da) @ np.abs(db)
    # f32 activations: each product may round too.
    if additions is None:
        additions = 32 + -(-K // 32) + (1 if weight_only else 0)
    return kernel, body, reference, f32_sum_bound(additions, magnitude)

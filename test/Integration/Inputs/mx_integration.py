"""Helpers for the CPU integration tests: lib/Numerics through its C
interface (libMXNumericsCAPI.so), and the runner helpers of mx_mlir.runner
(lower with mx-opt, run with mlir-runner, read back what was printed)."""

import ctypes

import numpy as np

from mx_mlir.arrays import ELEMENT_TYPES  # noqa: F401
from mx_mlir.runner import dense_hex, lower_and_run, print_call, printed_memrefs  # noqa: F401


class Numerics:
    """lib/Numerics through mx-c/Numerics.h."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        i64p, u8p = ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_uint8)
        self.lib.mlirMXNumericsQuantize.argtypes = [
            ctypes.POINTER(ctypes.c_float), ctypes.c_int64, i64p, i64p, ctypes.c_char_p,
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint64, u8p, u8p]
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


# The width of each format's elements (their MLIR types: ELEMENT_TYPES).
ELEMENT_BITS = {"e4m3": 8, "e5m2": 8, "e3m2": 6, "e2m3": 6, "e2m1": 4, "int8": 8}


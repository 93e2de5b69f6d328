"""Helpers for the CPU integration tests: lower MX IR with mx-opt, run it
with mlir-runner, read back what it printed, and compare with lib/Numerics
through its C interface (libMXNumericsCAPI.so)."""

import ctypes
import re
import subprocess

import numpy as np

# From the mx dialect on tensors to the LLVM dialect: the named pipeline,
# vectorized (the default) or as scalar loops.
def lowering(vectorize=True):
    return ["--mx-cpu-pipeline=vectorize=" + ("true" if vectorize else "false")]


def dense_hex(array):
    """An exact dense literal (NaN payloads, -0, subnormals survive)."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


def lower_and_run(mx_opt, runner, runtime_libs, module_text, vectorize=True):
    lowered = subprocess.run([mx_opt, "-"] + lowering(vectorize), input=module_text.encode(),
                             capture_output=True, check=False)
    if lowered.returncode != 0:
        raise RuntimeError("mx-opt failed:\n" + lowered.stderr.decode())
    ran = subprocess.run([runner, "-", "-e", "main", "-entry-point-result=void",
                          "-shared-libs=" + ",".join(runtime_libs)],
                         input=lowered.stdout, capture_output=True, check=False)
    if ran.returncode != 0:
        raise RuntimeError("mlir-runner failed:\n" + ran.stderr.decode())
    return ran.stdout.decode()


def printed_memrefs(output):
    """The data of every printMemref call, in order, as flat int64 arrays."""
    results = []
    for chunk in output.split("Unranked Memref")[1:]:
        data = chunk.split("data =", 1)[1]
        results.append(np.array([int(v) for v in re.findall(r"-?\d+", data)], dtype=np.int64))
    return results


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


# The MLIR element type of each format name, and its width.
ELEMENT_TYPES = {"e4m3": "f8E4M3FN", "e5m2": "f8E5M2", "e3m2": "f6E3M2FN",
                 "e2m3": "f6E2M3FN", "e2m1": "f4E2M1FN", "int8": "i8"}
ELEMENT_BITS = {"e4m3": 8, "e5m2": 8, "e3m2": 6, "e2m3": 6, "e2m1": 4, "int8": 8}


def print_call(name, value, mlir_shape):
    """MLIR lines that print an i32 tensor value with printMemrefI32."""
    return f"""
  %m_{name} = bufferization.to_buffer {value} : tensor<{mlir_shape}xi32> to memref<{mlir_shape}xi32>
  %u_{name} = memref.cast %m_{name} : memref<{mlir_shape}xi32> to memref<*xi32>
  call @printMemrefI32(%u_{name}) : (memref<*xi32>) -> ()"""

# RUN: env PYTHONPATH=%mx_python_packages %python %s | FileCheck %s
#
# The array API on input it cannot take: a clear ValueError or TypeError
# naming the problem, never a crash or a compiler error. Also: arrays it must
# take (non-contiguous, Fortran order, broadcast views, zero-size), calls from
# several threads at once, and a bounded kernel cache: many distinct shapes
# leave at most kernel_cache_limit() compiled kernels, and memory stays flat
# over 10,000 calls.

import os
import threading

import numpy as np

import mx_mlir as mx
from mx_mlir import arrays

x = np.arange(256, dtype=np.float32).reshape(4, 64) - 100
q = mx.quantize(x, "e4m3")
huge = mx.MXArray(np.broadcast_to(np.uint8(0), (2**62,)), np.broadcast_to(np.uint8(0), (2**57,)),
                  "e4m3", (2**62,), (32,))
cases = {
    "complex": lambda: mx.quantize(np.ones(64, np.complex64), "e4m3"),
    "strings": lambda: mx.quantize(np.array(["a"] * 32), "e4m3"),
    "objects": lambda: mx.quantize(np.array([object()] * 32), "e4m3"),
    "0-d": lambda: mx.quantize(np.float32(1), "e4m3"),
    "axis out of range": lambda: mx.quantize(x, "e4m3", axis=2),
    "axis not an integer": lambda: mx.quantize(x, "e4m3", axis="last"),
    "block 0": lambda: mx.quantize(x, "e4m3", block=0),
    "block -32": lambda: mx.quantize(x, "e4m3", block=-32),
    "block 32.5": lambda: mx.quantize(x, "e4m3", block=32.5),
    "block 2^63": lambda: mx.quantize(x, "e4m3", block=2**63),
    "blocks for 3 dims": lambda: mx.quantize(x, "e4m3", block=(1, 2, 3)),
    "seed -1": lambda: mx.quantize(x, "e4m3", rounding="stochastic", seed=-1),
    "seed 2^64": lambda: mx.quantize(x, "e4m3", rounding="stochastic", seed=2**64),
    "dequantize an ndarray": lambda: mx.dequantize(x),
    "dequantize to int": lambda: mx.dequantize(q, np.int32),
    "byte count overflow": lambda: mx.dequantize(huge),
    "matmul shapes": lambda: mx.matmul(q, np.ones((32, 4))),
    "matmul strings": lambda: mx.matmul(q, np.array([["a"] * 4] * 64)),
    "elements of the wrong shape": lambda: mx.MXArray(np.zeros((4, 63), np.uint8), q.scales,
                                                      "e4m3", (4, 64), (1, 32)),
    "cache limit 0": lambda: arrays.set_kernel_cache_limit(0),
    "two-level format": lambda: mx.quantize(x, "m=8,k1=16,k2=2,d2=1"),
    "two-level block": lambda: mx.quantize(x, "mx9", block=15),
    "two-level axis": lambda: mx.quantize(x, "mx6", axis=2),
    "two-level rounding": lambda: mx.quantize(x, "mx4", rounding="stochastic", seed=1),
    "two-level scale rule": lambda: mx.quantize(x, "mx4", scale_rule="rceil"),
    "two-level blocks of the wrong shape": lambda: mx.TwoLevelArray(np.zeros((4, 4, 17), np.uint8),
                                                                    "mx9", (4, 64), 1),
}
for name, call in cases.items():
    try:
        call()
        print(f"{name}: accepted")
    except (ValueError, TypeError) as error:
        print(f"{name}: {type(error).__name__}: {error}")
# CHECK: complex: ValueError: quantize: unsupported dtype complex64 (a real floating-point, integer or bool array)
# CHECK: strings: ValueError: quantize: unsupported dtype <U1
# CHECK: objects: ValueError: quantize: unsupported dtype object
# CHECK: 0-d: ValueError: cannot quantize a 0-d array: it needs at least one dimension
# CHECK: axis out of range: ValueError: axis 2 is out of range for a rank-2 array
# CHECK: axis not an integer: ValueError: axis must be an integer, got 'last'
# CHECK: block 0: ValueError: block sizes must be integers from 1 to 2^63 - 1, got 0
# CHECK: block -32: ValueError: block sizes must be integers from 1 to 2^63 - 1, got -32
# CHECK: block 32.5: ValueError: block sizes must be integers from 1 to 2^63 - 1, got 32.5
# CHECK: block 2^63: ValueError: block sizes must be integers from 1 to 2^63 - 1, got 9223372036854775808
# CHECK: blocks for 3 dims: ValueError: expected one block size per dimension (2), got 3
# CHECK: seed -1: ValueError: quantize: the seed must be an integer from 0 to 2^64 - 1, got -1
# CHECK: seed 2^64: ValueError: quantize: the seed must be an integer from 0 to 2^64 - 1, got 18446744073709551616
# CHECK: dequantize an ndarray: TypeError: dequantize: expected an MXArray or TwoLevelArray, got ndarray
# CHECK: dequantize to int: ValueError: dequantize: unsupported dtype int32 (float32 or float16)
# CHECK: byte count overflow: ValueError: dequantize: 4611686018427387904 elements of 4 bytes is more than a 64-bit byte count holds
# CHECK: matmul shapes: ValueError: matmul: expected (M x K) and (K x N) operands, got (4, 64) and (32, 4)
# CHECK: matmul strings: ValueError: matmul: unsupported dtype <U1
# CHECK: elements of the wrong shape: ValueError: elements: expected shape (4, 64), got (4, 63)
# CHECK: cache limit 0: ValueError: the kernel cache limit must be an integer >= 1, got 0
# CHECK: two-level format: ValueError: unknown two-level format 'm=8,k1=16,k2=2,d2=1'; expected one of ['mx4', 'mx6', 'mx9'] or 'm=M,k1=K1,k2=K2,d2=D2' (1 <= M <= 7, K2 dividing K1 <= 256, D2 <= 4)
# CHECK: two-level block: ValueError: quantize: mx9 takes one block size, a multiple of its sub-block size 2 up to 256, got 15
# CHECK: two-level axis: ValueError: axis 2 is out of range for a rank-2 array
# CHECK: two-level rounding: ValueError: unknown two-level rounding 'stochastic' (expected one of rne, rtz)
# CHECK: two-level scale rule: ValueError: quantize: two-level formats have no scale_rule or saturation choice (the shared exponent is floor(log2 amax); magnitudes clamp)
# CHECK: two-level blocks of the wrong shape: ValueError: blocks: expected shape (4, 4, 18), got (4, 4, 17)

# Arrays it must take, with the same bits as a contiguous copy.
same = lambda a, b: np.array_equal(a.elements, b.elements) and np.array_equal(a.scales, b.scales)
wide = np.random.default_rng(0).standard_normal((64, 128)).astype(np.float32)
print("strided:", same(mx.quantize(wide[:, ::2], "e2m1"), mx.quantize(wide[:, ::2].copy(), "e2m1")))
print("fortran:", same(mx.quantize(np.asfortranarray(wide), "e2m1"), mx.quantize(wide, "e2m1")))
row = np.broadcast_to(wide[0], (4, 128))
print("broadcast:", same(mx.quantize(row, "e2m1"), mx.quantize(row.copy(), "e2m1")))
print("block past the dimension:", same(mx.quantize(x, "e4m3", block=2**40),
                                         mx.quantize(x, "e4m3", block=64)))
empty = mx.quantize(np.ones((0, 32), np.float32), "e2m1")
product = mx.matmul(mx.quantize(np.ones((3, 0), np.float32), "e4m3"), np.ones((0, 2)))
print("zero-size:", empty.type, empty.elements.shape, empty.scales.shape, mx.dequantize(empty).shape,
      product.shape, "zeros" if not product.any() else "nonzero")
# CHECK: strided: True
# CHECK: fortran: True
# CHECK: broadcast: True
# CHECK: block past the dimension: True
# CHECK: zero-size: !mx.tensor<0x32xf4E2M1FN, block = [1, 32]> (0, 16) (0, 1) (0, 32) (3, 2) zeros

# Eight threads, each quantizing its own data with kernels compiled once.
inputs = [np.random.default_rng(i).standard_normal((16, 64)).astype(np.float32) for i in range(8)]
expected = [mx.quantize(a, "e4m3") for a in inputs]
failures = []


def worker(index):
    for _ in range(50):
        if not same(mx.quantize(inputs[index], "e4m3"), expected[index]):
            failures.append(index)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("threads:", len(failures), "mismatches")
# CHECK: threads: 0 mismatches


def resident_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


# Many distinct shapes: the cache keeps the limit's worth of kernels.
arrays.set_kernel_cache_limit(4)
for width in range(32, 32 * 13, 32):
    mx.quantize(np.ones((2, width), np.float32), "e4m3")
print("kernels after 12 shapes with limit 4:", arrays.kernel_cache_size())
# CHECK: kernels after 12 shapes with limit 4: 4

# 10,000 calls of cached kernels: memory stays flat (results are freed).
for _ in range(500):
    mx.dequantize(mx.quantize(x, "e4m3"))
before = resident_kib()
for _ in range(5000):
    mx.dequantize(mx.quantize(x, "e4m3"))
growth = resident_kib() - before
if "libclang_rt.asan" in os.environ.get("LD_PRELOAD", ""):
    # ASan's quarantine holds freed memory back on purpose; the unsanitized
    # suite measures this.
    print("10,000 calls: resident memory not measured under AddressSanitizer")
else:
    print("10,000 calls: resident memory grew under 2 MiB:", growth < 2048, f"({growth} KiB)")
# CHECK: 10,000 calls: resident memory {{grew under 2 MiB: True|not measured under AddressSanitizer}}

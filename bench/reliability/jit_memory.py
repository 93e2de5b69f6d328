"""The array API's JIT memory over many distinct shapes (docs/Reliability.md).

Quantizes arrays of N distinct widths, one new kernel each, and prints the
resident memory after every STEP kernels: with the default cache limit (64
kernels, each with its own MLIR context, evicted least recently used) and
with the limit lifted (every kernel kept, as before the cache was bounded).

    PYTHONPATH=build/python_packages /usr/bin/python3 bench/reliability/jit_memory.py [N] [STEP]
"""

import subprocess
import sys

CHILD = """
import sys
import numpy as np
import mx_mlir as mx
from mx_mlir import arrays
count, step, limit = map(int, sys.argv[1:4])
arrays.set_kernel_cache_limit(limit)
def resident_mib():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
mx.quantize(np.ones((2, 32), np.float32), "e4m3")
print(0, round(resident_mib(), 1), flush=True)
for i in range(1, count + 1):
    mx.quantize(np.ones((2, 32 * (i + 1)), np.float32), "e4m3")
    if i % step == 0:
        print(i, round(resident_mib(), 1), arrays.kernel_cache_size(), flush=True)
"""


def curve(count, step, limit):
    out = subprocess.run([sys.executable, "-c", CHILD, str(count), str(step), str(limit)],
                         capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    step = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    bounded, unbounded = curve(count, step, 64), curve(count, step, 10**9)
    print("| distinct kernels | RSS, cache of 64 (MiB) | kernels held | RSS, unbounded (MiB) | kernels held |")
    print("|---:|---:|---:|---:|---:|")
    for b, u in zip(bounded, unbounded):
        print(f"| {b[0]} | {b[1]} | {b[2] if len(b) > 2 else 1} | {u[1]} | {u[2] if len(u) > 2 else 1} |")


if __name__ == "__main__":
    main()

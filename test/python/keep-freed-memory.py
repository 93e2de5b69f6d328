# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
# UNSUPPORTED: sanitized
#
# mx_mlir.keep_freed_memory(): after a compiled call that frees a large
# temporary (the MX codes of a 4096 x 4096 quantize, about 17 MB), glibc
# keeps the freed memory in the heap for the next call instead of
# returning it to the kernel. Each case runs in a fresh process; the
# freed-and-kept bytes are the call's growth of glibc's mallinfo2().fordblks.

import ctypes
import subprocess
import sys

if len(sys.argv) > 1:
    import numpy as np

    import mx_mlir

    kept = mx_mlir.keep_freed_memory() if sys.argv[1] == "keep" else None

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = MallInfo2
    jit = mx_mlir.Module.parse("""
func.func @roundtrip(%x: tensor<4096x4096xf32>) -> tensor<4096x4096xf32> {
  %q = mx.quantize %x : tensor<4096x4096xf32> -> !mx.tensor<4096x4096xf8E4M3FN, block = [1, 32]>
  %y = mx.dequantize %q : !mx.tensor<4096x4096xf8E4M3FN, block = [1, 32]> -> tensor<4096x4096xf32>
  return %y : tensor<4096x4096xf32>
}""").compile()
    x = np.ones((4096, 4096), np.float32)
    before = mallinfo2().fordblks
    y = jit.invoke("roundtrip", x)
    free_mib = (mallinfo2().fordblks - before) / 2**20
    print(f"{sys.argv[1]}: settings taken {kept}, result {float(y[0, 0])}, "
          f"freed memory kept >= 16 MiB: {free_mib >= 16}")
    sys.exit(0)

for mode in ("default", "keep"):
    print(subprocess.run([sys.executable, __file__, mode], capture_output=True, text=True,
                         check=True).stdout.strip())
# CHECK: default: settings taken None, result 1.0, freed memory kept >= 16 MiB: False
# CHECK: keep: settings taken True, result 1.0, freed memory kept >= 16 MiB: True

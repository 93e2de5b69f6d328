# RUN: env PYTHONPATH=%mx_python_packages %python %s | FileCheck %s
#
# Element tensors of every format, FP4 and FP6 (sub-byte types) above all,
# crossing memory: function
# arguments to mx.pack, mx.unpack results returned, one element per byte as
# callers store them. Vectorized code would load and store them bit-packed;
# the pipeline keeps ops on them scalar, so they round-trip exactly.

import numpy as np

import mx_mlir
from mx_mlir.arrays import ELEMENT_TYPES

x = np.random.default_rng(0).standard_normal((4, 64)).astype(np.float32)
for fmt in mx_mlir.FORMATS:
    ty = ELEMENT_TYPES[fmt]
    q_type = f"!mx.tensor<4x64x{ty}, block = [1, 32]>"
    module = mx_mlir.Module.parse(f"""
func.func @roundtrip(%e: tensor<4x64x{ty}>, %s: tensor<4x2xf8E8M0FNU>) -> (tensor<4x64xf32>, tensor<4x64x{ty}>) {{
  %q = mx.pack %e, %s : tensor<4x64x{ty}>, tensor<4x2xf8E8M0FNU> -> {q_type}
  %d = mx.dequantize %q : {q_type} -> tensor<4x64xf32>
  %q2 = mx.quantize %d : tensor<4x64xf32> -> {q_type}
  %e2, %s2 = mx.unpack %q2 : {q_type} -> tensor<4x64x{ty}>, tensor<4x2xf8E8M0FNU>
  return %d, %e2 : tensor<4x64xf32>, tensor<4x64x{ty}>
}}""")
    q = mx_mlir.quantize(x, fmt)
    codes_in = q.element_codes()
    if fmt == "int8":  # tensor<...xi8>: NumPy's int8, the same bytes
        codes_in = codes_in.view(np.int8)
    values, codes = module.compile().invoke("roundtrip", codes_in, q.scales)
    print(fmt, "values exact:", np.array_equal(values, mx_mlir.dequantize(q)),
          "codes exact:", np.array_equal(codes.view(np.uint8), q.element_codes()))
# CHECK: e4m3 values exact: True codes exact: True
# CHECK: e5m2 values exact: True codes exact: True
# CHECK: e3m2 values exact: True codes exact: True
# CHECK: e2m3 values exact: True codes exact: True
# CHECK: e2m1 values exact: True codes exact: True
# CHECK: int8 values exact: True codes exact: True

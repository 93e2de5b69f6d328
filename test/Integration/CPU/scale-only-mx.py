# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s | FileCheck %s
#
# The MX rules of -mx-propagate-scales keep the numerics: compiled with and
# without the pass, on random and edge blocks of every format,
#   - x * 8 and x / 0.25 of a dequantized tensor, re-quantized (mx.ldexp),
#   - the transpose of a 2-D-blocked tensor, re-quantized (mx.transpose),
#   - neg and abs, re-quantized to the same type (kept block scales),
# give the same codes and scales bit for bit (for mx.ldexp: the same values
# bit for bit; an all-zero block's scale differs, both encode zeros); ReLU keeps the input's scales
# and its values are max(x, 0) of the input's, exactly. The edge rows leave
# out f32-max and subnormal blocks: the pass also rescales the dequantized
# f32 tensors per tensor, exact only while a tensor's nonzero magnitudes
# span less than f32's 2^277 (never in practice, always in those rows), and
# a power-of-two multiply that pushes a block's scale out of E8M0's range
# gives the NaN scale (mx.ldexp) where the f32 program would saturate.

import numpy as np

import mx_mlir
from mx_test_data import edge_tensor, random_tensor, same_bits

FORMATS = {"e4m3": "f8E4M3FN", "e5m2": "f8E5M2", "e3m2": "f6E3M2FN",
           "e2m3": "f6E2M3FN", "e2m1": "f4E2M1FN", "int8": "i8"}
rng = np.random.default_rng(5)
ctx = mx_mlir.Context()
# Scalar code: the rules are about values, and it compiles faster.
PIPELINE = "mx-cpu-pipeline{vectorize=false}"


def program(element):
    t = f"!mx.tensor<64x64x{element}, block = [1, 32]>"
    t2 = f"!mx.tensor<64x64x{element}, block = [32, 32]>"
    f = "tensor<64x64xf32>"
    return f"""
func.func @rules(%x: {f}) -> ({t}, {t}, {t2}, {t}, {t}, {t}) {{
  %q = mx.quantize %x : {f} -> {t}
  %d = mx.dequantize %q : {t} -> {f}
  %eight = arith.constant dense<8.0> : {f}
  %four = arith.constant dense<0.25> : {f}
  %zero = arith.constant dense<0.0> : {f}
  %m = arith.mulf %d, %eight : {f}
  %v = arith.divf %d, %four : {f}
  %qm = mx.quantize %m : {f} -> {t}
  %qv = mx.quantize %v : {f} -> {t}
  %q2 = mx.quantize %x : {f} -> {t2}
  %d2 = mx.dequantize %q2 : {t2} -> {f}
  %e = tensor.empty() : {f}
  %tr = linalg.transpose ins(%d2 : {f}) outs(%e : {f}) permutation = [1, 0]
  %qt = mx.quantize %tr : {f} -> {t2}
  %n = arith.negf %d : {f}
  %a = math.absf %d : {f}
  %r = arith.maximumf %d, %zero : {f}
  %qn = mx.quantize %n : {f} -> {t}
  %qa = mx.quantize %a : {f} -> {t}
  %qr = mx.quantize %r : {f} -> {t}
  return %qm, %qv, %qt, %qn, %qa, %qr : {t}, {t}, {t2}, {t}, {t}, {t}
}}"""


compared = differing = relu_bad = 0
for fmt, element in FORMATS.items():
    x = random_tensor(rng, (64, 64))
    edges = edge_tensor()
    x[:6, :32] = edges[[0, 1, 2, 5, 6, 7]]  # one edge block per row
    x = x.astype(np.float32)
    src = program(element)
    plain = mx_mlir.Module.parse(src, ctx).compile(PIPELINE).invoke("rules", x)
    module = mx_mlir.Module.parse(src, ctx)
    module.run_pipeline("builtin.module(func.func(mx-propagate-scales),canonicalize)")
    text = str(module)
    assert "mx.ldexp" in text and "mx.transpose" in text and "scales(" in text, text
    propagated = module.compile(PIPELINE).invoke("rules", x)
    for a, b in zip(plain[:2], propagated[:2]):
        va, vb = mx_mlir.dequantize(a), mx_mlir.dequantize(b)
        compared += va.size
        differing += int(np.count_nonzero(~same_bits(va, vb)))
    for a, b in zip(plain[2:5], propagated[2:5]):
        compared += a.elements.size + a.scales.size
        differing += int(np.count_nonzero(a.elements != b.elements))
        differing += int(np.count_nonzero(a.scales != b.scales))
    # ReLU: q's scales, values max(q, 0).
    q = mx_mlir.quantize(x, fmt)
    relu = propagated[5]
    relu_bad += int(np.count_nonzero(relu.scales != q.scales))
    want = np.maximum(mx_mlir.dequantize(q), 0.0)
    got = mx_mlir.dequantize(relu)
    relu_bad += int(np.count_nonzero(~((got == want) | (np.isnan(got) & np.isnan(want)))))

print(f"compared {compared} values and bytes: {differing} differ; ReLU: {relu_bad} mismatches")
# CHECK: compared {{[0-9]+}} values and bytes: 0 differ; ReLU: 0 mismatches

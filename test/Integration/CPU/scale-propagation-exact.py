# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s | FileCheck %s
#
# Scale propagation without a narrow cast (matmul-data=f32) changes no bit:
# every rule moves powers of two between data and scale, which is exact in
# f32, so the propagated program computes the same f32 values as the one
# written, rounding for rounding. One function uses every rule (mul, div,
# add, sub, max, ReLU, neg, abs, select, concat, transpose, broadcast,
# reshapes, slice, pad, matmul, matmul with transposing maps, matvec,
# batch_matmul, reduce sum and max, sqrt, rsqrt, tanh, exp, constants,
# fills, dynamic rescales of the arguments); inputs of magnitudes 1e-30 to
# 1e15 are compared bit for bit. (Where the written program overflows f32,
# e.g. x * y at 1e30, the scales overflow too, and a zero times an infinite
# scale is NaN where the written program has 0.)

import numpy as np

import mx_mlir
from mx_test_data import same_bits

SRC = """
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @rules(%x: tensor<8x64xf32>, %y: tensor<8x64xf32>, %w: tensor<64x16xf32>,
                 %v: tensor<16xf32>, %c: tensor<8x64xi1>) -> (tensor<8x16xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<8x16xf32>, tensor<16xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %k = arith.constant dense<0.375> : tensor<8x64xf32>
  %zeros = arith.constant dense<0.0> : tensor<8x64xf32>
  %m = arith.mulf %x, %y : tensor<8x64xf32>
  %d = arith.divf %m, %y : tensor<8x64xf32>
  %s = arith.addf %d, %k : tensor<8x64xf32>
  %t = arith.subf %s, %x : tensor<8x64xf32>
  %mx = arith.maximumf %t, %y : tensor<8x64xf32>
  %r = arith.maximumf %mx, %zeros : tensor<8x64xf32>
  %n = arith.negf %r : tensor<8x64xf32>
  %ab = math.absf %n : tensor<8x64xf32>
  %sel = arith.select %c, %ab, %x : tensor<8x64xi1>, tensor<8x64xf32>
  %sq = math.sqrt %ab : tensor<8x64xf32>
  %rs = math.rsqrt %ab : tensor<8x64xf32>
  %sum2 = arith.addf %sq, %rs : tensor<8x64xf32>
  %th = math.tanh %sel : tensor<8x64xf32>
  %mix = arith.mulf %th, %sum2 : tensor<8x64xf32>
  %e16 = tensor.empty() : tensor<8x16xf32>
  %z16 = linalg.fill ins(%zero : f32) outs(%e16 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %mm = linalg.matmul ins(%mix, %w : tensor<8x64xf32>, tensor<64x16xf32>) outs(%z16 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %wt_e = tensor.empty() : tensor<16x64xf32>
  %wt = linalg.transpose ins(%w : tensor<64x16xf32>) outs(%wt_e : tensor<16x64xf32>) permutation = [1, 0]
  %mt = linalg.matmul indexing_maps = [#a, #bt, #c] ins(%sel, %wt : tensor<8x64xf32>, tensor<16x64xf32>) outs(%z16 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %bv_e = tensor.empty() : tensor<8x16xf32>
  %bv = linalg.broadcast ins(%v : tensor<16xf32>) outs(%bv_e : tensor<8x16xf32>) dimensions = [0]
  %acc = arith.addf %mm, %mt : tensor<8x16xf32>
  %out = arith.addf %acc, %bv : tensor<8x16xf32>
  %e8 = tensor.empty() : tensor<8xf32>
  %z8 = linalg.fill ins(%zero : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
  %rowsum = linalg.reduce ins(%out : tensor<8x16xf32>) outs(%z8 : tensor<8xf32>) dimensions = [1]
    (%p: f32, %q: f32) { %u = arith.addf %p, %q : f32
                         linalg.yield %u : f32 }
  %i8 = linalg.fill ins(%ninf : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
  %rowmax = linalg.reduce ins(%out : tensor<8x16xf32>) outs(%i8 : tensor<8xf32>) dimensions = [1]
    (%p: f32, %q: f32) { %u = arith.maximumf %p, %q : f32
                         linalg.yield %u : f32 }
  %stats = arith.addf %rowsum, %rowmax : tensor<8xf32>
  %ex = math.exp %stats : tensor<8xf32>
  %ot_e = tensor.empty() : tensor<16x8xf32>
  %ot = linalg.transpose ins(%out : tensor<8x16xf32>) outs(%ot_e : tensor<16x8xf32>) permutation = [1, 0]
  %flat = tensor.collapse_shape %out [[0, 1]] : tensor<8x16xf32> into tensor<128xf32>
  %half = tensor.extract_slice %flat[0] [64] [1] : tensor<128xf32> to tensor<64xf32>
  %two = tensor.expand_shape %half [[0, 1]] output_shape [4, 16] : tensor<64xf32> into tensor<4x16xf32>
  %padded = tensor.pad %two low[2, 0] high[2, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<4x16xf32> to tensor<8x16xf32>
  %cat = tensor.concat dim(0) %padded, %v2 : (tensor<8x16xf32>, tensor<0x16xf32>) -> tensor<8x16xf32>
  %e16v = tensor.empty() : tensor<16xf32>
  %z16v = linalg.fill ins(%zero : f32) outs(%e16v : tensor<16xf32>) -> tensor<16xf32>
  %mv = linalg.vecmat ins(%ex, %cat : tensor<8xf32>, tensor<8x16xf32>) outs(%z16v : tensor<16xf32>) -> tensor<16xf32>
  return %out, %ex, %ot, %cat, %mv : tensor<8x16xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<8x16xf32>, tensor<16xf32>
}
"""
SRC = SRC.replace("%cat = tensor.concat dim(0) %padded, %v2 : (tensor<8x16xf32>, tensor<0x16xf32>) -> tensor<8x16xf32>",
                  "%cat = tensor.concat dim(0) %padded : (tensor<8x16xf32>) -> tensor<8x16xf32>")

rng = np.random.default_rng(9)
ctx = mx_mlir.Context()
PIPELINE = "mx-cpu-pipeline{vectorize=false}"
plain = mx_mlir.Module.parse(SRC, ctx).compile(PIPELINE)
module = mx_mlir.Module.parse(SRC, ctx)
module.run_pipeline("builtin.module(func.func(mx-propagate-scales{matmul-data=f32}),canonicalize)")
text = str(module)
assert text.count("mx.rescale") == 5 and "mx.scaled_cast" not in text, text
propagated = module.compile(PIPELINE)

compared = differing = 0
for magnitude in (1e-30, 1e-6, 1.0, 1e6, 1e15):
    x = (rng.standard_normal((8, 64)) * magnitude).astype(np.float32)
    y = (rng.standard_normal((8, 64)) * magnitude).astype(np.float32)
    w = (rng.standard_normal((64, 16)) / magnitude ** 0.5).astype(np.float32)
    v = (rng.standard_normal(16)).astype(np.float32)
    c = rng.integers(0, 2, (8, 64)).astype(np.bool_)
    for a, b in zip(plain.invoke("rules", x, y, w, v, c), propagated.invoke("rules", x, y, w, v, c)):
        compared += a.size
        differing += int(np.count_nonzero(~same_bits(a, b)))

print(f"compared {compared} values: {differing} differ")
# CHECK: compared 2040 values: 0 differ

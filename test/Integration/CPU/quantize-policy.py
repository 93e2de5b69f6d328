# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s | FileCheck %s
#
# mx-quantize-policy + mx-cpu-pipeline on f32 programs (matmul with a bias
# as init, transposed constant weights, a result laid out N x M, matvec,
# batch_matmul; weight-only
# with f32 activations; FP8 with f32 tile scales; Hadamard rotation), run,
# against the same MX products computed op by op with the array API
# (mx_mlir.quantize + mx_mlir.matmul, themselves checked against the
# reference): bit for bit, for every pair of formats.

import numpy as np

import mx_mlir
from mx_mlir.runner import dense_hex

rng = np.random.default_rng(21)
x = rng.standard_normal((8, 96)).astype(np.float32)
w = (rng.standard_normal((96, 16)) * 0.1).astype(np.float32)
wt = (rng.standard_normal((16, 96)) * 0.1).astype(np.float32)  # N x K
bias = rng.standard_normal((8, 16)).astype(np.float32)
a3 = rng.standard_normal((3, 4, 64)).astype(np.float32)
b3 = rng.standard_normal((3, 64, 8)).astype(np.float32)
v = rng.standard_normal(96).astype(np.float32)

program = f"""
#id = affine_map<(m, n, k) -> (m, k)>
#t = affine_map<(m, n, k) -> (n, k)>
#o = affine_map<(m, n, k) -> (m, n)>
#w = affine_map<(m, n, k) -> (k, n)>
#nm = affine_map<(m, n, k) -> (n, m)>
func.func @layers(%x: tensor<8x96xf32>, %v: tensor<96xf32>, %a: tensor<3x4x64xf32>, %b: tensor<3x64x8xf32>)
    -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<3x4x8xf32>, tensor<16x8xf32>) {{
  %w = arith.constant {dense_hex(w)} : tensor<96x16xf32>
  %wt = arith.constant {dense_hex(wt)} : tensor<16x96xf32>
  %bias = arith.constant {dense_hex(bias)} : tensor<8x16xf32>
  %zero = arith.constant 0.0 : f32
  %e16 = tensor.empty() : tensor<16xf32>
  %z16 = linalg.fill ins(%zero : f32) outs(%e16 : tensor<16xf32>) -> tensor<16xf32>
  %e3 = tensor.empty() : tensor<3x4x8xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<3x4x8xf32>) -> tensor<3x4x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<8x96xf32>, tensor<96x16xf32>) outs(%bias : tensor<8x16xf32>) -> tensor<8x16xf32>
  %yt = linalg.matmul indexing_maps = [#id, #t, #o] ins(%x, %wt : tensor<8x96xf32>, tensor<16x96xf32>) outs(%bias : tensor<8x16xf32>) -> tensor<8x16xf32>
  %e168 = tensor.empty() : tensor<16x8xf32>
  %z168 = linalg.fill ins(%zero : f32) outs(%e168 : tensor<16x8xf32>) -> tensor<16x8xf32>
  %ynm = linalg.matmul indexing_maps = [#id, #w, #nm] ins(%x, %w : tensor<8x96xf32>, tensor<96x16xf32>) outs(%z168 : tensor<16x8xf32>) -> tensor<16x8xf32>
  %mv = linalg.matvec ins(%wt, %v : tensor<16x96xf32>, tensor<96xf32>) outs(%z16 : tensor<16xf32>) -> tensor<16xf32>
  %bm = linalg.batch_matmul ins(%a, %b : tensor<3x4x64xf32>, tensor<3x64x8xf32>) outs(%z3 : tensor<3x4x8xf32>) -> tensor<3x4x8xf32>
  return %y, %yt, %mv, %bm, %ynm : tensor<8x16xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<3x4x8xf32>, tensor<16x8xf32>
}}"""


def mx_product(a, b, fa, fb, tiles=None, weight=(False, False), hadamard=None):
    """The array API's product; a format of None keeps that operand f32.
    With `tiles` (a block size: FP8 with f32 scales) a weight operand has
    square blocks, an activation 1-D ones."""
    def quantize(m, fmt, axis, is_weight):
        if fmt is None:
            return m
        if tiles is None:
            return mx_mlir.quantize(m, fmt, axis=axis)
        block = (tiles, tiles) if is_weight else ((1, tiles) if axis == 1 else (tiles, 1))
        return mx_mlir.quantize(m, fmt, block=block, scale="f32")
    if hadamard is not None and a.shape[1] % 16 == 0:
        a = mx_mlir.hadamard(a, axis=1, seed=hadamard)
        b = mx_mlir.hadamard(b, axis=0, seed=hadamard)
    qa = quantize(a, fa, 1, weight[0])
    qb = quantize(b, fb, 0, weight[1])
    if fa is None and fb is None:
        return None
    return mx_mlir.matmul(qa, qb)


mismatches = 0
pairs = [("e4m3", "e4m3"), ("e4m3", "e2m1"), ("e5m2", "e3m2"), ("e2m3", "e2m3"), ("int8", "int8"),
         (None, "e2m1"), ("mx9", "mx4"), (None, "mx6"), ("e5m2", "e4m3", 32), (None, "e4m3", 32),
         ("e4m3", "e2m1", None, 9)]
for activations, weights, *extra in pairs:
    tiles, hadamard = (extra + [None, None])[:2]
    module = mx_mlir.Module.parse(program)
    options = f" scales=f32 block-size={tiles}" if tiles else ""
    options += f" hadamard=true hadamard-seed={hadamard}" if hadamard is not None else ""
    module.run_pipeline(f"mx-quantize-policy{{weights={weights} "
                        f"activations={activations or 'none'}{options}}}")
    text = str(module)
    assert "linalg.matmul" not in text and "linalg.matvec" not in text
    assert ("batch_matmul" in text) == (activations is None)
    y, yt, mv, bm, ynm = module.compile().invoke("layers", x, v, a3, b3)
    if activations is None:  # both batch_matmul operands are activations: it stays f32
        bm = np.zeros_like(bm)
    wb = dict(tiles=tiles, weight=(False, True), hadamard=hadamard)
    wa = dict(tiles=tiles, weight=(True, False), hadamard=hadamard)
    want = [
        bias + mx_product(x, w, activations, weights, **wb),
        bias + mx_product(x, np.ascontiguousarray(wt.T), activations, weights, **wb),
        mx_product(np.ascontiguousarray(wt), v.reshape(96, 1), weights, activations,
                   **wa).reshape(16),
        np.stack([mx_product(a3[i], b3[i], activations, activations, tiles, hadamard=hadamard)
                  for i in range(3)])
        if activations else np.zeros((3, 4, 8), np.float32),
        # C[n, m] = sum_k w[k, n] x[m, k]: the operands swapped.
        mx_product(np.ascontiguousarray(w.T), np.ascontiguousarray(x.T), weights, activations,
                   **wa),
    ]
    bad = sum(int(np.sum(got.view(np.uint32) != exp.view(np.uint32)))
              for got, exp in zip((y, yt, mv, bm, ynm), want))
    how = " tiles" if tiles else " hadamard" if hadamard is not None else ""
    print(f"activations={activations} weights={weights}{how}: {bad} mismatches")
    mismatches += bad
# CHECK: activations=e4m3 weights=e4m3: 0 mismatches
# CHECK: activations=e4m3 weights=e2m1: 0 mismatches
# CHECK: activations=e5m2 weights=e3m2: 0 mismatches
# CHECK: activations=e2m3 weights=e2m3: 0 mismatches
# CHECK: activations=int8 weights=int8: 0 mismatches
# CHECK: activations=None weights=e2m1: 0 mismatches
# CHECK: activations=mx9 weights=mx4: 0 mismatches
# CHECK: activations=None weights=mx6: 0 mismatches
# CHECK: activations=e5m2 weights=e4m3 tiles: 0 mismatches
# CHECK: activations=None weights=e4m3 tiles: 0 mismatches
# CHECK: activations=e4m3 weights=e2m1 hadamard: 0 mismatches

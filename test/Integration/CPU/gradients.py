# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
#
# mx-generate-gradients checked against central finite differences in f64:
# one loss per op family (each rule of the pass), every element of every
# differentiated argument. The loss is sum(out * R) with a fixed random R,
# so every output element's adjoint differs. The f64 forward and gradient
# functions are compiled by the same pipeline and run in the same JIT.

import numpy as np

from mx_mlir import Context, Module

rng = np.random.default_rng(7)


def weighted_sum(value, shape):
    """MLIR lines: %loss = sum(value * %weights) for a tensor<shape x f64>."""
    t = f"tensor<{shape}xf64>"
    rank = shape.count("x") + 1
    return f"""
  %prod = arith.mulf {value}, %weights : {t}
  %zero_s = arith.constant 0.0 : f64
  %e_s = tensor.empty() : tensor<f64>
  %init_s = linalg.fill ins(%zero_s : f64) outs(%e_s : tensor<f64>) -> tensor<f64>
  %loss = linalg.reduce ins(%prod : {t}) outs(%init_s : tensor<f64>) dimensions = {list(range(rank))}
    (%in: f64, %acc: f64) {{
      %sum = arith.addf %in, %acc : f64
      linalg.yield %sum : f64
    }}
  return %loss : tensor<f64>"""


# name -> (argument types, output shape, body, argument generators)
CASES = {}


def case(name, args, out_shape, body, makers=None):
    CASES[name] = (args, out_shape, body, makers or {})


normal = lambda shape: rng.standard_normal(shape)  # noqa: E731
positive = lambda shape: rng.uniform(0.5, 2.0, shape)  # noqa: E731

case("matmul", ["3x4", "4x5"], "3x5", """
  %z0 = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<3x5xf64>
  %f = linalg.fill ins(%z0 : f64) outs(%e : tensor<3x5xf64>) -> tensor<3x5xf64>
  %out = linalg.matmul ins(%a0, %a1 : tensor<3x4xf64>, tensor<4x5xf64>) outs(%f : tensor<3x5xf64>) -> tensor<3x5xf64>""")
# A transposed-B matmul (x @ w.T, as torch's Linear) with a nonzero init.
case("matmul_transpose_b", ["3x4", "5x4", "3x5"], "3x5", """
  %out = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a0, %a1 : tensor<3x4xf64>, tensor<5x4xf64>) outs(%a2 : tensor<3x5xf64>) -> tensor<3x5xf64>""")
case("batch_matmul", ["2x3x4", "2x4x5"], "2x3x5", """
  %z0 = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<2x3x5xf64>
  %f = linalg.fill ins(%z0 : f64) outs(%e : tensor<2x3x5xf64>) -> tensor<2x3x5xf64>
  %out = linalg.batch_matmul ins(%a0, %a1 : tensor<2x3x4xf64>, tensor<2x4x5xf64>) outs(%f : tensor<2x3x5xf64>) -> tensor<2x3x5xf64>""")
case("matvec", ["3x4", "4"], "3", """
  %z0 = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<3xf64>
  %f = linalg.fill ins(%z0 : f64) outs(%e : tensor<3xf64>) -> tensor<3xf64>
  %out = linalg.matvec ins(%a0, %a1 : tensor<3x4xf64>, tensor<4xf64>) outs(%f : tensor<3xf64>) -> tensor<3xf64>""")
case("arith", ["3x4", "3x4"], "3x4", """
  %s = arith.addf %a0, %a1 : tensor<3x4xf64>
  %d = arith.subf %s, %a1 : tensor<3x4xf64>
  %m = arith.mulf %d, %a1 : tensor<3x4xf64>
  %q = arith.divf %m, %a0 : tensor<3x4xf64>
  %n = arith.negf %q : tensor<3x4xf64>
  %hi = arith.maximumf %n, %a0 : tensor<3x4xf64>
  %lo = arith.minimumf %hi, %a1 : tensor<3x4xf64>
  %c = arith.cmpf ogt, %a0, %a1 : tensor<3x4xf64>
  %out = arith.select %c, %lo, %m : tensor<3x4xi1>, tensor<3x4xf64>""",
     {0: positive, 1: positive})
case("math", ["3x4", "3x4"], "3x4", """
  %e = math.exp %a0 : tensor<3x4xf64>
  %l = math.log %a1 : tensor<3x4xf64>
  %t = math.tanh %l : tensor<3x4xf64>
  %s = math.sqrt %a1 : tensor<3x4xf64>
  %r = math.rsqrt %a0 : tensor<3x4xf64>
  %f = math.erf %t : tensor<3x4xf64>
  %p = math.powf %a1, %a0 : tensor<3x4xf64>
  %sn = math.sin %s : tensor<3x4xf64>
  %cs = math.cos %r : tensor<3x4xf64>
  %neg = arith.subf %t, %e : tensor<3x4xf64>
  %ab = math.absf %neg : tensor<3x4xf64>
  %x1 = arith.addf %e, %f : tensor<3x4xf64>
  %x2 = arith.addf %x1, %p : tensor<3x4xf64>
  %x3 = arith.addf %x2, %sn : tensor<3x4xf64>
  %x4 = arith.addf %x3, %cs : tensor<3x4xf64>
  %out = arith.addf %x4, %ab : tensor<3x4xf64>""", {0: positive, 1: positive})
# GELU (tanh form) of x + bias as one generic, the bias broadcast by its map.
case("generic_broadcast", ["3x4", "4"], "3x4", """
  %e = tensor.empty() : tensor<3x4xf64>
  %out = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%a0, %a1 : tensor<3x4xf64>, tensor<4xf64>) outs(%e : tensor<3x4xf64>) {
    ^bb0(%x: f64, %b: f64, %o: f64):
      %v = arith.addf %x, %b : f64
      %half = arith.constant 0.5 : f64
      %one = arith.constant 1.0 : f64
      %k = arith.constant 0.7978845608028654 : f64
      %c = arith.constant 0.044715 : f64
      %v3 = arith.mulf %v, %v : f64
      %v4 = arith.mulf %v3, %v : f64
      %w = arith.mulf %v4, %c : f64
      %u = arith.addf %v, %w : f64
      %ku = arith.mulf %u, %k : f64
      %th = math.tanh %ku : f64
      %g = arith.addf %th, %one : f64
      %hv = arith.mulf %v, %half : f64
      %y = arith.mulf %hv, %g : f64
      linalg.yield %y : f64
  } -> tensor<3x4xf64>""")
case("broadcast_transpose", ["4", "4x3"], "3x4", """
  %e = tensor.empty() : tensor<3x4xf64>
  %b = linalg.broadcast ins(%a0 : tensor<4xf64>) outs(%e : tensor<3x4xf64>) dimensions = [0]
  %t = linalg.transpose ins(%a1 : tensor<4x3xf64>) outs(%e : tensor<3x4xf64>) permutation = [1, 0]
  %out = arith.mulf %b, %t : tensor<3x4xf64>""")
# Log-softmax over rows by hand: reduce max, subtract, exp, reduce sum, log.
case("reduce_max_sum", ["3x4"], "3x4", """
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %z0 = arith.constant 0.0 : f64
  %e3 = tensor.empty() : tensor<3xf64>
  %mi = linalg.fill ins(%ninf : f64) outs(%e3 : tensor<3xf64>) -> tensor<3xf64>
  %mx = linalg.reduce ins(%a0 : tensor<3x4xf64>) outs(%mi : tensor<3xf64>) dimensions = [1]
    (%in: f64, %acc: f64) { %m = arith.maximumf %in, %acc : f64
      linalg.yield %m : f64 }
  %e = tensor.empty() : tensor<3x4xf64>
  %mb = linalg.broadcast ins(%mx : tensor<3xf64>) outs(%e : tensor<3x4xf64>) dimensions = [1]
  %sh = arith.subf %a0, %mb : tensor<3x4xf64>
  %ex = math.exp %sh : tensor<3x4xf64>
  %si = linalg.fill ins(%z0 : f64) outs(%e3 : tensor<3xf64>) -> tensor<3xf64>
  %sm = linalg.reduce ins(%ex : tensor<3x4xf64>) outs(%si : tensor<3xf64>) dimensions = [1]
    (%in: f64, %acc: f64) { %s = arith.addf %in, %acc : f64
      linalg.yield %s : f64 }
  %lg = math.log %sm : tensor<3xf64>
  %lb = linalg.broadcast ins(%lg : tensor<3xf64>) outs(%e : tensor<3x4xf64>) dimensions = [1]
  %out = arith.subf %sh, %lb : tensor<3x4xf64>""")
# The max alone (the gradient goes to each row's maximum), times the input.
case("reduce_max", ["3x4"], "3", """
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %e3 = tensor.empty() : tensor<3xf64>
  %mi = linalg.fill ins(%ninf : f64) outs(%e3 : tensor<3xf64>) -> tensor<3xf64>
  %out = linalg.reduce ins(%a0 : tensor<3x4xf64>) outs(%mi : tensor<3xf64>) dimensions = [1]
    (%in: f64, %acc: f64) { %m = arith.maximumf %in, %acc : f64
      linalg.yield %m : f64 }""")
case("softmax", ["3x4"], "3x4", """
  %e = tensor.empty() : tensor<3x4xf64>
  %out = linalg.softmax dimension(1) ins(%a0 : tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>""")
case("reshape_slice", ["3x4", "2x2"], "4x3", """
  %flat = tensor.collapse_shape %a0 [[0, 1]] : tensor<3x4xf64> into tensor<12xf64>
  %back = tensor.expand_shape %flat [[0, 1]] output_shape [4, 3] : tensor<12xf64> into tensor<4x3xf64>
  %part = tensor.extract_slice %back[1, 0] [2, 2] [1, 1] : tensor<4x3xf64> to tensor<2x2xf64>
  %sq = arith.mulf %part, %a1 : tensor<2x2xf64>
  %out = tensor.insert_slice %sq into %back[2, 1] [2, 2] [1, 1] : tensor<2x2xf64> into tensor<4x3xf64>""")
case("concat_extract", ["2x3", "1x3"], "3x3", """
  %cat = tensor.concat dim(0) %a0, %a1 : (tensor<2x3xf64>, tensor<1x3xf64>) -> tensor<3x3xf64>
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %v = tensor.extract %a0[%c0, %c2] : tensor<2x3xf64>
  %u = tensor.extract %a1[%c0, %c0] : tensor<1x3xf64>
  %e = tensor.empty() : tensor<3x3xf64>
  %f = linalg.fill ins(%v : f64) outs(%e : tensor<3x3xf64>) -> tensor<3x3xf64>
  %g = tensor.from_elements %u, %v, %u, %v, %v, %u, %u, %u, %v : tensor<3x3xf64>
  %h = arith.mulf %f, %g : tensor<3x3xf64>
  %out = arith.mulf %cat, %h : tensor<3x3xf64>""")


# exp2, log2, log1p, fma, maxnumf/minnumf, tensor.insert and tensor.cast,
# linalg.map, linalg.vecmat and a fill of a differentiated scalar.
case("more_ops", ["4", "4", "4x3"], "3", """
  %p2 = math.exp2 %a0 : tensor<4xf64>
  %l2 = math.log2 %a1 : tensor<4xf64>
  %l1 = math.log1p %a1 : tensor<4xf64>
  %f = math.fma %p2, %l2, %l1 : tensor<4xf64>
  %hi = arith.maxnumf %f, %a0 : tensor<4xf64>
  %lo = arith.minnumf %hi, %a1 : tensor<4xf64>
  %c1 = arith.constant 1 : index
  %s = tensor.extract %a0[%c1] : tensor<4xf64>
  %ins = tensor.insert %s into %lo[%c1] : tensor<4xf64>
  %dyn = tensor.cast %ins : tensor<4xf64> to tensor<?xf64>
  %back = tensor.cast %dyn : tensor<?xf64> to tensor<4xf64>
  %e4 = tensor.empty() : tensor<4xf64>
  %sq = linalg.map { arith.mulf } ins(%back, %back : tensor<4xf64>, tensor<4xf64>) outs(%e4 : tensor<4xf64>)
  %e3 = tensor.empty() : tensor<3xf64>
  %fill = linalg.fill ins(%s : f64) outs(%e3 : tensor<3xf64>) -> tensor<3xf64>
  %out = linalg.vecmat ins(%sq, %a2 : tensor<4xf64>, tensor<4x3xf64>) outs(%fill : tensor<3xf64>) -> tensor<3xf64>""",
     {0: positive, 1: positive})


# An embedding: rows of a 5 x 3 table gathered by 4 ids (one repeated, so
# two gradients add into one row), a row scale applied in the same body.
case("gather", ["5x3", "idx:4", "4"], "4x3", """
  %e = tensor.empty() : tensor<4x3xf64>
  %out = linalg.generic {indexing_maps = [affine_map<(t, j) -> (t)>, affine_map<(t, j) -> (t)>, affine_map<(t, j) -> (t, j)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%a1, %a2 : tensor<4xindex>, tensor<4xf64>) outs(%e : tensor<4x3xf64>) {
    ^bb0(%id: index, %s: f64, %o: f64):
      %j = linalg.index 1 : index
      %v = tensor.extract %a0[%id, %j] : tensor<5x3xf64>
      %y = arith.mulf %v, %s : f64
      linalg.yield %y : f64
  } -> tensor<4x3xf64>""", {1: lambda shape: np.array([3, 0, 3, 1])})


def function_text(name, args, out_shape, body):
    params = ", ".join(f"%a{i}: tensor<{s[4:]}xindex>" if s.startswith("idx:")
                       else f"%a{i}: tensor<{s}xf64> {{mx.wrt}}" for i, s in enumerate(args))
    return (f"func.func @{name}({params}, %weights: tensor<{out_shape}xf64>) -> tensor<f64> {{"
            + body + weighted_sum("%out", out_shape) + "\n}\n")


text = "".join(function_text(name, *spec[:3]) for name, spec in CASES.items())
module = Module.parse(text, Context())
module.run_pipeline("mx-generate-gradients")
jit = module.compile()

for name, (args, out_shape, body, makers) in CASES.items():
    shape = lambda s: tuple(int(d) for d in s.removeprefix("idx:").split("x"))  # noqa: E731
    inputs = [makers.get(i, normal)(shape(s)) for i, s in enumerate(args)]
    weights = normal(shape(out_shape))
    loss, *grads = jit.invoke(f"{name}_grad", *inputs, weights)
    same_loss = float(loss) == float(jit.invoke(name, *inputs, weights))
    worst, h = 0.0, 1e-6
    for i, x in enumerate(inputs):
        if x.dtype != np.float64:  # ids: not differentiated
            grads.insert(i, None)
            continue
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up, down = [a.copy() for a in inputs], [a.copy() for a in inputs]
            up[i][idx] += h
            down[i][idx] -= h
            numeric[idx] = (float(jit.invoke(name, *up, weights))
                            - float(jit.invoke(name, *down, weights))) / (2 * h)
        scale = max(1.0, float(np.abs(numeric).max()))
        worst = max(worst, float(np.abs(grads[i] - numeric).max()) / scale)
    print(f"{name}: loss {'same' if same_loss else 'DIFFERENT'}, "
          f"{'ok' if worst < 1e-6 else 'MISMATCH'} ({worst:.1e})")

# CHECK: matmul: loss same, ok
# CHECK: matmul_transpose_b: loss same, ok
# CHECK: batch_matmul: loss same, ok
# CHECK: matvec: loss same, ok
# CHECK: arith: loss same, ok
# CHECK: math: loss same, ok
# CHECK: generic_broadcast: loss same, ok
# CHECK: broadcast_transpose: loss same, ok
# CHECK: reduce_max_sum: loss same, ok
# CHECK: reduce_max: loss same, ok
# CHECK: softmax: loss same, ok
# CHECK: reshape_slice: loss same, ok
# CHECK: concat_extract: loss same, ok
# CHECK: more_ops: loss same, ok
# CHECK: gather: loss same, ok

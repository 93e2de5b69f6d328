# RUN: env PYTHONPATH=%mx_python_packages %python %s %t.mlir 2>&1 | FileCheck %s
#
# mx_mlir.training: a Trainer from text or a file, its errors, and state
# that round-trips (a restored trainer continues exactly).

import sys

import numpy as np

from mx_mlir import MLIRError
from mx_mlir.training import Trainer, from_bf16, to_bf16

LOSS = """
func.func @loss(%x: tensor<4x32xf32>, %w: tensor<32x2xf32> {mx.wrt, mx.weight}) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %sq = arith.mulf %y, %y : tensor<4x2xf32>
  %s0 = tensor.empty() : tensor<f32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%sq : tensor<4x2xf32>) outs(%s1 : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}
"""
with open(sys.argv[1], "w") as handle:
    handle.write(LOSS)
rng = np.random.default_rng(0)
x = rng.standard_normal((4, 32)).astype(np.float32)
w = rng.standard_normal((32, 2)).astype(np.float32)


def error(call):
    try:
        call()
    except (MLIRError, ValueError, TypeError) as e:
        print(type(e).__name__ + ":", str(e).splitlines()[0])


# loss = |x w|^2: its gradient step is w - lr * 2 x^T x w.
trainer = Trainer(sys.argv[1], [w], recipe=None, optimizer="sgd", momentum=0.0)
loss = trainer.step(x, lr=0.01)
expected = w - 0.01 * 2 * x.T @ (x @ w)
print("loss", np.isclose(loss, float(np.sum((x @ w) ** 2)), rtol=1e-5),
      "update", np.allclose(trainer.parameters()[0], expected, rtol=1e-4, atol=1e-5))
# CHECK: loss True update True

saved = trainer.state()
a = trainer.step(x, lr=0.01)
restored = Trainer(LOSS, [w], optimizer="sgd", momentum=0.0)
restored.load_state(saved)
print("restored continues exactly:", a == restored.step(x, lr=0.01)
      and np.array_equal(trainer.params[0], restored.params[0]))
# CHECK: restored continues exactly: True

mx = Trainer(LOSS, [w], recipe="mxfp8", master="bf16")
print("mxfp8 + bf16 master:", mx.params[0].dtype, "mx.matmul" in mx.ir, np.isfinite(mx.step(x, lr=0.01)))
# CHECK: mxfp8 + bf16 master: uint16 True True
# fp8-tensor with delayed scaling: the amax histories are state too.
fp8 = Trainer(LOSS, [w], recipe="fp8-tensor", recipe_options="fp8-scaling=delayed amax-history=3")
fp8.step(x, lr=0.01)
saved = fp8.state()
a = fp8.step(x, lr=0.01)
again = Trainer(LOSS, [w], recipe="fp8-tensor", recipe_options="fp8-scaling=delayed amax-history=3")
again.load_state(saved)
print("fp8-tensor delayed:", len(saved["amax_histories"]), "histories of", saved["amax_histories"][0].shape,
      "| restored continues exactly:", a == again.step(x, lr=0.01)
      and all(np.array_equal(p, q) for p, q in zip(fp8.amax_histories, again.amax_histories)))
# CHECK: fp8-tensor delayed: 4 histories of (3,) | restored continues exactly: True
bits = to_bf16(np.array([1.0, 1.00390625, 1.01171875, -2.5, np.inf], np.float32))
print("bf16:", from_bf16(bits).tolist())
# CHECK: bf16: [1.0, 1.0, 1.015625, -2.5, inf]

error(lambda: Trainer(LOSS, [w], recipe="mxfp3"))
# CHECK: ValueError: mx_mlir.training: unknown recipe 'mxfp3' (have: mxfp8, mxfp8-hybrid, mxfp6, mxfp4-weights, fp8-tensor, or None for f32)
error(lambda: Trainer(LOSS, [w, w]))
# CHECK: ValueError: mx_mlir.training: loss_step has 1 parameters, got 2
error(lambda: Trainer(LOSS, [w], optimizer="lion"))
# CHECK: MLIRError: mx_mlir: invalid pass pipeline
error(lambda: trainer.step(x, x, lr=0.1))
# CHECK: TypeError: loss_step takes 1 data arguments, got 2

"""A small MLP on the handwritten digits of Debian's python3-sklearn
(1,797 8x8 images, 64 pixels of 0..16): the model of the main demo and of
its accuracy test.

- `load_digits(path)`: (train_x, train_y, test_x, test_y), a fixed split;
- `load_weights()`: the trained f32 weights committed beside this file
  (train.py makes them);
- `f32_program(weights, batch)`: the model as f32 linalg on tensors, one
  function `@mlp(%x: tensor<batch x 64 x f32>) -> tensor<batch x 10 x f32>`
  with the weights as constants: what a framework importer would emit;
- `mx_reference(weights, x, fmt)`: the same model in NumPy with every
  matmul as MX semantics (mx_mlir.reference), to check the compiled one.
"""

import gzip
import os

import numpy as np

from mx_mlir import reference
from mx_mlir.runner import dense_hex

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = os.path.join(HERE, "weights.npz")
LAYERS = ((64, 128), (128, 128), (128, 10))
TEST_SIZE = 450


def load_digits(path):
    with gzip.open(path, "rt") as handle:
        data = np.loadtxt(handle, delimiter=",", dtype=np.float32)
    images, labels = data[:, :64] / np.float32(16.0), data[:, 64].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(labels))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return images[train], labels[train], images[test], labels[test]


def load_weights(path=WEIGHTS):
    with np.load(path) as archive:
        return [(archive[f"w{i}"], archive[f"b{i}"]) for i in range(len(LAYERS))]


def f32_program(weights, batch):
    """The model as an f32 linalg function (a matmul with a zero init, a
    broadcast bias add and a relu per hidden layer)."""
    lines = [f"func.func @mlp(%x: tensor<{batch}x64xf32>) -> tensor<{batch}x10xf32> {{",
             "  %zero = arith.constant 0.0 : f32"]
    value = "%x"
    for i, (w, b) in enumerate(weights):
        k, n = w.shape
        out = f"tensor<{batch}x{n}xf32>"
        lines += [
            f"  %w{i} = arith.constant {dense_hex(w)} : tensor<{k}x{n}xf32>",
            f"  %b{i} = arith.constant {dense_hex(b)} : tensor<{n}xf32>",
            f"  %e{i} = tensor.empty() : {out}",
            f"  %z{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {out}) -> {out}",
            f"  %m{i} = linalg.matmul ins({value}, %w{i} : tensor<{batch}x{k}xf32>, "
            f"tensor<{k}x{n}xf32>) outs(%z{i} : {out}) -> {out}",
            f"  %bb{i} = linalg.broadcast ins(%b{i} : tensor<{n}xf32>) outs(%e{i} : {out}) "
            "dimensions = [0]",
            f"  %y{i} = arith.addf %m{i}, %bb{i} : {out}",
        ]
        value = f"%y{i}"
        if i + 1 < len(weights):
            lines += [f"  %zs{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {out}) -> {out}",
                      f"  %r{i} = arith.maximumf %y{i}, %zs{i} : {out}"]
            value = f"%r{i}"
    lines += [f"  return {value} : tensor<{batch}x10xf32>", "}"]
    return "\n".join(lines)


def mx_matmul_reference(x, w, activations, weights_format):
    """MX matmul semantics in float64: both operands quantized along K with
    blocks of 32 (floor rule, rne), per-block products summed."""
    qx = reference.dequantize(*reference.quantize(x, activations, block=32, axis=1),
                              activations, block=32, axis=1)
    qw = reference.dequantize(*reference.quantize(w, weights_format, block=32, axis=0),
                              weights_format, block=32, axis=0)
    return qx.astype(np.float64) @ qw.astype(np.float64)


def mx_reference(weights, x, fmt):
    """Logits of the model with every matmul in MX format `fmt` (None: f32)."""
    value = x.astype(np.float32)
    for i, (w, b) in enumerate(weights):
        if fmt is None:
            product = value.astype(np.float64) @ w.astype(np.float64)
        else:
            product = mx_matmul_reference(value, w, fmt, fmt)
        value = (product.astype(np.float32) + b).astype(np.float32)
        if i + 1 < len(weights):
            value = np.maximum(value, np.float32(0))
    return value

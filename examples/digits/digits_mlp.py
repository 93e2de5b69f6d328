"""A small MLP on the handwritten digits of Debian's python3-sklearn
(1,797 8x8 images, 64 pixels of 0..16): the model of the main demo and of
its accuracy test.

- `load_digits(path)`: (train_x, train_y, test_x, test_y), a fixed split;
- `load_weights()`: the trained f32 weights committed beside this file
  (train.py makes them);
- `f32_program(weights, batch)`: the model as f32 linalg on tensors, one
  function `@mlp(%x: tensor<batch x 64 x f32>) -> tensor<batch x 10 x f32>`
  with the weights as constants: what a framework importer would emit;
- `loss_program(batch)`: the training loss (mean cross-entropy) with the
  weights as arguments, the input of `mx-generate-gradients` and of
  `mx_mlir.training`;
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


def he_parameters(rng, bias_std=0.0, layers=LAYERS):
    """Fresh f32 parameters [w0, b0, w1, b1, ...]: He-initialized weights;
    biases normal with `bias_std`, or zero (drawing nothing) for 0."""
    params = []
    for k, n in layers:
        weight = (rng.standard_normal((k, n)) * np.sqrt(2.0 / k)).astype(np.float32)
        bias = ((bias_std * rng.standard_normal(n)).astype(np.float32) if bias_std
                else np.zeros(n, np.float32))
        params += [weight, bias]
    return params


def load_weights(path=WEIGHTS):
    with np.load(path) as archive:
        return [(archive[f"w{i}"], archive[f"b{i}"]) for i in range(len(LAYERS))]


def _dense_layers(value, batch, layers):
    """The lines of the layers (matmul with a zero init, broadcast bias add,
    ReLU between layers) on %w{i} and %b{i}, from `value`; and the result."""
    lines = []
    for i, (k, n) in enumerate(layers):
        out = f"tensor<{batch}x{n}xf32>"
        lines += [
            f"  %e{i} = tensor.empty() : {out}",
            f"  %z{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {out}) -> {out}",
            f"  %m{i} = linalg.matmul ins({value}, %w{i} : tensor<{batch}x{k}xf32>, "
            f"tensor<{k}x{n}xf32>) outs(%z{i} : {out}) -> {out}",
            f"  %bb{i} = linalg.broadcast ins(%b{i} : tensor<{n}xf32>) outs(%e{i} : {out}) "
            "dimensions = [0]",
            f"  %y{i} = arith.addf %m{i}, %bb{i} : {out}",
        ]
        value = f"%y{i}"
        if i + 1 < len(layers):
            lines += [f"  %zs{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {out}) -> {out}",
                      f"  %r{i} = arith.maximumf %y{i}, %zs{i} : {out}"]
            value = f"%r{i}"
    return lines, value


def f32_program(weights, batch):
    """The model as an f32 linalg function (a matmul with a zero init, a
    broadcast bias add and a relu per hidden layer)."""
    lines = [f"func.func @mlp(%x: tensor<{batch}x64xf32>) -> tensor<{batch}x10xf32> {{",
             "  %zero = arith.constant 0.0 : f32"]
    for i, (w, b) in enumerate(weights):
        lines += [f"  %w{i} = arith.constant {dense_hex(w)} : tensor<{w.shape[0]}x{w.shape[1]}xf32>",
                  f"  %b{i} = arith.constant {dense_hex(b)} : tensor<{b.shape[0]}xf32>"]
    layer_lines, value = _dense_layers("%x", batch, [w.shape for w, _ in weights])
    lines += layer_lines + [f"  return {value} : tensor<{batch}x10xf32>", "}"]
    return "\n".join(lines)


def loss_program(batch, layers=LAYERS, name="loss"):
    """The model's training loss as f32 linalg, what an importer emits for
    `F.cross_entropy(mlp(x), y)`: `@loss(%x, %onehot, %w0, %b0, ...)` ->
    `tensor<f32>`, the mean cross-entropy of the batch, the weights and
    biases arguments marked `{mx.wrt}` (and `{mx.weight}`: the recipes'
    weight role)."""
    classes = layers[-1][1]
    params = []
    for i, (k, n) in enumerate(layers):
        params += [f"%w{i}: tensor<{k}x{n}xf32> {{mx.wrt, mx.weight}}",
                   f"%b{i}: tensor<{n}xf32> {{mx.wrt}}"]
    lines = [f"func.func @{name}(%x: tensor<{batch}x{layers[0][0]}xf32>, "
             f"%onehot: tensor<{batch}x{classes}xf32>, " + ", ".join(params) + ") -> tensor<f32> {",
             "  %zero = arith.constant 0.0 : f32",
             "  %ninf = arith.constant 0xFF800000 : f32"]
    layer_lines, value = _dense_layers("%x", batch, layers)
    lines += layer_lines
    logits = f"tensor<{batch}x{classes}xf32>"
    rows = f"tensor<{batch}xf32>"
    lines += [
        # log_softmax(logits) = (logits - max) - log(sum(exp(logits - max)))
        f"  %er = tensor.empty() : {rows}",
        f"  %mi = linalg.fill ins(%ninf : f32) outs(%er : {rows}) -> {rows}",
        f"  %mx = linalg.reduce ins({value} : {logits}) outs(%mi : {rows}) dimensions = [1]",
        "    (%in: f32, %acc: f32) { %t = arith.maximumf %in, %acc : f32",
        "      linalg.yield %t : f32 }",
        f"  %el = tensor.empty() : {logits}",
        f"  %mb = linalg.broadcast ins(%mx : {rows}) outs(%el : {logits}) dimensions = [1]",
        f"  %sh = arith.subf {value}, %mb : {logits}",
        f"  %ex = math.exp %sh : {logits}",
        f"  %si = linalg.fill ins(%zero : f32) outs(%er : {rows}) -> {rows}",
        f"  %se = linalg.reduce ins(%ex : {logits}) outs(%si : {rows}) dimensions = [1]",
        "    (%in: f32, %acc: f32) { %t = arith.addf %in, %acc : f32",
        "      linalg.yield %t : f32 }",
        f"  %lse = math.log %se : {rows}",
        f"  %lb = linalg.broadcast ins(%lse : {rows}) outs(%el : {logits}) dimensions = [1]",
        f"  %logp = arith.subf %sh, %lb : {logits}",
        f"  %picked = arith.mulf %logp, %onehot : {logits}",
        "  %es = tensor.empty() : tensor<f32>",
        "  %s0 = linalg.fill ins(%zero : f32) outs(%es : tensor<f32>) -> tensor<f32>",
        f"  %total = linalg.reduce ins(%picked : {logits}) outs(%s0 : tensor<f32>) dimensions = [0, 1]",
        "    (%in: f32, %acc: f32) { %t = arith.addf %in, %acc : f32",
        "      linalg.yield %t : f32 }",
        f"  %scale = arith.constant dense<{-1.0 / batch!r}> : tensor<f32>",
        "  %loss = arith.mulf %total, %scale : tensor<f32>",
        "  return %loss : tensor<f32>",
        "}",
    ]
    return "\n".join(lines)


def _quantized_values(x, fmt, axis, tiles=None, weight=False, nvfp4=False):
    """The values of `x` quantized along `axis`: blocks of 32 (floor rule,
    rne), or a two-level format's blocks of 16; with `tiles`, FP8 with f32
    scales per 1 x tiles (activations) or tiles x tiles (weights) tile; with
    `nvfp4`, NVFP4 (blocks of 16, E4M3 block scales, the tensor scale of
    `x`), exact in float64."""
    if nvfp4:
        codes, block_scales, tensor_scale = reference.quantize_nvfp4(x, axis=axis)
        return (reference.decode("e2m1", codes) *
                reference.decode("e4m3", np.repeat(block_scales, 16, axis=axis))
                [(slice(None),) * axis + (slice(0, x.shape[axis]),)] * np.float64(tensor_scale))
    if tiles is not None:
        tile = (tiles, tiles) if weight else ((1, tiles) if axis == 1 else (tiles, 1))
        parts = reference.quantize_float_scaled(x, fmt, tile)
        return reference.dequantize_float_scaled(*parts, fmt, tile)
    if fmt in reference.SHARED_MICROEXPONENT_FORMATS:
        parts = reference.quantize_shared_microexponent(x, fmt, axis=axis)
        return reference.dequantize_shared_microexponent(*parts, fmt, axis=axis)
    return reference.dequantize(*reference.quantize(x, fmt, block=32, axis=axis),
                                fmt, block=32, axis=axis)


def mx_matmul_reference(x, w, activations, weights_format, tiles=None, hadamard=None,
                        nvfp4=False):
    """MX matmul semantics in float64: both operands quantized along K
    (after mx.hadamard with seed `hadamard`), per-block products summed."""
    if hadamard is not None:
        x = reference.random_hadamard(x, hadamard, axis=1)
        w = reference.random_hadamard(w, hadamard, axis=0)
    qx = _quantized_values(x, activations, 1, tiles, nvfp4=nvfp4)
    qw = _quantized_values(w, weights_format, 0, tiles, weight=True, nvfp4=nvfp4)
    return qx.astype(np.float64) @ qw.astype(np.float64)


def mx_reference(weights, x, fmt, tiles=None, hadamard=None, nvfp4=False):
    """Logits of the model with every matmul in MX format `fmt` (None: f32),
    optionally with FP8 f32 tiles of `tiles`, the Hadamard rotation, or
    NVFP4 (`fmt` e2m1; the activations' tensor scale is that of `x`, so
    pass one batch)."""
    value = x.astype(np.float32)
    for i, (w, b) in enumerate(weights):
        if fmt is None:
            product = value.astype(np.float64) @ w.astype(np.float64)
        else:
            product = mx_matmul_reference(value, w, fmt, fmt, tiles, hadamard, nvfp4)
        value = (product.astype(np.float32) + b).astype(np.float32)
        if i + 1 < len(weights):
            value = np.maximum(value, np.float32(0))
    return value

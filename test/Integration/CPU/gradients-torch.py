# REQUIRES: torch
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/digits %python %s 2>&1 | FileCheck %s
#
# mx-generate-gradients against PyTorch autograd (Debian's python3-torch) on
# the same models, in f32: the digits MLP with its cross-entropy loss, and a
# transformer block (LayerNorm, causal softmax attention with x @ W and
# q @ k^T products, GELU with erf, residuals).

import numpy as np
import torch

from digits_mlp import loss_program
from mx_mlir import Context, Module

rng = np.random.default_rng(3)
torch.set_num_threads(1)


def compare(name, ours, theirs):
    loss, *grads = ours
    ref_loss, ref_grads = theirs
    worst = abs(float(loss) - ref_loss) / max(1.0, abs(ref_loss))
    for g, r in zip(grads, ref_grads):
        worst = max(worst, float(np.abs(g - r).max()) / max(1e-3, float(np.abs(r).max())))
    print(f"{name}: {len(grads)} gradients, {'ok' if worst < 2e-5 else 'MISMATCH'} ({worst:.1e})")


# --- The digits MLP and its cross-entropy, as examples/digits defines them.
layers, batch = ((64, 32), (32, 32), (32, 10)), 16
x = rng.uniform(0, 1, (batch, 64)).astype(np.float32)
labels = rng.integers(0, 10, batch)
onehot = np.eye(10, dtype=np.float32)[labels]
params = []
for k, n in layers:
    params += [(rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32),
               (rng.standard_normal(n) * 0.1).astype(np.float32)]
module = Module.parse(loss_program(batch, layers), Context())
module.run_pipeline("mx-generate-gradients")
ours = module.compile().invoke("loss_grad", x, onehot, *params)

tparams = [torch.tensor(p, requires_grad=True) for p in params]
value = torch.tensor(x)
for i in range(len(layers)):
    value = value @ tparams[2 * i] + tparams[2 * i + 1]
    if i + 1 < len(layers):
        value = torch.relu(value)
loss = torch.nn.functional.cross_entropy(value, torch.tensor(labels))
loss.backward()
compare("mlp", ours, (loss.item(), [p.grad.numpy() for p in tparams]))
# CHECK: mlp: 6 gradients, ok

# --- A transformer block on T tokens of width D.
T, D, H = 8, 16, 32


def block_ir():
    t, d, h = f"tensor<{T}x{D}xf32>", f"tensor<{D}xf32>", f"tensor<{T}x{H}xf32>"
    s, rows = f"tensor<{T}x{T}xf32>", f"tensor<{T}xf32>"
    lines = []

    def op(text):
        lines.append("  " + text)

    def matmul(name, a, b, a_shape, b_shape, out_shape, maps=""):
        op(f"%{name}_e = tensor.empty() : tensor<{out_shape}xf32>")
        op(f"%{name}_z = linalg.fill ins(%zero : f32) outs(%{name}_e : tensor<{out_shape}xf32>) -> tensor<{out_shape}xf32>")
        op(f"%{name} = linalg.matmul {maps} ins({a}, {b} : tensor<{a_shape}xf32>, tensor<{b_shape}xf32>) "
           f"outs(%{name}_z : tensor<{out_shape}xf32>) -> tensor<{out_shape}xf32>")

    def row_sum(name, value, shape):
        op(f"%{name}_i = linalg.fill ins(%zero : f32) outs(%er : {rows}) -> {rows}")
        op(f"%{name} = linalg.reduce ins({value} : {shape}) outs(%{name}_i : {rows}) dimensions = [1] "
           "(%in: f32, %acc: f32) { %t = arith.addf %in, %acc : f32\n linalg.yield %t : f32 }")

    def bcast_rows(name, value, shape):
        op(f"%{name}_e = tensor.empty() : {shape}")
        op(f"%{name} = linalg.broadcast ins({value} : {rows}) outs(%{name}_e : {shape}) dimensions = [1]")

    def bcast_cols(name, value):
        op(f"%{name} = linalg.broadcast ins({value} : {d}) outs(%et : {t}) dimensions = [0]")

    op("%zero = arith.constant 0.0 : f32")
    op(f"%er = tensor.empty() : {rows}")
    op(f"%et = tensor.empty() : {t}")
    op(f"%inv_d = arith.constant dense<{1.0 / D}> : {rows}")
    op(f"%eps = arith.constant dense<1.0e-5> : {rows}")
    # LayerNorm(x) * gamma + beta
    row_sum("sum", "%x", t)
    op(f"%mean = arith.mulf %sum, %inv_d : {rows}")
    bcast_rows("mean_b", "%mean", t)
    op(f"%xc = arith.subf %x, %mean_b : {t}")
    op(f"%sq = arith.mulf %xc, %xc : {t}")
    row_sum("ssq", "%sq", t)
    op(f"%var = arith.mulf %ssq, %inv_d : {rows}")
    op(f"%vare = arith.addf %var, %eps : {rows}")
    op(f"%rstd = math.rsqrt %vare : {rows}")
    bcast_rows("rstd_b", "%rstd", t)
    op(f"%xn = arith.mulf %xc, %rstd_b : {t}")
    bcast_cols("gamma_b", "%gamma")
    bcast_cols("beta_b", "%beta")
    op(f"%xg = arith.mulf %xn, %gamma_b : {t}")
    op(f"%hn = arith.addf %xg, %beta_b : {t}")
    # Causal attention, one head: softmax(q k^T / sqrt(D) + mask) v
    for w in "qkv":
        matmul(w, "%hn", f"%w{w}", f"{T}x{D}", f"{D}x{D}", f"{T}x{D}")
    transpose_b = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
                   "affine_map<(m, n, k) -> (m, n)>]")
    matmul("scores", "%q", "%k", f"{T}x{D}", f"{T}x{D}", f"{T}x{T}", transpose_b)
    op(f"%temp = arith.constant dense<{1.0 / np.sqrt(D)}> : {s}")
    op(f"%scaled = arith.mulf %scores, %temp : {s}")
    mask = np.where(np.tril(np.ones((T, T))) > 0, 0.0, -1e9).astype(np.float32)
    op(f'%mask = arith.constant dense<"0x{mask.tobytes().hex().upper()}"> : {s}')
    op(f"%masked = arith.addf %scaled, %mask : {s}")
    op(f"%es = tensor.empty() : {s}")
    op(f"%p = linalg.softmax dimension(1) ins(%masked : {s}) outs(%es : {s}) -> {s}")
    matmul("att", "%p", "%v", f"{T}x{T}", f"{T}x{D}", f"{T}x{D}")
    op(f"%r = arith.addf %x, %att : {t}")
    # MLP with GELU (erf): 0.5 u (1 + erf(u / sqrt 2))
    matmul("u", "%r", "%w1", f"{T}x{D}", f"{D}x{H}", f"{T}x{H}")
    op(f"%rs2 = arith.constant dense<{1.0 / np.sqrt(2.0)}> : {h}")
    op(f"%half = arith.constant dense<0.5> : {h}")
    op(f"%one = arith.constant dense<1.0> : {h}")
    op(f"%us = arith.mulf %u, %rs2 : {h}")
    op(f"%erf = math.erf %us : {h}")
    op(f"%erf1 = arith.addf %erf, %one : {h}")
    op(f"%uh = arith.mulf %u, %half : {h}")
    op(f"%gelu = arith.mulf %uh, %erf1 : {h}")
    matmul("f", "%gelu", "%w2", f"{T}x{H}", f"{H}x{D}", f"{T}x{D}")
    op(f"%out = arith.addf %r, %f : {t}")
    # loss = sum(tanh(out) * target)
    op(f"%th = math.tanh %out : {t}")
    op(f"%prod = arith.mulf %th, %target : {t}")
    op("%e0 = tensor.empty() : tensor<f32>")
    op("%l0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>")
    op(f"%loss = linalg.reduce ins(%prod : {t}) outs(%l0 : tensor<f32>) dimensions = [0, 1] "
       "(%in: f32, %acc: f32) { %t = arith.addf %in, %acc : f32\n linalg.yield %t : f32 }")
    op("return %loss : tensor<f32>")
    args = (f"%x: {t} {{mx.wrt}}, %target: {t}, %gamma: {d} {{mx.wrt}}, %beta: {d} {{mx.wrt}}, "
            + ", ".join(f"%w{w}: tensor<{D}x{D}xf32> {{mx.wrt}}" for w in "qkv")
            + f", %w1: tensor<{D}x{H}xf32> {{mx.wrt}}, %w2: tensor<{H}x{D}xf32> {{mx.wrt}}")
    return f"func.func @block({args}) -> tensor<f32> {{\n" + "\n".join(lines) + "\n}"


inputs = [rng.standard_normal((T, D)), rng.standard_normal((T, D)),
          1 + 0.1 * rng.standard_normal(D), 0.1 * rng.standard_normal(D),
          *[rng.standard_normal((D, D)) / 4 for _ in range(3)],
          rng.standard_normal((D, H)) / 4, rng.standard_normal((H, D)) / 6]
inputs = [a.astype(np.float32) for a in inputs]
module = Module.parse(block_ir(), Context())
module.run_pipeline("mx-generate-gradients")
ours = module.compile().invoke("block_grad", *inputs)

tx, target, gamma, beta, wq, wk, wv, w1, w2 = [torch.tensor(a, requires_grad=True) for a in inputs]
hn = torch.nn.functional.layer_norm(tx, (D,), gamma, beta, eps=1e-5)
q, k, v = hn @ wq, hn @ wk, hn @ wv
scores = q @ k.T / np.sqrt(D) + torch.tensor(np.where(np.tril(np.ones((T, T))) > 0, 0.0, -1e9),
                                             dtype=torch.float32)
r = tx + torch.softmax(scores, dim=1) @ v
out = r + torch.nn.functional.gelu(r @ w1) @ w2
loss = (torch.tanh(out) * target).sum()
loss.backward()
compare("transformer block", ours,
        (loss.item(), [p.grad.numpy() for p in (tx, gamma, beta, wq, wk, wv, w1, w2)]))
# CHECK: transformer block: 8 gradients, ok

# REQUIRES: torch
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/gpt %python %s 2>&1 | FileCheck %s
#
# mx_mlir.from_torch, op by op: each module below is imported (weights as
# constants), all of them compiled together by mx-cpu-pipeline, and each
# output compared with PyTorch's on the same input. Then weights as
# arguments ({mx.wrt}, {mx.weight} on Linear weights), and the errors.
# Attention and the GPT are examples/gpt/model.py's, as written for PyTorch
# (`b, t, c = x.size()`, split, a sliced mask buffer, masked_fill).

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mx_mlir import Context, Module
from model import GPT, CausalSelfAttention  # examples/gpt
from mx_mlir.torch_import import TorchImportError, from_torch

torch.manual_seed(0)


class Lambda(nn.Module):
    """fn(a) as a module (torch.fx on Python 3.11 cannot trace *args)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, a):
        return self.fn(a)


class Lambda2(Lambda):
    def forward(self, a, b):
        return self.fn(a, b)


x3 = torch.randn(2, 8, 16)
x2 = torch.randn(6, 16)
positive = torch.rand(6, 16) + 0.1
tokens = torch.randint(0, 256, (2, 8))
targets = torch.randint(0, 10, (6,))
cases = {
    "linear": (nn.Linear(16, 12), (x3,)),
    "linear_no_bias": (nn.Linear(16, 12, bias=False), (x2,)),
    "embedding": (nn.Embedding(256, 16), (tokens,)),
    "layer_norm": (nn.LayerNorm(16), (x3,)),
    "gelu": (nn.GELU(), (x2,)),
    "gelu_tanh": (nn.GELU(approximate="tanh"), (x2,)),
    "relu": (nn.ReLU(), (x2,)),
    "silu": (nn.SiLU(), (x2,)),
    "tanh": (nn.Tanh(), (x2,)),
    "sigmoid": (nn.Sigmoid(), (x2,)),
    "softmax": (nn.Softmax(dim=-1), (x3,)),
    "log_softmax": (nn.LogSoftmax(dim=1), (x2,)),
    "dropout_eval": (nn.Dropout(0.1).eval(), (x2,)),
    "matmul": (Lambda2(lambda a, b: a @ b), (x2, torch.randn(16, 5))),
    "bmm": (Lambda2(torch.bmm), (x3, torch.randn(2, 16, 4))),
    "matmul_4d": (Lambda2(torch.matmul), (torch.randn(2, 3, 8, 4), torch.randn(2, 3, 4, 8))),
    "view_permute": (Lambda(lambda a: a.view(2, 8, 4, 4).permute(0, 2, 1, 3).contiguous().reshape(2, 4, 32)), (x3,)),
    "transpose_t": (Lambda(lambda a: a.t() + 1.0), (x2,)),
    "unsqueeze_squeeze_flatten": (Lambda(lambda a: a.unsqueeze(1).flatten(1) * 2), (x2,)),
    "broadcast_arith": (Lambda2(lambda a, b: (a + b) * a - b / 2.0 - 1.0 / (b + 3.0)), (x3, torch.randn(8, 1))),
    "scalar_ops": (Lambda(lambda a: -(2.0 - a) ** 2 + a ** 3), (x2,)),
    "unary_math": (Lambda(lambda a: torch.exp(a) + torch.log(a) + torch.sqrt(a) + torch.rsqrt(a) + torch.erf(a)), (positive,)),
    "reductions": (Lambda(lambda a: a.sum(-1, keepdim=True) + a.mean(dim=1, keepdim=True) * a.amax(-1, keepdim=True)), (x2,)),
    "full_mean": (Lambda(lambda a: a.mean()), (x3,)),
    "slicing": (Lambda(lambda a: a[:, 2:6, :8] * a[:, :4, 8:]), (x3,)),
    "where_mask": (Lambda(lambda a: torch.where(torch.arange(16) < 5, a, 0.5 * a)), (x2,)),
    "cross_entropy": (nn.CrossEntropyLoss(), (torch.randn(6, 10), targets)),
    "functional_cross_entropy": (Lambda2(lambda a, t: F.cross_entropy(a, t)), (torch.randn(6, 10), targets)),
    "functional_layer_norm": (Lambda(lambda a: F.layer_norm(a, (16,), eps=1e-6)), (x3,)),
    "attention": (CausalSelfAttention(16, 4, 8).eval(), (x3,)),
    "gpt": (GPT(layers=2, heads=2, channels=16, context=8).eval(), (tokens,)),
    "mlp": (nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.SiLU(), nn.Linear(32, 4)), (x3,)),
}

texts = []
for name, (module, inputs) in cases.items():
    texts.append(from_torch(module, inputs, function=name).text)
jit = Module.parse("\n".join(texts), Context()).compile()
worst = {}
for name, (module, inputs) in cases.items():
    with torch.no_grad():
        expected = module(*inputs).numpy()
    got = jit.invoke(name, *(i.numpy() for i in inputs))
    error = float(np.max(np.abs(np.asarray(got) - expected)) / max(1.0, float(np.max(np.abs(expected)))))
    worst[name] = error
failing = {n: e for n, e in worst.items() if not e <= 2e-6}
print(f"{len(worst)} modules match PyTorch within 2e-6 (relative to max(1, |y|)): "
      f"{len(worst) - len(failing)}/{len(worst)} {failing}")
# CHECK: 32 modules match PyTorch within 2e-6 (relative to max(1, |y|)): 32/32 {}

# Weights as arguments: marked for the training passes, in parameter order.
mlp = cases["mlp"][0]
imported = from_torch(mlp, (x3,), weights="arguments")
print([name for name, _ in imported.parameters])
# CHECK: ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']
print(imported.text.count("{mx.wrt, mx.weight}"), imported.text.count("{mx.wrt}"))
# CHECK: 3 3
jit = Module.parse(imported.text, Context()).compile()
got = jit.invoke("forward", x3.numpy(), *(p for _, p in imported.parameters))
with torch.no_grad():
    print("arguments match", np.allclose(got, mlp(x3).numpy(), rtol=1e-5, atol=1e-6))
# CHECK: arguments match True

# copy_parameters=False: the same IR, the parameters as views of the
# module's tensors (a weight that is a stride-0 expansion stays 0 bytes).
wide = nn.Linear(4096, 4096)
wide.weight = nn.Parameter(torch.zeros(1).expand(4096, 4096))
views = from_torch(wide, (torch.randn(2, 4096),), weights="arguments", copy_parameters=False)
copies = from_torch(wide, (torch.randn(2, 4096),), weights="arguments")
shared = [np.shares_memory(v, t.detach().numpy())
          for (_, v), t in zip(views.parameters, (wide.weight, wide.bias))]
print("views:", views.text == copies.text, shared, views.parameters[0][1].strides,
      copies.parameters[0][1].strides)
# CHECK: views: True [True, True] (0, 0) (16384, 4)


def error(call):
    try:
        call()
    except TorchImportError as e:
        lines = str(e).splitlines()
        print(lines[0])
        print(lines[1].split("/")[-1] if len(lines) > 1 else "no source line")


error(lambda: from_torch(nn.Sequential(nn.Conv1d(4, 4, 3)), (torch.randn(1, 4, 8),)))
# CHECK: mx_mlir.from_torch: module Conv1d ('0') is not supported
# CHECK-NEXT: torch-import.py:[[# @LINE-2]] in <lambda>: error(lambda: from_torch(nn.Sequential(nn.Conv1d(4, 4, 3)), (torch.randn(1, 4, 8),)))
error(lambda: from_torch(Lambda(lambda a: torch.cumsum(a, 0)), (x2,)))
# CHECK: mx_mlir.from_torch: function torch.cumsum is not supported
# CHECK-NEXT: torch-import.py:{{[0-9]+}} in <lambda>: error(lambda: from_torch(Lambda(lambda a: torch.cumsum(a, 0)), (x2,)))
error(lambda: from_torch(nn.Sequential(nn.Dropout(0.5)).train(), (x2,)))
# CHECK: mx_mlir.from_torch: Dropout in training mode is random: call model.eval() (or p=0)
error(lambda: from_torch(Lambda(lambda a: a.sum(0) @ a.sum(0)), (x2,)))
# CHECK: mx_mlir.from_torch: matmul of a vector is not supported (reshape it to a matrix)

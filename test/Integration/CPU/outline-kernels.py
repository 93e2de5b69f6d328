# REQUIRES: torch
# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
#
# mx-outline-kernels inside mx-cpu-pipeline changes how much code is built,
# not what it computes: a PyTorch MLP of repeated layers (bias, GELU,
# residual), imported with its weights as arguments and made MX by
# mx-quantize-policy, returns the same bits compiled with outlining
# (the default) and with outline=false, in three policies. Outlined, the
# identical hidden blocks share their kernel and loop functions, so
# the lowered module has a fixed number of functions however many layers.

import re

import numpy as np
import torch
import torch.nn as nn

from mx_mlir import Module, from_torch


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.linear = nn.Linear(width, width)

    def forward(self, x):
        return x + nn.functional.gelu(self.linear(x))


def mlp(layers):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(32, 128), *[Block(128) for _ in range(layers)], nn.Linear(128, 16))


def lowered_functions(module_text):
    return len(re.findall(r"llvm\.func @__mx_", module_text))


def compile_mlp(layers, policy, outline):
    imported = from_torch(mlp(layers), (torch.from_numpy(x),), weights="arguments")
    module = Module.parse(imported.text)
    module.run_pipeline(f"mx-quantize-policy{{{policy}}}")
    jit = module.compile(f"mx-cpu-pipeline{{outline={outline}}}")
    args = [x] + [value for _, value in imported.parameters]
    return jit.invoke(imported.function, *args), lowered_functions(str(module))


x = np.random.default_rng(1).standard_normal((8, 32)).astype(np.float32)
for policy in ("weights=e4m3 activations=e4m3", "weights=e2m1 activations=none",
               "weights=int8 activations=int8"):
    outlined, few = compile_mlp(3, policy, "true")
    inline, _ = compile_mlp(3, policy, "false")
    print(f"{policy}: same bits {np.array_equal(outlined, inline)}")
    if policy.startswith("weights=e4m3"):
        # Twice the blocks, the same functions: code grows with the kernels.
        _, many = compile_mlp(6, policy, "true")
        print(f"{policy}: outlined functions {few} -> {many}, fixed {few == many > 0}")

# CHECK: weights=e4m3 activations=e4m3: same bits True
# CHECK: weights=e4m3 activations=e4m3: outlined functions {{[0-9]+}} -> {{[0-9]+}}, fixed True
# CHECK: weights=e2m1 activations=none: same bits True
# CHECK: weights=int8 activations=int8: same bits True

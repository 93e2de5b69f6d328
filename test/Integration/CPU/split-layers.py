# REQUIRES: torch
# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
#
# mx-split-layers on PyTorch models imported with their weights as
# arguments and made MX by mx-quantize-policy: the layer-major driver
# @<f>_l2l, on micro-batches stacked along a new leading dimension, returns
# what @<f> returns on each micro-batch, bit for bit (mx-cpu-pipeline, JIT
# at -O0). Two models: a Sequential MLP and a network whose layer 2 reads
# layer 0's output (a skip connection across a layer). Two policies for
# the MLP, a third for the other, each on the prepared form (MX weights as
# arguments: what a weight stream holds); the first policy also on the f32
# form, where each layer's weights are quantized by its weights function,
# once per layer for all micro-batches. The MLP's layer functions
# are also called one layer at a time over all micro-batches from Python,
# each layer's parameters picked by their {mx.argument} index, the way a
# weight-streaming runtime drives them.

import re

import numpy as np
import torch
import torch.nn as nn

from mx_mlir import Module, from_torch

MICRO_BATCHES, ROWS = 5, 3


class Skip(nn.Module):
    def __init__(self):
        super().__init__()
        self.l0, self.l1 = nn.Linear(64, 128), nn.Linear(128, 128)
        self.l2, self.l3 = nn.Linear(128, 128), nn.Linear(128, 32)

    def forward(self, x):
        h0 = torch.relu(self.l0(x))
        h1 = nn.functional.gelu(self.l1(h0))
        return self.l3(self.l2(h1) + h0)


torch.manual_seed(0)
models = {
    "mlp": nn.Sequential(nn.Linear(64, 128), nn.GELU(), nn.Linear(128, 128), nn.ReLU(),
                         nn.Linear(128, 96), nn.GELU(), nn.Linear(96, 32)),
    "skip": Skip(),
}
rng = np.random.default_rng(5)
x = rng.standard_normal((MICRO_BATCHES, ROWS, 64)).astype(np.float32)


def bits(array):
    return np.ascontiguousarray(array).view(np.uint32)


def layer_parameters(text, function, layer):
    """The {mx.argument} indices of @<function>_layer<layer>'s parameters and
    how many activations come first."""
    signature = re.search(rf"func\.func @{function}_layer{layer}\((.*?)\) ->", text).group(1)
    parameters = [int(i) for i in re.findall(r"mx\.argument = (\d+)", signature)]
    return len(re.findall(r"%arg\d+:", signature)) - len(parameters), parameters


POLICIES = {"mlp": ("weights=e2m1 activations=e4m3", "weights=e4m3 activations=none"),
            "skip": ("weights=int8 activations=int8",)}
for name, model in models.items():
    for policy in POLICIES[name]:
        imported = from_torch(model, (torch.from_numpy(x[0]),), weights="arguments")
        module = Module.parse(imported.text)
        # The f32 form too for the first policy of each model.
        both = policy == POLICIES[name][0]
        only = "" if both else " function=forward_prepared"
        module.run_pipeline(f"mx-quantize-policy{{{policy}}},mx-prepare-weights,"
                            f"mx-split-layers{{micro-batches={MICRO_BATCHES}{only}}}")
        text = str(module)
        layers = len(re.findall(r"func\.func @forward_prepared_layer\d+\(", text))
        jit = module.compile(opt_level=0)
        values = dict(imported.parameters)
        weights = [values[n] for n in imported.weights]
        others = [v for n, v in imported.parameters if n not in imported.weights]
        prepared = list(jit.invoke("forward_prepare", *weights))
        f32_parameters = [v for _, v in imported.parameters]
        forms = [("prepared", "forward_prepared", others + prepared),
                 ("f32", "forward", f32_parameters)][:2 if both else 1]
        for form, function, parameters in forms:
            whole = np.stack([jit.invoke(function, x[i], *parameters) for i in range(MICRO_BATCHES)])
            staged = jit.invoke(f"{function}_l2l", x, *parameters)
            prepares = len(re.findall(rf"func\.func @{function}_layer\d+_weights\(", text))
            line = (f"{name}, {policy}, {form}: {layers} layers, {prepares} weights functions, "
                    f"l2l bit-identical: {np.array_equal(bits(whole), bits(staged))}")
            if name == "mlp" and form == "prepared":
                # Layer after layer over every micro-batch, from Python.
                arguments = [None] + parameters  # @forward_prepared's, x first
                activations = list(x)
                for layer in range(layers):
                    count, indices = layer_parameters(text, function, layer)
                    assert count == 1
                    layer_weights = [arguments[i] for i in indices]
                    activations = [jit.invoke(f"{function}_layer{layer}", a, *layer_weights)
                                   for a in activations]
                line += f", layer by layer: {np.array_equal(bits(whole), bits(np.stack(activations)))}"
            print(line)

# CHECK: mlp, weights=e2m1 activations=e4m3, prepared: 4 layers, 0 weights functions, l2l bit-identical: True, layer by layer: True
# CHECK: mlp, weights=e2m1 activations=e4m3, f32: 4 layers, 4 weights functions, l2l bit-identical: True
# CHECK: mlp, weights=e4m3 activations=none, prepared: 4 layers, 0 weights functions, l2l bit-identical: True, layer by layer: True
# CHECK: skip, weights=int8 activations=int8, prepared: 4 layers, 0 weights functions, l2l bit-identical: True
# CHECK: skip, weights=int8 activations=int8, f32: 4 layers, 4 weights functions, l2l bit-identical: True

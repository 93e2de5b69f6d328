# REQUIRES: torch
# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
#
# mx-prepare-weights on a PyTorch MLP imported with its weights as
# arguments ({mx.weight}), made MX by mx-quantize-policy: @forward_prepare
# quantizes the weights once, and @forward_prepared on those quantized
# weights returns what @forward returns, bit for bit, for a decode-sized
# batch (1 row) and a larger one, in weight-only mode and with MX
# activations (the weights' transposes move into the prepare function too).

import numpy as np
import torch
import torch.nn as nn

from mx_mlir import Module, from_torch

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 256), nn.GELU(), nn.Linear(256, 256), nn.GELU(),
                      nn.Linear(256, 32))
rng = np.random.default_rng(1)

# Relative error bounds against PyTorch f32: a sanity check of the MX model.
BOUND = {"weights=e2m1 activations=none": 0.35, "weights=e4m3 activations=e4m3": 0.15}
for policy in BOUND:
    for rows in (1, 16):
        x = rng.standard_normal((rows, 64)).astype(np.float32)
        imported = from_torch(model, (torch.from_numpy(x),), weights="arguments")
        module = Module.parse(imported.text)
        module.run_pipeline(f"mx-quantize-policy{{{policy}}},mx-prepare-weights")
        text = str(module)
        jit = module.compile()
        names = [name for name, _ in imported.parameters]
        values = [value for _, value in imported.parameters]
        direct = jit.invoke("forward", x, *values)
        weights = [v for n, v in zip(names, values) if n.endswith("weight")]
        others = [v for n, v in zip(names, values) if not n.endswith("weight")]
        prepared = jit.invoke("forward_prepare", *weights)
        via_prepared = jit.invoke("forward_prepared", x, *others, *prepared)
        reference = model(torch.from_numpy(x)).detach().numpy()
        print(f"{policy}, {rows} rows: {len(prepared)} prepared weights, "
              f"quantizes in forward_prepared: "
              f"{text.split('func.func @forward_prepared')[1].count('mx.quantize')}, "
              f"bit-identical: {np.array_equal(direct.view(np.uint32), via_prepared.view(np.uint32))}, "
              f"near f32: {np.linalg.norm(direct - reference) <= BOUND[policy] * np.linalg.norm(reference)}")
# CHECK: weights=e2m1 activations=none, 1 rows: 3 prepared weights, quantizes in forward_prepared: 0, bit-identical: True, near f32: True
# CHECK: weights=e2m1 activations=none, 16 rows: 3 prepared weights, quantizes in forward_prepared: 0, bit-identical: True, near f32: True
# CHECK: weights=e4m3 activations=e4m3, 1 rows: 3 prepared weights, quantizes in forward_prepared: 3, bit-identical: True, near f32: True
# CHECK: weights=e4m3 activations=e4m3, 16 rows: 3 prepared weights, quantizes in forward_prepared: 3, bit-identical: True, near f32: True

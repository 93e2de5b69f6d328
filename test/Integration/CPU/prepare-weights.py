# REQUIRES: torch
# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
#
# mx-prepare-weights on a PyTorch MLP imported with its weights as
# arguments ({mx.weight}), made MX by mx-quantize-policy: @forward_prepare
# quantizes the weights once, and @forward_prepared on those quantized
# weights returns what @forward returns, bit for bit, for a decode-sized
# batch (1 row) and a larger one, in weight-only mode and with MX
# activations (the weights' transposes move into the prepare function too).
# Each Linear weight is stored N x K and used transposed: the policy
# quantizes it in row blocks and transposes the codes and scales
# (mx.transpose), both in @forward_prepare; the prepared operand must be
# what mx_mlir.reference's quantize of W^T along K gives, bit for bit.

import numpy as np
import torch
import torch.nn as nn

from mx_mlir import Module, from_torch, reference

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
        expected = model(torch.from_numpy(x)).detach().numpy()
        fmt = policy.split()[0].split("=")[1]
        prepare_text = text.split("func.func @forward_prepare(")[1].split("func.func")[0]
        encodings = []
        for weight, operand in zip(weights, prepared):
            codes, scales = reference.quantize(weight.T, fmt, axis=0)
            encodings.append(np.array_equal(operand.element_codes(), codes) and
                             np.array_equal(operand.scales, scales))
        print(f"{policy}, {rows} rows: {len(prepared)} prepared weights "
              f"(mx.transpose in prepare: {prepare_text.count('mx.transpose')}, in prepared: "
              f"{text.split('func.func @forward_prepared')[1].count('mx.transpose')}, "
              f"as the reference quantizes W^T: {all(encodings)}), "
              f"quantizes in forward_prepared: "
              f"{text.split('func.func @forward_prepared')[1].count('mx.quantize')}, "
              f"bit-identical: {np.array_equal(direct.view(np.uint32), via_prepared.view(np.uint32))}, "
              f"near f32: {np.linalg.norm(direct - expected) <= BOUND[policy] * np.linalg.norm(expected)}")
# CHECK: weights=e2m1 activations=none, 1 rows: 3 prepared weights (mx.transpose in prepare: 3, in prepared: 0, as the reference quantizes W^T: True), quantizes in forward_prepared: 0, bit-identical: True, near f32: True
# CHECK: weights=e2m1 activations=none, 16 rows: 3 prepared weights (mx.transpose in prepare: 3, in prepared: 0, as the reference quantizes W^T: True), quantizes in forward_prepared: 0, bit-identical: True, near f32: True
# CHECK: weights=e4m3 activations=e4m3, 1 rows: 3 prepared weights (mx.transpose in prepare: 3, in prepared: 0, as the reference quantizes W^T: True), quantizes in forward_prepared: 3, bit-identical: True, near f32: True
# CHECK: weights=e4m3 activations=e4m3, 16 rows: 3 prepared weights (mx.transpose in prepare: 3, in prepared: 0, as the reference quantizes W^T: True), quantizes in forward_prepared: 3, bit-identical: True, near f32: True

# REQUIRES: torch
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/gpt %python %s 2>&1 | FileCheck %s
#
# The training half of from_torch: examples/gpt's GPT with its next-byte
# cross-entropy, imported with weights as arguments, differentiated by
# -mx-generate-gradients (after -mx-decompose-aggregates for the softmax),
# compiled and run; the loss and every parameter's gradient against
# PyTorch autograd on the same batch. Split, sliced masks, LayerNorm, GELU,
# both embeddings (gathers) and the 4-D attention products are all on the
# path.

import numpy as np
import torch

from model import GPT, GPTLoss
from mx_mlir import Context, Module, from_torch

torch.manual_seed(0)
loss_module = GPTLoss(GPT(layers=2, heads=4, channels=32, context=16))
tokens = torch.randint(0, 256, (4, 16))
targets = torch.randint(0, 256, (4, 16))
imported = from_torch(loss_module, (tokens, targets), weights="arguments", function="loss")
module = Module.parse(imported.text, Context())
module.run_pipeline("mx-decompose-aggregates,mx-generate-gradients")
results = module.compile().invoke("loss_grad", tokens.numpy(), targets.numpy(),
                                  *(p for _, p in imported.parameters))
expected = loss_module(tokens, targets)
expected.backward()
parameters = dict(loss_module.named_parameters())
errors = {}
for (name, _), gradient in zip(imported.parameters, results[1:]):
    reference = parameters[name].grad.numpy()
    errors[name] = float(np.max(np.abs(gradient - reference)) / np.max(np.abs(reference)))
worst = max(errors, key=errors.get)
print(f"loss {float(results[0]):.5f} vs PyTorch {float(expected):.5f}; "
      f"{len(errors)} gradients, worst relative error {errors[worst]:.1e} ({worst}), "
      f"within 1e-5: {all(e <= 1e-5 for e in errors.values())}")
# CHECK: loss [[LOSS:[0-9.]+]] vs PyTorch [[LOSS]]; 29 gradients, worst relative error {{.*}}, within 1e-5: True

# REQUIRES: torch, text
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/gpt %python %s %kjv_txt 2>&1 | FileCheck %s
#
# Drop-in MX inference of examples/gpt's trained GPT (weights.npz): the
# PyTorch module imported with its weights as constants matches PyTorch's
# logits in f32, and mx-quantize-policy's MXINT8 and MXFP8 E4M3 (rceil)
# programs stay within 1% of f32's validation loss on held-out text.
# examples/gpt/infer.py runs every format (docs/Inference.md).

import sys

import numpy as np
import torch

from data import batches, load_corpus
from infer import compile_row, cross_entropy, load_model
from mx_mlir import from_torch
from train import BATCH, CONFIG

torch.set_num_threads(1)
_, validation = load_corpus(sys.argv[1])
data = list(batches(validation, BATCH, CONFIG["context"], 4, seed=99))
model = load_model()
imported = from_torch(model, (torch.from_numpy(data[0][0]),), weights="constants")
with torch.no_grad():
    reference = [model(torch.from_numpy(x)).numpy() for x, _ in data]


def loss_of(row):
    _, jit = compile_row(imported.text, row)
    logits = [jit.invoke("forward", x) for x, _ in data]
    loss = float(np.mean([cross_entropy(l, y) for l, (_, y) in zip(logits, data)]))
    return loss, logits


f32, logits = loss_of("f32")
worst = max(float(np.abs(a - b).max()) for a, b in zip(logits, reference))
print(f"f32 matches PyTorch: {worst < 1e-3}, loss below 1.8: {f32 < 1.8}")
# CHECK: f32 matches PyTorch: True, loss below 1.8: True
for name, row in (("MXINT8", "int8"), ("MXFP8 E4M3 rceil", "e4m3-rceil")):
    loss, _ = loss_of(row)
    print(f"{name}: within 1% of f32: {abs(loss / f32 - 1) <= 0.01}")
# CHECK: MXINT8: within 1% of f32: True
# CHECK: MXFP8 E4M3 rceil: within 1% of f32: True

# REQUIRES: torch
# RUN: rm -rf %t && mkdir -p %t
# RUN: env PYTHONPATH=%mx_python_packages %python %s %t mx-quantize 2>&1 | FileCheck %s
#
# mx_mlir.StreamedModel: a PyTorch MLP (seven layers) whose weights were
# written by mx-quantize runs layer to layer from the checkpoint under a
# memory budget smaller than its weights, and returns what the resident
# model returns (@forward_l2l on the f32 weights, and @forward on each
# micro-batch), bit for bit: the checkpoint's blocks, turned into each
# layer's operand by mx.transpose, are the blocks the compiled model's own
# quantize makes. The pool holds two buffers of the largest layer and no
# more is ever resident. A budget below two layers and a checkpoint of
# another format are errors. A model with residual connections runs too.

import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

from mx_mlir import LayerToLayerError, StreamedModel, WeightStreamError, from_torch
from mx_mlir.tensor_writer import write_tensors

directory, tool = sys.argv[1], sys.argv[2]
MICRO_BATCHES, ROWS = 4, 8
torch.manual_seed(0)
model = nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(256, 256), nn.GELU())],
                      nn.Linear(256, 64))
x = np.random.default_rng(0).standard_normal((MICRO_BATCHES, ROWS, 256)).astype(np.float32)
imported = from_torch(model, (torch.from_numpy(x[0]),), weights="arguments")
parameters = [value for _, value in imported.parameters]
source = os.path.join(directory, "model.safetensors")
write_tensors(source, [(name, value, "F32") for name, value in imported.parameters])


def checkpoint(fmt):
    path = os.path.join(directory, f"model.{fmt}.safetensors")
    result = subprocess.run([tool, source, "--format", fmt, "--keep", "*.bias", "-o", path, "--quiet"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return path


for fmt, policy in (("e2m1", "weights=e2m1 activations=e4m3"), ("int8", "weights=int8 activations=none")):
    path = checkpoint(fmt)
    budget = os.path.getsize(path) // 3  # a third of the checkpoint
    streamed = StreamedModel(imported, policy, MICRO_BATCHES, path, budget=budget, opt_level=1)
    y, stats = streamed.run(x)
    resident = streamed.jit.invoke("forward_l2l", x, *parameters)
    held, _ = streamed.run(x, resident=streamed.load_resident())
    one_by_one = np.stack([streamed.jit.invoke("forward", x[i], *parameters)
                           for i in range(MICRO_BATCHES)])
    print(f"{fmt}: {len(streamed.layers)} layers, read {stats['checkpoint_bytes']} bytes "
          f"> budget {budget}: {stats['checkpoint_bytes'] > budget}, "
          f"pool {stats['pool_bytes']} <= budget: {stats['pool_bytes'] <= budget}, "
          f"peak {stats['peak_resident_bytes']} <= pool: "
          f"{stats['peak_resident_bytes'] <= stats['pool_bytes']}, bit-identical to resident: "
          f"{np.array_equal(y.view(np.uint32), resident.view(np.uint32))}, to @forward: "
          f"{np.array_equal(y.view(np.uint32), one_by_one.view(np.uint32))}, to load_resident: "
          f"{np.array_equal(y.view(np.uint32), held.view(np.uint32))}")
    # The compiled driver: one call runs every layer on every micro-batch,
    # taking the weights from the stream through the runtime's C entry
    # points (mx.from_storage of the buffers' blocks and scales).
    compiled, compiled_stats = streamed.run_compiled(x)
    print(f"{fmt} compiled driver: bit-identical to the Python loop: "
          f"{np.array_equal(compiled.view(np.uint32), y.view(np.uint32))}, peak "
          f"{compiled_stats['peak_resident_bytes']} <= pool {compiled_stats['pool_bytes']} <= "
          f"budget: {compiled_stats['peak_resident_bytes'] <= compiled_stats['pool_bytes'] <= budget}")
# CHECK: e2m1: 7 layers, read {{[0-9]+}} bytes > budget {{[0-9]+}}: True, pool {{[0-9]+}} <= budget: True, peak {{[0-9]+}} <= pool: True, bit-identical to resident: True, to @forward: True, to load_resident: True
# CHECK: e2m1 compiled driver: bit-identical to the Python loop: True, peak {{[0-9]+}} <= pool {{[0-9]+}} <= budget: True
# CHECK: int8: 7 layers, read {{[0-9]+}} bytes > budget {{[0-9]+}}: True, pool {{[0-9]+}} <= budget: True, peak {{[0-9]+}} <= pool: True, bit-identical to resident: True, to @forward: True, to load_resident: True
# CHECK: int8 compiled driver: bit-identical to the Python loop: True, peak {{[0-9]+}} <= pool {{[0-9]+}} <= budget: True

# Errors: two buffers that do not fit, and the weights of another format
# (the int8 checkpoint for the e2m1 model).
e2m1 = StreamedModel(imported, "weights=e2m1 activations=e4m3", MICRO_BATCHES, checkpoint("e2m1"),
                     budget=1000, opt_level=0)
try:
    e2m1.run(x)
except WeightStreamError as e:
    print(str(e).split(":")[0])
# CHECK: the memory budget of 1000 bytes is too small
e2m1.checkpoint, e2m1.budget = checkpoint("int8"), 0
try:
    e2m1.run(x)
except WeightStreamError as e:
    print(str(e).replace(directory + "/", ""))
# CHECK: model.int8.safetensors: layer 0: tensor '0.weight.blocks' is U8 [256, 8, 32]; the layer takes U8 [256, 8, 16]


class Skip(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(256, 256), nn.Linear(256, 256), nn.Linear(256, 64)
        self.d = nn.Linear(256, 64)

    def forward(self, x):
        h = torch.relu(self.a(x))
        return self.c(self.b(h) + h) + self.d(x)  # residuals: layers read h and x again


# A model that is not a chain: layers read earlier layers' outputs and the
# input (residual connections), which the run keeps until their last
# reader; the same bits as the resident model.
skip = from_torch(Skip(), (torch.from_numpy(x[0]),), weights="arguments")
skip_source = os.path.join(directory, "skip.safetensors")
write_tensors(skip_source, [(name, value, "F32") for name, value in skip.parameters])
skip_path = os.path.join(directory, "skip.e2m1.safetensors")
result = subprocess.run([tool, skip_source, "--format", "e2m1", "--keep", "*.bias", "-o", skip_path,
                         "--quiet"], capture_output=True, text=True)
assert result.returncode == 0, result.stderr
streamed = StreamedModel(skip, "weights=e2m1 activations=e4m3", MICRO_BATCHES, skip_path, opt_level=1)
y, stats = streamed.run(x)
skip_parameters = [value for _, value in skip.parameters]
resident = streamed.jit.invoke("forward_l2l", x, *skip_parameters)
reads = sorted({source for sources in streamed.sources for source in sources})
compiled, _ = streamed.run_compiled(x)
print(f"skip: {len(streamed.layers)} layers reading {reads}, output {streamed.output}, "
      f"bit-identical to resident: {np.array_equal(y.view(np.uint32), resident.view(np.uint32))}, "
      f"compiled driver too: {np.array_equal(compiled.view(np.uint32), resident.view(np.uint32))}")
# CHECK: skip: 4 layers reading [('input', 0), ('layer', 0, 0), ('layer', 1, 0), ('layer', 2, 0)], output ('layer', 3, 0), bit-identical to resident: True, compiled driver too: True

# The compiled driver takes exactly `micro_batches`.
try:
    streamed.run_compiled(x[:2])
except LayerToLayerError as e:
    print(e)
# CHECK: the compiled driver takes 4 micro-batches, got 2

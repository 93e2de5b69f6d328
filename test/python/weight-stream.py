# RUN: rm -rf %t && mkdir -p %t
# RUN: env PYTHONPATH=%mx_python_packages %python %s %t mx-quantize | FileCheck %s
#
# mx_mlir.WeightStream over a checkpoint that mx-quantize wrote (MXFP4
# `.blocks` / `.scales`, f32 biases kept): every layer's tensors come back
# byte for byte as the file holds them (read here independently of the
# runtime), in order and in a forward-then-backward schedule, under a
# memory budget of two buffers of the largest layer. The pool is what the
# budget allows and no more than two layers are ever held. Broken or
# mismatched checkpoints are errors naming the file, layer and tensor
# before anything is read.

import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

from mx_mlir import WeightStream, WeightStreamError
from mx_mlir.tensor_writer import write_tensors

directory, tool = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(3)
widths = [64, 256, 512, 128, 32]  # four layers, layer 1 the largest
tensors = []
for i, (k, n) in enumerate(zip(widths, widths[1:])):
    tensors.append((f"layers.{i}.weight", rng.standard_normal((n, k)).astype(np.float32), "F32"))
    tensors.append((f"layers.{i}.bias", rng.standard_normal(n).astype(np.float32), "F32"))
source = os.path.join(directory, "model.safetensors")
checkpoint = os.path.join(directory, "model.mxfp4.safetensors")
write_tensors(source, tensors)
result = subprocess.run([tool, source, "--format", "e2m1", "--keep", "*.bias", "-o", checkpoint,
                         "--quiet"], capture_output=True, text=True)
assert result.returncode == 0, result.stderr


def parse(path):
    data = open(path, "rb").read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    return {name: (e["dtype"], e["shape"], data[8 + size + e["data_offsets"][0]:
                                               8 + size + e["data_offsets"][1]])
            for name, e in header.items()}


file = parse(checkpoint)
layers = [[(f"layers.{i}.{part}", file[f"layers.{i}.{part}"][0], file[f"layers.{i}.{part}"][1])
           for part in ("weight.blocks", "weight.scales", "bias")] for i in range(len(widths) - 1)]
print("layer 2:", layers[2])
# CHECK: layer 2: [('layers.2.weight.blocks', 'U8', [128, 16, 16]), ('layers.2.weight.scales', 'U8', [128, 16]), ('layers.2.bias', 'F32', [128])]


def layer_bytes(layer):  # each tensor 64-byte aligned in the buffer
    return sum(-(-len(file[name][2]) // 64) * 64 for name, _, _ in layer)


largest = max(layer_bytes(layer) for layer in layers)
for schedule in (None, [0, 1, 2, 3, 3, 2, 1, 0]):
    mismatches = 0
    with WeightStream(checkpoint, layers, schedule=schedule, budget=2 * largest) as stream:
        for index in schedule or range(len(layers)):
            for (name, _, _), array in zip(layers[index], stream.acquire(index)):
                mismatches += array.tobytes() != file[name][2]
            stream.release(index)
        print(f"schedule {schedule}: {mismatches} tensors differ, pool {stream.pool_bytes} "
              f"= 2 x {largest}: {stream.pool_bytes == 2 * largest}, peak held "
              f"{stream.peak_resident_bytes} <= pool: {stream.peak_resident_bytes <= stream.pool_bytes}")
# CHECK: schedule None: 0 tensors differ, pool 143360 = 2 x 71680: True, peak held {{[0-9]+}} <= pool: True
# CHECK: schedule [0, 1, 2, 3, 3, 2, 1, 0]: 0 tensors differ, pool 143360 = 2 x 71680: True, peak held {{[0-9]+}} <= pool: True


def error(path, layer_list, **options):
    try:
        WeightStream(path, layer_list, **options).close()
        return "(no error)"
    except WeightStreamError as e:
        return str(e).replace(directory + "/", "")


print(error(checkpoint, layers, budget=2 * largest - 1))
# CHECK: the memory budget of 143359 bytes is too small: 2 buffers of the largest layer (layer 1, 71680 bytes) take 143360
missing = [list(layer) for layer in layers]
missing[3][2] = ("layers.3.bias.scales", "U8", [1])
print(error(checkpoint, missing))
# CHECK: model.mxfp4.safetensors: layer 3: tensor 'layers.3.bias.scales' is missing
shape = [list(layer) for layer in layers]
shape[0][0] = ("layers.0.weight.blocks", "U8", [256, 4, 32])
print(error(checkpoint, shape))
# CHECK: model.mxfp4.safetensors: layer 0: tensor 'layers.0.weight.blocks' is U8 [256, 2, 16]; the layer takes U8 [256, 4, 32]
truncated = os.path.join(directory, "truncated.safetensors")
shutil.copy(checkpoint, truncated)
os.truncate(truncated, os.path.getsize(checkpoint) - 100)
print(error(truncated, layers))
# CHECK: truncated.safetensors: tensor '{{.+}}': truncated file: the tensor ends at byte {{[0-9]+}} of the data, which holds {{[0-9]+}}
print(error(os.path.join(directory, "absent.safetensors"), layers))
# CHECK: absent.safetensors: No such file or directory
print(error(checkpoint, layers, schedule=[0, 4]))
# CHECK: the schedule names layer 4; there are 4
with WeightStream(checkpoint, layers) as stream:
    try:
        stream.acquire(1)
    except WeightStreamError as e:
        print(e)
# CHECK: layer 1 acquired out of order: step 0 of the schedule is layer 0

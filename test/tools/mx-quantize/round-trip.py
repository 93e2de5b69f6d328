# RUN: rm -rf %t && mkdir -p %t
# RUN: env PYTHONPATH=%mx_python_packages %python %s %t mx-quantize | FileCheck %s
#
# mx-quantize on a safetensors file (F32, BF16 and F16 tensors, a partial
# last block, tensors it keeps), then --dequantize: the written blocks and
# scales are the reference's codes packed as the IR stores them (grouped
# [..., blocks, 16] for whole-block FP4 rows, like published MXFP4
# checkpoints), the values coming back are the reference's dequantized
# values bit for bit, and what it keeps is untouched. The output is parsed
# here byte by byte, independently of the tool's own reader.

import json
import os
import struct
import subprocess
import sys

import numpy as np

from mx_mlir import reference as ref
from mx_mlir.tensor_writer import write_tensors

directory, tool = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)


def path(name):
    return os.path.join(directory, name)


def parse(file_name):
    """{name: (dtype, array)} and metadata, straight from the bytes."""
    data = open(path(file_name), "rb").read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "U8": np.uint8,
              "I64": np.int64}
    body = data[8 + size:]
    tensors = {name: (e["dtype"], np.frombuffer(body[e["data_offsets"][0]:e["data_offsets"][1]],
                                                dtype=dtypes[e["dtype"]]).reshape(e["shape"]))
               for name, e in header.items()}
    return tensors, metadata


def run(*args):
    result = subprocess.run([tool, *args], capture_output=True, text=True)
    print(result.stdout, end="")
    return result


weight = (rng.standard_normal((64, 96)) * np.exp2(rng.integers(-10, 10, (64, 1)))).astype(np.float32)
weight[3, 5] = np.nan
bias = rng.standard_normal(64).astype(np.float32)
embedding_f32 = rng.standard_normal((10, 40)).astype(np.float32)
embedding = (embedding_f32.view(np.uint32) >> 16).astype(np.uint16)  # BF16 bits
norm = rng.standard_normal((3, 32)).astype(np.float16)
steps = np.array([7, 9], np.int64)
write_tensors(path("model.safetensors"), [
    ("layer.0.weight", weight, "F32"), ("layer.0.bias", bias, "F32"),
    ("embedding", embedding, "BF16"), ("norm", norm, "F16"), ("steps", steps, "I64")],
    {"source": "test"})

result = run(path("model.safetensors"), "--format", "e2m1", "--keep", "*.bias",
             "-o", path("model.mxfp4.safetensors"))
print("exit", result.returncode)
# CHECK: tensor shape in bytes out bytes ratio max|err|/amax rel RMS err
# CHECK-NEXT: layer.0.weight 64x96 24576 3264 7.53x {{[0-9.]+e-0[12]}} {{[0-9.]+e-0[12]}} (1 NaN blocks)
# CHECK-NEXT: layer.0.bias 64 256 256 1.00x (kept)
# CHECK-NEXT: embedding 10x40 800 220 3.64x {{[0-9.]+e-0[12]}} {{[0-9.]+e-0[12]}}
# CHECK-NEXT: norm 3x32 192 51 3.76x {{[0-9.]+e-0[12]}} {{[0-9.]+e-0[12]}}
# CHECK-NEXT: steps 2 16 16 1.00x (kept)
# CHECK-NEXT: total 25840 3807 6.79x
# CHECK: exit 0

tensors, metadata = parse("model.mxfp4.safetensors")
info = json.loads(metadata["mx_mlir"])
print(sorted(tensors), metadata["source"], info["format"], info["block"], sorted(info["tensors"]))
# CHECK: ['embedding.blocks', 'embedding.scales', 'layer.0.bias', 'layer.0.weight.blocks', 'layer.0.weight.scales', 'norm.blocks', 'norm.scales', 'steps'] test e2m1 32 ['embedding', 'layer.0.weight', 'norm']


def packed(codes):
    codes = np.concatenate([codes, np.zeros(codes.shape[:-1] + (codes.shape[-1] % 2,), np.uint8)], -1)
    return codes[..., 0::2] | (codes[..., 1::2] << 4)


mismatches = 0
sources = {"layer.0.weight": weight, "embedding": embedding_f32.view(np.uint32) >> 16 << 16,
           "norm": norm.astype(np.float32)}
sources["embedding"] = sources["embedding"].astype(np.uint32).view(np.float32)
for name, x in sources.items():
    codes, scales = ref.quantize(x, "e2m1")
    _, blocks = tensors[name + ".blocks"]
    _, written_scales = tensors[name + ".scales"]
    print(name, blocks.shape, written_scales.shape)
    mismatches += int(np.sum(blocks.reshape(packed(codes).shape) != packed(codes)))
    mismatches += int(np.sum(written_scales != scales))
# CHECK: layer.0.weight (64, 3, 16) (64, 3)
# CHECK: embedding (10, 20) (10, 2)
# CHECK: norm (3, 1, 16) (3, 1)
print("blocks and scales:", mismatches, "mismatches")
# CHECK: blocks and scales: 0 mismatches
print("kept:", np.array_equal(tensors["layer.0.bias"][1], bias),
      np.array_equal(tensors["steps"][1], steps))
# CHECK: kept: True True

result = run(path("model.mxfp4.safetensors"), "--dequantize", "-o", path("back.safetensors"))
print("exit", result.returncode)
# CHECK: tensor shape in bytes out bytes ratio
# CHECK-NEXT: layer.0.weight 64x96 3264 24576 0.13x
# CHECK-NEXT: layer.0.bias 64 256 256 1.00x
# CHECK-NEXT: embedding 10x40 220 1600 0.14x
# CHECK: exit 0
back, metadata = parse("back.safetensors")
mismatches = 0
for name, x in sources.items():
    dtype, values = back[name]
    want = ref.dequantize(*ref.quantize(x, "e2m1"), "e2m1")
    same = (values.view(np.uint32) == want.view(np.uint32)) | (np.isnan(values) & np.isnan(want))
    mismatches += int(np.sum(~same)) + (dtype != "F32") + (values.shape != x.shape)
print("dequantized:", mismatches, "mismatches;", sorted(back), metadata)
# CHECK: dequantized: 0 mismatches; ['embedding', 'layer.0.bias', 'layer.0.weight', 'norm', 'steps'] {'source': 'test'}

# .npy and .npz inputs, other formats, a progress bar when asked.
np.save(path("w.npy"), weight)
result = run(path("w.npy"), "--format", "int8", "--scale-rule", "rceil", "--progress", "--quiet",
             "-o", path("w.safetensors"))
print("npy exit", result.returncode, "progress" if "100.0%" in result.stderr else "no progress")
# CHECK: npy exit 0 progress
tensors, _ = parse("w.safetensors")
codes, scales = ref.quantize(weight, "int8", scale_rule="rceil")
print("npy:", np.array_equal(tensors["w.blocks"][1].reshape(codes.shape), codes),
      np.array_equal(tensors["w.scales"][1], scales))
# CHECK: npy: True True
np.savez(path("both.npz"), a=weight, b=bias)
result = run(path("both.npz"), "--format", "e4m3", "--quiet", "-o", path("both.mx.npz"))
with np.load(path("both.mx.npz")) as archive:
    codes, scales = ref.quantize(bias, "e4m3")
    print("npz exit", result.returncode, sorted(archive.files),
          archive["b.blocks"].shape, np.array_equal(archive["b.blocks"].reshape(codes.shape), codes),
          np.array_equal(archive["b.scales"], scales))
# CHECK: npz exit 0 ['a.blocks', 'a.scales', 'b.blocks', 'b.scales'] (2, 32) True True

# Compressed .npz members (inflated to a temporary file and mapped) and a
# Fortran-order .npy read as what they hold.
np.savez_compressed(path("packed.npz"), w=weight)
np.save(path("fortran.npy"), np.asfortranarray(weight))
codes, scales = ref.quantize(weight, "e4m3")
for name, key in (("packed.npz", "w"), ("fortran.npy", "fortran")):
    result = run(path(name), "--format", "e4m3", "--quiet", "-o", path(name + ".safetensors"))
    tensors, _ = parse(name + ".safetensors")
    print(name, "exit", result.returncode,
          np.array_equal(tensors[key + ".blocks"][1].reshape(codes.shape), codes),
          np.array_equal(tensors[key + ".scales"][1], scales))
# CHECK: packed.npz exit 0 True True
# CHECK: fortran.npy exit 0 True True

# Two-level formats: one packed .blocks tensor per quantized tensor (the
# NumPy reference's codes, microexponents and exponents packed as
# lib/Numerics packs them), then back to the reference's values.
for fmt in ("mx9", "mx6", "mx4"):
    result = run(path("model.safetensors"), "--format", fmt, "--keep", "*.bias", "--quiet",
                 "-o", path(f"model.{fmt}.safetensors"))
    tensors, metadata = parse(f"model.{fmt}.safetensors")
    info = json.loads(metadata["mx_mlir"])
    mismatches = 0
    for name, x in sources.items():
        parts = ref.quantize_shared_microexponent(x, fmt)
        _, blocks = tensors[name + ".blocks"]
        mismatches += int(np.sum(blocks != ref.pack_shared_microexponent(*parts, fmt)))
    back_result = run(path(f"model.{fmt}.safetensors"), "--dequantize", "--quiet",
                      "-o", path(f"back.{fmt}.safetensors"))
    back, _ = parse(f"back.{fmt}.safetensors")
    for name, x in sources.items():
        want = ref.dequantize_shared_microexponent(*ref.quantize_shared_microexponent(x, fmt), fmt)
        got = back[name][1]
        same = (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))
        mismatches += int(np.sum(~same))
    print(fmt, "exit", result.returncode, back_result.returncode, info["format"], info["block"],
          sorted(n for n in tensors if n.startswith("layer.0.weight")),
          tensors["layer.0.weight.blocks"][1].shape, mismatches, "mismatches")
# CHECK: mx9 exit 0 0 mx9 16 ['layer.0.weight.blocks'] (64, 6, 18) 0 mismatches
# CHECK: mx6 exit 0 0 mx6 16 ['layer.0.weight.blocks'] (64, 6, 12) 0 mismatches
# CHECK: mx4 exit 0 0 mx4 16 ['layer.0.weight.blocks'] (64, 6, 8) 0 mismatches

print("left behind:", sorted(f for f in os.listdir(directory) if f.startswith(".")))
# CHECK: left behind: []

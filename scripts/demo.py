#!/usr/bin/env python3
"""The main demo: drop-in MX quantization of a real model.

A 64-128-128-10 MLP trained on Debian's handwritten digits
(examples/digits/) is emitted as f32 linalg IR, rewritten to MX by
`mx-opt --mx-quantize-policy` for each format (weights and activations;
constant weights fold to packed MX constants at compile time), lowered by
mx-cpu-pipeline and JIT-compiled through the Python package, and run on the
450 test images. The table compares each format with FP32.
"""

import os
import re
import subprocess
import sys
import time

# The NumPy row runs on one thread, like the compiled ones (OpenBLAS reads
# this when NumPy loads it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILD = os.path.join(ROOT, os.environ.get("MX_BUILD_DIR", "build"))
sys.path.insert(0, os.path.join(BUILD, "python_packages"))
sys.path.insert(0, os.path.join(ROOT, "examples", "digits"))
import mx_mlir  # noqa: E402
from digits_mlp import LAYERS, f32_program, load_digits, load_weights  # noqa: E402

MX_OPT = os.path.join(BUILD, "bin", "mx-opt")
BATCH = 90
# (label, weights, activations[, more policy options, file suffix]): the
# policy's formats per operand role.
FORMATS = [("FP32", None, None), ("MXFP8 E4M3", "e4m3", "e4m3"), ("MXFP8 E5M2", "e5m2", "e5m2"),
           ("MXFP6 E3M2", "e3m2", "e3m2"), ("MXFP6 E2M3", "e2m3", "e2m3"),
           ("MXFP4 E2M1", "e2m1", "e2m1"), ("MXINT8", "int8", "int8"),
           ("MXFP4 W-only", "e2m1", "none"),
           ("MXFP4 +Hadamard", "e2m1", "e2m1", "hadamard=true", "hadamard"),
           ("FP8 f32 tiles", "e4m3", "e4m3", "scales=f32 block-size=64", "f32-tiles"),
           ("NVFP4", "e2m1", "e2m1", "scales=e4m3", "nvfp4"),
           ("MX9", "mx9", "mx9"), ("MX6", "mx6", "mx6"), ("MX4", "mx4", "mx4")]
BYTES = {"f32": 4, "i8": 1, "f8E8M0FNU": 1, "f8E4M3FN": 1}


def say(text):
    print(text, flush=True)


def weight_bytes(lowered):
    """Bytes of every constant global of the lowered (LLVM dialect) module."""
    total = 0
    for shape, element in re.findall(r"llvm\.mlir\.global private constant .*?: tensor<([0-9x]+)x(\w+)>\)",
                                     lowered):
        total += int(np.prod([int(d) for d in shape.split("x")])) * BYTES[element]
    return total


def blas_library():
    """The BLAS library NumPy loaded (Debian's alternatives choose it: the
    reference netlib BLAS, or OpenBLAS where libopenblas0 is installed)."""
    np.ones((2, 2), np.float32) @ np.ones((2, 2), np.float32)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    names = sorted({os.path.realpath(p) for p in paths})
    for name in names:
        if "openblas" in name:
            return "OpenBLAS"
    return "netlib BLAS" if names else "no BLAS"


def numpy_mlp(weights):
    """The f32 model in NumPy: what a user would run without a compiler."""
    def forward(x):
        for i, (w, b) in enumerate(weights):
            x = x @ w + b
            if i + 1 < len(weights):
                x = np.maximum(x, np.float32(0))
        return x
    return forward


def main():
    say("== mx-mlir demo: drop-in MX quantization of an MLP on handwritten digits ==")
    path = subprocess.run(["bash", os.path.join(ROOT, "scripts", "fetch-digits.sh")],
                          capture_output=True, text=True, check=True).stdout.strip()
    train_x, _, test_x, test_y = load_digits(path)
    say(f"[1/4] data: {len(train_x) + len(test_x)} 8x8 digit images ({path}); "
        f"{len(test_x)} held out for testing")
    weights = load_weights()
    f32_ir = f32_program(weights, BATCH)
    parameters = sum(w.size + b.size for w, b in weights)
    say(f"[2/4] model: {'-'.join(str(k) for k, _ in LAYERS)}-{LAYERS[-1][1]} MLP, {parameters} "
        f"trained f32 parameters (examples/digits/weights.npz), emitted as f32 linalg IR "
        f"({len(f32_ir.splitlines())} lines, batch {BATCH})")

    out_dir = os.path.join(BUILD, "demo")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "mlp.f32.mlir"), "w") as handle:
        handle.write(f32_ir)
    say("[3/4] compiling: mx-opt --mx-quantize-policy (the drop-in rewrite), then "
        "mx-cpu-pipeline + JIT")
    compiled = []
    for label, fmt, activations, *more in FORMATS:
        options, suffix = (more + ["", ""])[:2]
        start = time.perf_counter()
        source = f32_ir
        if fmt:
            policy = f"--mx-quantize-policy=weights={fmt} activations={activations} {options}"
            result = subprocess.run([MX_OPT, "-", policy.strip()], input=f32_ir,
                                    capture_output=True, text=True, check=True)
            source = result.stdout
            name = fmt if activations == fmt else f"{fmt}-weights-only"
            name += f"-{suffix}" if suffix else ""
            with open(os.path.join(out_dir, f"mlp.{name}.mlir"), "w") as handle:
                handle.write(source)
        module = mx_mlir.Module.parse(source)
        jit = module.compile()
        compiled.append((label, fmt, jit, weight_bytes(str(module))))
        say(f"      {label:<15} compiled in {time.perf_counter() - start:4.1f} s")

    say(f"[4/4] running {len(test_x)} test images in batches of {BATCH}")
    batches = [np.ascontiguousarray(test_x[i:i + BATCH]) for i in range(0, len(test_x), BATCH)]

    def evaluate(label, run, size, reference=None):
        """The table row of `run` (a batch -> logits function); agreement
        with `reference`'s predictions (the FP32 row's), or with itself."""
        predictions = np.concatenate([run(x) for x in batches]).argmax(axis=1)
        timings = []
        for _ in range(30):
            begin = time.perf_counter()
            run(batches[0])
            timings.append(time.perf_counter() - begin)
        agreement = predictions if reference is None else reference
        return (label, 100 * np.mean(predictions == test_y), 100 * np.mean(predictions == agreement),
                size, 1e6 * float(np.median(timings)), predictions)

    rows = []
    for label, fmt, jit, size in compiled:
        rows.append(evaluate(label, lambda x, jit=jit: jit.invoke("mlp", x), size,
                             rows[0][-1] if rows else None))
        say(f"      {label:<15} done")
    # The same f32 model in NumPy, beside the compiled FP32 row.
    rows.insert(1, evaluate("FP32 NumPy", numpy_mlp(weights), rows[0][3], rows[0][-1]))
    blas = blas_library()

    say("")
    say(f"{'format':<15} {'test accuracy':>13} {'agrees with FP32':>17} {'weight bytes':>13} "
        f"{'vs FP32':>8} {'time/batch':>11}")
    base_bytes = rows[0][3]
    for label, accuracy, agreement, size, micros, _ in rows:
        say(f"{label:<15} {accuracy:>12.2f}% {agreement:>16.2f}% {size:>13,} "
            f"{base_bytes / size:>7.2f}x {micros:>8.0f} us")
    say("")
    say(f"Weights and activations in the format, except W-only: MXFP4 weights, f32 "
        f"activations. +Hadamard: both operands of each product transformed along K by "
        f"mx.hadamard first (weights at compile time). FP8 f32 tiles: E4M3 with an f32 scale "
        f"per 1 x 64 activation tile and 64 x 64 weight block (the DeepSeek-V3 recipe; 64 "
        f"divides the model's K). NVFP4: E2M1 in blocks of 16 with E4M3 block scales and an f32 "
        f"scale per tensor (per batch for activations). Weight bytes: the constants the "
        f"lowered program stores (weights as packed MX elements + E8M0, E4M3 or f32 scales, "
        f"or MX9/MX6/MX4's packed blocks; biases in f32). "
        f"Time: median of 30 calls of one batch of {BATCH} on this CPU (JIT, one thread); "
        f"MX6/MX4 products run on the MXINT8 integer kernel (their blocks are exactly MXINT8 "
        f"blocks of 16; constant weights converted at compile time, so the program stores "
        f"them as MXINT8); NVFP4's and FP8 f32 tiles' on the packed kernel with their "
        f"E4M3 or f32 block scales multiplied (a 64 x 64 weight block as 64 x 1 blocks "
        f"repeating its scale); MX9's on the packed kernel's f32 FMA, its weight "
        f"blocks decoded into f32 panels per call (their microexponents vary inside a "
        f"block). FP32 is "
        f"upstream's linalg lowering; "
        f"FP32 NumPy the same model in NumPy on {blas}, one thread. IR: {out_dir}/mlp.<format>.mlir")


if __name__ == "__main__":
    main()

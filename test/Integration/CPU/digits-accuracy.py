# REQUIRES: digits
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/digits %python %s %digits_csv | FileCheck %s
#
# The demo's model (an f32 MLP trained on the digits) made MX by
# mx-quantize-policy and compiled by mx-cpu-pipeline: its test accuracy is
# within 0.5 points of FP32 for MXFP8 E4M3, MXINT8, MX9 and FP8 with f32
# tiles and within 2 points for MXFP4 (also after the Hadamard rotation),
# NVFP4 and MX6, and its predictions are those of a NumPy model of the MX
# numerics
# (mx_mlir.reference), every one.

import sys

import numpy as np

import mx_mlir
from digits_mlp import f32_program, load_digits, load_weights, mx_reference

_, _, test_x, test_y = load_digits(sys.argv[1])
weights = load_weights()
BATCH = 90
batches = [np.ascontiguousarray(test_x[i:i + BATCH]) for i in range(0, len(test_x), BATCH)]


# Policy variants: FP8 with f32 tiles of 64, MXFP4 after the Hadamard
# rotation (seed 0).
VARIANTS = {"tiles64": (" scales=f32 block-size=64", dict(tiles=64)),
            "hadamard": (" hadamard=true", dict(hadamard=0)),
            "nvfp4": (" scales=e4m3", dict(nvfp4=True))}


def compiled_logits(fmt, variant=None):
    module = mx_mlir.Module.parse(f32_program(weights, BATCH))
    if fmt:
        options = VARIANTS[variant][0] if variant else ""
        module.run_pipeline(f"mx-quantize-policy{{weights={fmt} activations={fmt}{options}}}")
        assert "linalg.matmul" not in str(module)
    jit = module.compile()
    return np.concatenate([jit.invoke("mlp", x) for x in batches])


f32_accuracy = 100 * np.mean(compiled_logits(None).argmax(axis=1) == test_y)
print(f"FP32 accuracy {f32_accuracy:.2f}%")
# CHECK: FP32 accuracy {{9[0-9]\.[0-9]+}}%
for name, bar in (("e4m3", 0.5), ("int8", 0.5), ("e2m1", 2.0), ("e5m2", None), ("e3m2", None),
                  ("e2m3", None), ("mx9", 0.5), ("mx6", 2.0), ("mx4", None),
                  ("e4m3+tiles64", 0.5), ("e2m1+hadamard", 2.0), ("e2m1+nvfp4", 2.0)):
    fmt, _, variant = name.partition("+")
    logits = compiled_logits(fmt, variant or None)
    predictions = logits.argmax(axis=1)
    accuracy = 100 * np.mean(predictions == test_y)
    # Per batch, as compiled: NVFP4's activation tensor scale is a batch's.
    expected = np.concatenate([
        mx_reference(weights, x, fmt, **(VARIANTS[variant][1] if variant else {}))
        for x in batches])
    disagree = int(np.sum(predictions != expected.argmax(axis=1)))
    scale = np.abs(expected).max()
    drift = float(np.abs(logits - expected).max() / scale)
    verdict = "" if bar is None else (" within bar" if f32_accuracy - accuracy <= bar else " BELOW BAR")
    print(f"{name}: accuracy {accuracy:.2f}%{verdict}; {disagree} predictions differ from the "
          f"NumPy MX model; max logit difference {drift:.1e} of max |logit|")
# CHECK: e4m3: accuracy {{.*}}% within bar; 0 predictions differ from the NumPy MX model
# CHECK: int8: accuracy {{.*}}% within bar; 0 predictions differ
# CHECK: e2m1: accuracy {{.*}}% within bar; 0 predictions differ
# CHECK: e5m2: accuracy {{.*}}%; 0 predictions differ
# CHECK: e3m2: accuracy {{.*}}%; 0 predictions differ
# CHECK: e2m3: accuracy {{.*}}%; 0 predictions differ
# CHECK: mx9: accuracy {{.*}}% within bar; 0 predictions differ
# CHECK: mx6: accuracy {{.*}}% within bar; 0 predictions differ
# CHECK: mx4: accuracy {{.*}}%; 0 predictions differ
# CHECK: e4m3+tiles64: accuracy {{.*}}% within bar; 0 predictions differ
# CHECK: e2m1+hadamard: accuracy {{.*}}% within bar; 0 predictions differ
# CHECK: e2m1+nvfp4: accuracy {{.*}}% within bar; 0 predictions differ

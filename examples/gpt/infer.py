"""Drop-in MX inference of examples/gpt's trained GPT (weights.npz, made by
pretrain.py): the PyTorch module imported by mx_mlir.from_torch with its
weights as constants, rewritten by mx-quantize-policy for each format (no
retraining), lowered by mx-cpu-pipeline, JIT-compiled, and run on
validation windows of the King James Bible beside PyTorch f32.

    /usr/bin/python3 examples/gpt/infer.py "$(bash scripts/fetch-text.sh)" [--batches N] [--rows ...] [--out DIR]

Per row: validation loss (mean next-byte cross-entropy, nats) and
perplexity, relative loss against the compiled f32 model, agreement of the
next-byte predictions (argmax) with f32, the bytes of the program's
constants (weights; embeddings, LayerNorm and biases stay f32), and the
median time of one batch on one thread. PyTorch 1.13 f32 runs the same
batches on one thread. With --out, writes DIR/gpt-inference.{json,md}.
"""

import argparse
import json
import os
import re
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", os.environ.get("MX_BUILD_DIR", "build"),
                                "python_packages"))
from data import batches, load_corpus  # noqa: E402
from model import GPT  # noqa: E402
from mx_mlir import Module, from_torch  # noqa: E402
from train import BATCH, CONFIG  # noqa: E402

WEIGHTS = os.path.join(HERE, "weights.npz")
# name -> (label, policy options or None for f32)
ROWS = {
    "f32": ("FP32", None),
    "e4m3": ("MXFP8 E4M3", "weights=e4m3 activations=e4m3"),
    "e5m2": ("MXFP8 E5M2", "weights=e5m2 activations=e5m2"),
    "e3m2": ("MXFP6 E3M2", "weights=e3m2 activations=e3m2"),
    "e2m3": ("MXFP6 E2M3", "weights=e2m3 activations=e2m3"),
    "e2m1": ("MXFP4 E2M1", "weights=e2m1 activations=e2m1"),
    "int8": ("MXINT8", "weights=int8 activations=int8"),
    "e4m3-f32-attention": ("MXFP8 E4M3, attention f32",
                           "weights=e4m3 activations=e4m3 activation-products=false"),
    "e2m1-f32-attention": ("MXFP4 E2M1, attention f32",
                           "weights=e2m1 activations=e2m1 activation-products=false"),
    "e4m3-rceil": ("MXFP8 E4M3, rceil", "weights=e4m3 activations=e4m3 scale-rule=rceil"),
    "e2m1-rceil": ("MXFP4 E2M1, rceil", "weights=e2m1 activations=e2m1 scale-rule=rceil"),
    "e4m3-weights": ("MXFP8 E4M3 W-only", "weights=e4m3 activations=none"),
    "e2m3-weights": ("MXFP6 E2M3 W-only", "weights=e2m3 activations=none"),
    "e2m1-weights": ("MXFP4 E2M1 W-only", "weights=e2m1 activations=none"),
    "int8-weights": ("MXINT8 W-only", "weights=int8 activations=none"),
}
BYTES = {"f32": 4, "i8": 1, "f8E8M0FNU": 1, "i1": 1}


def load_model(path=WEIGHTS):
    model = GPT(**CONFIG)
    with np.load(path) as archive:
        state = {name: torch.from_numpy(archive[name]) for name in archive.files}
    missing = model.load_state_dict(state, strict=False).missing_keys
    assert all(name.endswith(".mask") for name in missing), missing
    return model.eval()


def constant_bytes(lowered):
    """Bytes of the constant globals of a lowered (LLVM dialect) module."""
    total = 0
    for shape, element in re.findall(
            r"llvm\.mlir\.global private constant .*?: tensor<([0-9x]+)x(\w+)>\)", lowered):
        total += int(np.prod([int(d) for d in shape.split("x")])) * BYTES[element]
    return total


def compile_row(text, name):
    """The JIT of the imported f32 `text` made MX by row `name`'s policy."""
    module = Module.parse(text)
    policy = ROWS[name][1]
    if policy:
        module.run_pipeline(f"mx-quantize-policy{{{policy}}}")
    return module, module.compile()


def cross_entropy(logits, targets):
    """Per-position next-byte cross-entropy (nats) of f32 logits [b, t, v]."""
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]


def median_seconds(call, repeats):
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def evaluate(forward, data, repeats):
    """(mean loss, predictions, seconds per batch) of `forward` over `data`."""
    losses, predictions = [], []
    for x, y in data:
        logits = forward(x)
        losses.append(cross_entropy(logits, y))
        predictions.append(logits.argmax(axis=-1))
    seconds = median_seconds(lambda: forward(data[0][0]), repeats)
    return float(np.mean(losses)), np.stack(predictions), seconds


def table(result):
    rows = ["| model | validation loss | perplexity | vs FP32 | agrees with FP32 | "
            "constant bytes | vs FP32 | time / batch | compile |",
            "|---|---|---|---|---|---|---|---|---|"]
    base = result["rows"]["f32"]
    for name, row in result["rows"].items():
        size = f"{row['bytes']:,}" if row["bytes"] else "-"
        ratio = f"{base['bytes'] / row['bytes']:.2f}x" if row["bytes"] else "-"
        rows.append(f"| {row['label']} | {row['loss']:.4f} | {np.exp(row['loss']):.3f} | "
                    f"{100 * (row['loss'] / base['loss'] - 1):+.2f}% | {row['agreement']:.2f}% | "
                    f"{size} | {ratio} | {1e3 * row['seconds']:.2f} ms | {row['compile_s']:.1f} s |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--rows", nargs="*", default=list(ROWS))
    parser.add_argument("--weights", default=WEIGHTS)
    parser.add_argument("--out")
    args = parser.parse_args()
    for name in args.rows:
        if name not in ROWS:
            sys.exit(f"unknown row {name!r} (have {', '.join(ROWS)})")
    if args.rows[0] != "f32":
        args.rows.insert(0, "f32")
    torch.set_num_threads(1)
    _, validation = load_corpus(args.corpus)
    data = list(batches(validation, BATCH, CONFIG["context"], args.batches, seed=99))
    model = load_model(args.weights)
    imported = from_torch(model, (torch.from_numpy(data[0][0]),), weights="constants")

    def torch_forward(x):
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()

    result = {"batch": BATCH, "config": CONFIG, "batches": args.batches, "rows": {}}
    f32_predictions = None
    for name in args.rows:
        label, policy = ROWS[name]
        start = time.time()
        module, jit = compile_row(imported.text, name)
        compile_s = time.time() - start
        loss, predictions, seconds = evaluate(lambda x: jit.invoke(imported.function, x), data,
                                              args.repeats)
        if f32_predictions is None:
            f32_predictions = predictions
        result["rows"][name] = {"label": label, "policy": policy, "loss": loss,
                                "agreement": 100 * float(np.mean(predictions == f32_predictions)),
                                "bytes": constant_bytes(str(module)), "seconds": seconds,
                                "compile_s": compile_s}
        print(f"{label}: loss {loss:.4f}, {1e3 * seconds:.2f} ms/batch, compiled in {compile_s:.1f} s",
              flush=True)
    loss, predictions, seconds = evaluate(torch_forward, data, args.repeats)
    result["rows"]["torch"] = {"label": "PyTorch f32", "policy": None, "loss": loss,
                               "agreement": 100 * float(np.mean(predictions == f32_predictions)),
                               "bytes": 0, "seconds": seconds, "compile_s": 0.0}
    print(f"\n{args.batches} validation batches of {BATCH} x {CONFIG['context']} bytes, one thread")
    print(table(result))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "gpt-inference.json"), "w") as handle:
            json.dump(result, handle, indent=1)
        with open(os.path.join(args.out, "gpt-inference.md"), "w") as handle:
            handle.write(table(result) + "\n")


if __name__ == "__main__":
    main()

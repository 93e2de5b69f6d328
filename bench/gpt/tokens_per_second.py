#!/usr/bin/env python3
"""Tokens per second of examples/gpt's GPT (2 layers, 4 heads, 64 channels,
batch 16 x 64 bytes) compiled by mx-mlir, beside PyTorch 1.13 f32 on the
same model and batch, both on one thread, measured in the same run.

- Training: one compiled step (mx-training-step, AdamW; mx-training-recipe
  per recipe) against PyTorch's forward + backward + AdamW step.
- Inference: the trained model (examples/gpt/weights.npz) with its weights
  as constants, per format of mx-quantize-policy, against PyTorch's forward;
  and with the weights as arguments ({mx.weight}), quantized on every call
  or once by mx-prepare-weights, for the batch and for one 8-byte sequence
  (a decode-sized call, where quantizing the weights is most of the work).

    /usr/bin/python3 bench/gpt/tokens_per_second.py [--recipes ...] [--inference ...] [--out DIR]

Each figure is the median of `--repeats` timed calls after a warm-up call;
the ratio column is against PyTorch in the same run. --out writes
DIR/gpt.json and DIR/gpt.md. Run it on a quiet machine.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples", "gpt"))
sys.path.insert(0, os.path.join(ROOT, os.environ.get("MX_BUILD_DIR", "build"), "python_packages"))
from data import batches, load_corpus  # noqa: E402
from infer import ROWS, compile_row, load_model, median_seconds  # noqa: E402
from model import GPTLoss  # noqa: E402
from mx_mlir import Module, from_torch  # noqa: E402
from mx_mlir.training import Trainer  # noqa: E402
from train import BATCH, CONFIG, LR, new_model  # noqa: E402

TOKENS = BATCH * CONFIG["context"]
INFERENCE = ("f32", "e4m3", "e4m3-f32-attention", "int8", "e2m1-weights")


def training_rows(x, y, recipes, repeats):
    rows = []
    model = new_model()
    step_data = (torch.from_numpy(x), torch.from_numpy(y))
    loss_module = GPTLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)

    def torch_step():
        optimizer.zero_grad()
        loss_module(*step_data).backward()
        optimizer.step()

    reference = median_seconds(torch_step, repeats)
    rows.append(("training", "PyTorch f32", reference, reference, 0.0, TOKENS))
    for recipe in recipes:
        start = time.time()
        imported = from_torch(GPTLoss(new_model()), step_data, weights="arguments", function="loss")
        trainer = Trainer(imported.text, [p for _, p in imported.parameters],
                          recipe=None if recipe == "f32" else recipe, optimizer="adamw")
        compiled = time.time() - start
        rows.append(("training", f"compiled {recipe}",
                     median_seconds(lambda: trainer.step(x, y, lr=LR), repeats), reference, compiled,
                     TOKENS))
        print(f"training {recipe}: {TOKENS / rows[-1][2]:.0f} tokens/s", flush=True)
    return rows


def inference_rows(model, x, names, repeats):
    """PyTorch's forward on `x`; the model with constant weights per row of
    `names`; and with its weights as arguments, MXFP8 E4M3, quantized on
    every call or once (mx-prepare-weights). One PyTorch reference for all."""
    kind = f"inference, {x.shape[0]} x {x.shape[1]} tokens"
    with torch.no_grad():
        reference = median_seconds(lambda: model(torch.from_numpy(x)), repeats)
    rows = [(kind, "PyTorch f32", reference, reference, 0.0, x.size)]
    constants = from_torch(model, (torch.from_numpy(x),), weights="constants")
    for name in names:
        label = ROWS[name][0]
        start = time.time()
        _, jit = compile_row(constants.text, name)
        rows.append((kind, f"{label}, constant weights",
                     median_seconds(lambda: jit.invoke("forward", x), repeats), reference,
                     time.time() - start, x.size))
        print(f"inference {label}: {x.size / rows[-1][2]:.0f} tokens/s", flush=True)
    arguments = from_torch(model, (torch.from_numpy(x),), weights="arguments")
    values = dict(arguments.parameters)
    start = time.time()
    module = Module.parse(arguments.text)
    module.run_pipeline("mx-quantize-policy{weights=e4m3 activations=e4m3},mx-prepare-weights")
    jit = module.compile()
    compiled = time.time() - start
    every = [value for _, value in arguments.parameters]
    others = [value for name, value in arguments.parameters if name not in arguments.weights]
    prepared = jit.invoke("forward_prepare", *[values[name] for name in arguments.weights])
    rows.append((kind, "MXFP8 E4M3, argument weights quantized per call",
                 median_seconds(lambda: jit.invoke("forward", x, *every), repeats), reference,
                 compiled, x.size))
    rows.append((kind, "MXFP8 E4M3, argument weights prepared once",
                 median_seconds(lambda: jit.invoke("forward_prepared", x, *others, *prepared),
                                repeats), reference, compiled, x.size))
    print(f"{kind}: per call {x.size / rows[-2][2]:.0f}, prepared {x.size / rows[-1][2]:.0f} "
          "tokens/s", flush=True)
    return rows


def table(rows):
    lines = ["| | model | tokens/s (one thread) | vs PyTorch f32 | "
             "ms / call | compile |", "|---|---|---|---|---|---|"]
    for kind, label, seconds, reference, compiled, tokens in rows:
        lines.append(f"| {kind} | {label} | {tokens / seconds:,.0f} | {reference / seconds:.2f}x | "
                     f"{1e3 * seconds:.1f} | {compiled:.0f} s |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--recipes", nargs="*", default=["f32", "mxfp8", "fp8-tensor"])
    parser.add_argument("--inference", nargs="*", default=list(INFERENCE))
    parser.add_argument("--out")
    args = parser.parse_args()
    torch.set_num_threads(1)
    corpus = subprocess.run(["bash", os.path.join(ROOT, "scripts", "fetch-text.sh")],
                            capture_output=True, text=True, check=True).stdout.strip()
    train, _ = load_corpus(corpus)
    x, y = next(batches(train, BATCH, CONFIG["context"], 1, seed=1))
    rows = training_rows(x, y, args.recipes, args.repeats)
    model = load_model()
    rows += inference_rows(model, x, args.inference, args.repeats)
    rows += inference_rows(model, np.ascontiguousarray(x[:1, :8]), (), args.repeats)
    print(f"\ntraining: batch {BATCH} x {CONFIG['context']} = {TOKENS} tokens per step, {CONFIG}")
    print(table(rows))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "gpt.json"), "w") as handle:
            json.dump({"threads": 1, "tokens_per_call": TOKENS, "config": CONFIG,
                       "rows": [dict(zip(("kind", "model", "seconds", "pytorch_seconds",
                                          "compile_s", "tokens"), row)) for row in rows]},
                      handle, indent=1)
        with open(os.path.join(args.out, "gpt.md"), "w") as handle:
            handle.write(table(rows) + "\n")


if __name__ == "__main__":
    main()

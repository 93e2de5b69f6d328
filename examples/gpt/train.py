"""Trains examples/gpt's byte-level GPT from scratch on the King James
Bible (scripts/fetch-text.sh) with compiled training steps: the PyTorch
module imported by mx_mlir.from_torch (weights as arguments), built into a
step by mx-training-step (AdamW) and, per recipe, mx-training-recipe, run
by mx_mlir.training.Trainer. PyTorch's own f32 AdamW training of the same
model (same initialization, same batches) runs beside it as the external
reference. Validation loss (mean next-byte cross-entropy, nats) is that of
the trained f32 weights, evaluated by PyTorch on fixed validation batches.

    /usr/bin/python3 examples/gpt/train.py "$(bash scripts/fetch-text.sh)" [steps] [recipe ...]

Recipes: f32 (no recipe), mxfp8, mxfp8-hybrid, mxfp6, mxfp4-weights,
fp8-tensor. Prints a table; with --out DIR also writes DIR/gpt.json, the
table (gpt.md) and the validation-loss curves (gpt.png, gnuplot).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                os.environ.get("MX_BUILD_DIR", "build"), "python_packages"))
from data import batches, load_corpus  # noqa: E402
from model import GPT, GPTLoss  # noqa: E402
from mx_mlir import from_torch  # noqa: E402
from mx_mlir.training import Trainer  # noqa: E402

CONFIG = {"layers": 2, "heads": 4, "channels": 64, "context": 64}
BATCH = 16
LR = 1e-3
RECIPES = ("f32", "mxfp8", "mxfp8-hybrid", "mxfp6", "mxfp4-weights", "fp8-tensor")


def new_model():
    torch.manual_seed(0)
    return GPT(**CONFIG)


def validation_loss(model, validation, count=16):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, y in batches(validation, BATCH, CONFIG["context"], count, seed=99):
            losses.append(float(GPTLoss(model)(torch.from_numpy(x), torch.from_numpy(y))))
    return float(np.mean(losses))


def train_compiled(recipe, train, validation, steps, evaluate_every):
    model = new_model()
    x, y = next(batches(train, BATCH, CONFIG["context"], 1, seed=1))
    start = time.time()
    imported = from_torch(GPTLoss(model), (torch.from_numpy(x), torch.from_numpy(y)),
                          weights="arguments", function="loss")
    trainer = Trainer(imported.text, [p for _, p in imported.parameters],
                      recipe=None if recipe == "f32" else recipe, optimizer="adamw")
    compiled = time.time() - start
    names = [name for name, _ in imported.parameters]
    curve, start = [], time.time()
    for step, (x, y) in enumerate(batches(train, BATCH, CONFIG["context"], steps, seed=1)):
        trainer.step(x, y, lr=LR)
        if (step + 1) % evaluate_every == 0 or step + 1 == steps:
            # The imported parameters are GPTLoss's, in from_torch's order.
            state = {name: torch.from_numpy(value) for name, value in zip(names, trainer.parameters())}
            unexpected = GPTLoss(model).load_state_dict(state, strict=False).unexpected_keys
            assert not unexpected, unexpected
            curve.append((step + 1, validation_loss(model, validation)))
    return {"curve": curve, "final": curve[-1][1], "compile_s": compiled,
            "train_s": time.time() - start}


def train_torch(train, validation, steps, evaluate_every):
    torch.set_num_threads(1)
    model = new_model()
    loss_module = GPTLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    curve, start = [], time.time()
    for step, (x, y) in enumerate(batches(train, BATCH, CONFIG["context"], steps, seed=1)):
        model.train()
        optimizer.zero_grad()
        loss_module(torch.from_numpy(x), torch.from_numpy(y)).backward()
        optimizer.step()
        if (step + 1) % evaluate_every == 0 or step + 1 == steps:
            curve.append((step + 1, validation_loss(model, validation)))
    return {"curve": curve, "final": curve[-1][1], "compile_s": 0.0, "train_s": time.time() - start}


def table(result):
    runs = result["runs"]
    f32 = runs.get("f32", runs["PyTorch f32"])["final"]
    rows = ["| run | validation loss | vs f32 | compile | train |", "|---|---|---|---|---|"]
    for name, run in runs.items():
        rows.append(f"| {name} | {run['final']:.4f} | {100 * (run['final'] / f32 - 1):+.2f}% | "
                    f"{run['compile_s']:.1f} s | {run['train_s']:.1f} s |")
    return "\n".join(rows)


def write_outputs(out, result):
    """gpt.json, gpt.md (the table) and gpt.png (validation loss curves)."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "gpt.json"), "w") as handle:
        json.dump(result, handle, indent=1)
    with open(os.path.join(out, "gpt.md"), "w") as handle:
        handle.write(table(result) + "\n")
    runs = result["runs"]
    data = os.path.join(out, "gpt.dat")
    with open(data, "w") as handle:
        for i, (step, _) in enumerate(runs["PyTorch f32"]["curve"]):
            handle.write(f"{step} " + " ".join(f"{run['curve'][i][1]:.6g}" for run in runs.values()) + "\n")
    lines = ", ".join(f"'{data}' using 1:{i + 2} with lines lw 2 title '{name}'"
                      for i, name in enumerate(runs))
    script = (f"set terminal pngcairo size 900,560 font ',11' noenhanced\n"
              f"set output '{os.path.join(out, 'gpt.png')}'\n"
              f"set title 'byte-level GPT on the KJV text, AdamW lr {result['lr']}, "
              f"batch {result['batch']} x {result['config']['context']}'\n"
              f"set xlabel 'step'\nset ylabel 'validation loss (nats per byte)'\n"
              f"set grid\nset key top right\nplot {lines}\n")
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    os.remove(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("steps", type=int, nargs="?", default=600)
    parser.add_argument("recipes", nargs="*", default=list(RECIPES))
    parser.add_argument("--out")
    args = parser.parse_args()
    train, validation = load_corpus(args.corpus)
    every = max(1, args.steps // 10)
    runs = {"PyTorch f32": train_torch(train, validation, args.steps, every)}
    print(f"PyTorch f32: validation loss {runs['PyTorch f32']['final']:.4f}", flush=True)
    for recipe in args.recipes:
        if recipe not in RECIPES:
            sys.exit(f"unknown recipe {recipe!r} (have {', '.join(RECIPES)})")
        runs[recipe] = train_compiled(recipe, train, validation, args.steps, every)
        print(f"{recipe}: validation loss {runs[recipe]['final']:.4f}", flush=True)
    result = {"steps": args.steps, "batch": BATCH, "config": CONFIG, "lr": LR, "runs": runs}
    print(f"\n{args.steps} steps of {BATCH} x {CONFIG['context']} bytes, AdamW lr {LR}, {CONFIG}")
    print(table(result))
    if args.out:
        write_outputs(args.out, result)


if __name__ == "__main__":
    main()

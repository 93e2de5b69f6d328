#!/usr/bin/env python3
"""Training in layer-to-layer order measured (docs/LayerToLayer.md,
"Training"): mx_mlir.LayerToLayerTrainer beside Trainer's whole-batch step
on the same batches, for a growing number of micro-batches.

    PYTHONPATH=build/python_packages /usr/bin/python3 bench/l2l/training.py \\
        "$(bash scripts/fetch-digits.sh)" [--width 1024] [--layers 4] [--rows 32]
        [--recipe mxfp8] [--steps 10]

The model is a PyTorch MLP on the digits (64 pixels -> `--layers` ReLU
layers of `--width` -> 10 classes, cross-entropy), imported by from_torch.
Each configuration trains `--steps` steps with AdamW after one warm-up
step; the figure is the median step time. The batch is micro-batches x
`--rows` digits; the whole-batch Trainer is compiled for that batch. The
L2L time is split into forward and backward; the updates run on a second
thread during the backward (what is left waiting at the end is in
`seconds` but in neither part).
"""

import argparse
import gzip
import time

import numpy as np
import torch
import torch.nn as nn

from mx_mlir import LayerToLayerTrainer, from_torch, keep_freed_memory
from mx_mlir.training import Trainer


def load_digits(path):
    with gzip.open(path, "rt") if path.endswith(".gz") else open(path) as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    return rows[:, :-1] / 16.0, rows[:, -1].astype(np.int64)


class MLP(nn.Module):
    def __init__(self, width, layers):
        super().__init__()
        sizes = [64] + [width] * layers
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(width, 10)

    def forward(self, x, target):
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return nn.functional.cross_entropy(self.out(x), target)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("digits")
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--recipe", default="mxfp8")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--micro-batches", default="1,2,4,8")
    args = parser.parse_args()
    keep_freed_memory()
    torch.manual_seed(0)
    x, y = load_digits(args.digits)
    model = MLP(args.width, args.layers)
    recipe = None if args.recipe == "none" else args.recipe
    rng = np.random.default_rng(0)
    print(f"MLP 64 -> {args.layers} x {args.width} -> 10, recipe {args.recipe}, AdamW, "
          f"{args.rows} rows per micro-batch")
    print("| micro-batches | batch | whole-batch step (ms) | L2L step (ms) | L2L forward | "
          "L2L backward | L2L / whole |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in [int(v) for v in args.micro_batches.split(",")]:
        batch = n * args.rows
        micro = from_torch(model, (torch.from_numpy(x[:args.rows]), torch.from_numpy(y[:args.rows])),
                           weights="arguments")
        whole_module = from_torch(model, (torch.from_numpy(x[:batch]), torch.from_numpy(y[:batch])),
                                  weights="arguments")
        params = [value for _, value in micro.parameters]
        l2l = LayerToLayerTrainer(micro.text, params, n, recipe=recipe, optimizer="adamw")
        whole = Trainer(whole_module.text, params, recipe=recipe, optimizer="adamw")
        times = {"whole": [], "l2l": [], "forward": [], "backward": []}
        for step in range(args.steps + 1):
            idx = rng.choice(len(y), batch, replace=False)
            start = time.perf_counter()
            whole.step(x[idx], y[idx], lr=1e-3)
            whole_seconds = time.perf_counter() - start
            l2l.step(x[idx].reshape(n, args.rows, -1), y[idx].reshape(n, args.rows), lr=1e-3)
            if step:
                times["whole"].append(whole_seconds)
                times["l2l"].append(l2l.last_stats["seconds"])
                times["forward"].append(l2l.last_stats["forward_seconds"])
                times["backward"].append(l2l.last_stats["backward_seconds"])
        m = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
        print(f"| {n} | {batch} | {m['whole']:.2f} | {m['l2l']:.2f} | {m['forward']:.2f} | "
              f"{m['backward']:.2f} | {m['l2l'] / m['whole']:.2f} |", flush=True)


if __name__ == "__main__":
    main()

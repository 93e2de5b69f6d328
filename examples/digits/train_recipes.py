"""Trains the digits MLP from scratch with compiled training steps: f32 and
every recipe of mx-training-recipe (the MX ones and per-tensor FP8 with
current and delayed scaling), then the 16-bit master weights experiment
(f32 / bf16 and f16, each to nearest and stochastically). Writes
docs/training/results.{json,md} and docs/training/{recipes,master}.png:

    /usr/bin/python3 examples/digits/train_recipes.py "$(bash scripts/fetch-digits.sh)" [epochs]

Same initial weights, same batches and the same AdamW (or SGD) settings for
every run; test accuracy is that of the trained f32 (master) weights.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                os.environ.get("MX_BUILD_DIR", "build"), "python_packages"))
from digits_mlp import LAYERS, he_parameters, load_digits, loss_program  # noqa: E402
from mx_mlir.training import Trainer  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "docs", "training")
BATCH = 32


def initial_params(seed=1):
    rng = np.random.default_rng(seed)
    params = he_parameters(rng)
    return params


def accuracy(params, x, y):
    value = x.astype(np.float32)
    for i in range(len(LAYERS)):
        value = value @ params[2 * i] + params[2 * i + 1]
        if i + 1 < len(LAYERS):
            value = np.maximum(value, 0)
    return float(np.mean(value.argmax(axis=1) == y))


def train(data, epochs, lr, recipe=None, **options):
    """Loss per epoch (mean over its steps), test accuracy, seconds."""
    train_x, train_y, test_x, test_y = data
    start = time.time()
    trainer = Trainer(loss_program(BATCH), initial_params(), recipe=recipe, **options)
    compiled = time.time() - start
    eye = np.eye(10, dtype=np.float32)
    order_rng = np.random.default_rng(2)
    curve = []
    start = time.time()
    for _ in range(epochs):
        order = order_rng.permutation(len(train_y))
        losses = [trainer.step(train_x[idx], eye[train_y[idx]], lr=lr)
                  for idx in (order[s:s + BATCH] for s in range(0, len(order) - BATCH + 1, BATCH))]
        curve.append(float(np.mean(losses)))
    return {"curve": curve, "final_loss": curve[-1],
            "accuracy": accuracy(trainer.parameters(), test_x, test_y),
            "compile_s": compiled, "train_s": time.time() - start, "steps": trainer.step_count}


def plot(path, title, runs, ylabel="training loss (mean per epoch)"):
    """A gnuplot PNG of the runs' curves (log scale)."""
    data_path = path + ".dat"
    names = list(runs)
    with open(data_path, "w") as handle:
        for epoch in range(len(runs[names[0]]["curve"])):
            handle.write(f"{epoch + 1} " + " ".join(f"{runs[n]['curve'][epoch]:.6g}" for n in names) + "\n")
    lines = ", ".join(f"'{data_path}' using 1:{i + 2} with lines lw 2 title '{n}'"
                      for i, n in enumerate(names))
    script = (f"set terminal pngcairo size 900,560 font ',11' noenhanced\nset output '{path}'\n"
              f"set title '{title}'\nset xlabel 'epoch'\nset ylabel '{ylabel}'\nset logscale y\n"
              f"set grid\nset key top right\nplot {lines}\n")
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    os.remove(data_path)


def main(path, epochs=40):
    data = load_digits(path)
    os.makedirs(OUT, exist_ok=True)
    recipes = {}
    for name in ("f32", "mxfp8", "mxfp8-hybrid", "mxfp6", "mxfp4-weights", "fp8-tensor",
                 "fp8-tensor-delayed"):
        recipe = None if name == "f32" else name.removesuffix("-delayed")
        options = "fp8-scaling=delayed" if name.endswith("-delayed") else ""
        recipes[name] = train(data, epochs, 2e-3, recipe=recipe, recipe_options=options,
                              optimizer="adamw")
        print(f"{name}: loss {recipes[name]['final_loss']:.4f}, "
              f"accuracy {100 * recipes[name]['accuracy']:.2f}%", flush=True)
    # 16-bit master weights: plain SGD whose updates (lr * g, about 1e-5 to
    # 1e-4) are mostly below half a bf16 ulp of the weights (about 2e-4 to 1e-3).
    master = {}
    for name, options in (("f32 master", {}), ("bf16 master, nearest", {"master": "bf16"}),
                          ("bf16 master, stochastic", {"master": "bf16",
                                                       "master_rounding": "stochastic"}),
                          ("f16 master, nearest", {"master": "f16"}),
                          ("f16 master, stochastic", {"master": "f16",
                                                      "master_rounding": "stochastic"})):
        master[name] = train(data, epochs, 0.01, optimizer="sgd", momentum=0.0, **options)
        print(f"{name}: loss {master[name]['final_loss']:.4f}, "
              f"accuracy {100 * master[name]['accuracy']:.2f}%", flush=True)
    with open(os.path.join(OUT, "results.json"), "w") as handle:
        json.dump({"epochs": epochs, "batch": BATCH, "recipes": recipes, "master": master},
                  handle, indent=1)
    f32 = recipes["f32"]["accuracy"]
    rows = ["| recipe | final loss | test accuracy | vs f32 | compile | train |",
            "|---|---|---|---|---|---|"]
    for name, run in recipes.items():
        rows.append(f"| {name} | {run['final_loss']:.4f} | {100 * run['accuracy']:.2f}% | "
                    f"{100 * (run['accuracy'] - f32):+.2f} | {run['compile_s']:.1f} s | "
                    f"{run['train_s']:.1f} s |")
    rows += ["", "| master weights | final loss | test accuracy |", "|---|---|---|"]
    for name, run in master.items():
        rows.append(f"| {name} | {run['final_loss']:.4f} | {100 * run['accuracy']:.2f}% |")
    with open(os.path.join(OUT, "results.md"), "w") as handle:
        handle.write("\n".join(rows) + "\n")
    print("\n".join(rows))
    plot(os.path.join(OUT, "recipes.png"), f"digits MLP, AdamW lr 2e-3, batch {BATCH}", recipes)
    plot(os.path.join(OUT, "master.png"), f"digits MLP, SGD lr 0.01, batch {BATCH}: master weights",
         master)


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:]))

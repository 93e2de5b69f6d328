# REQUIRES: digits
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/digits %python %s %digits_csv 2>&1 | FileCheck %s
#
# mx-training-step's state machine on the digits MLP: dynamic loss scaling
# skips an overflowing step (params, moments and the step count untouched,
# the scale halved) and grows the scale again after clean steps; a static
# scale gives the unscaled update; bf16 master weights stall on small
# updates when rounded to nearest and follow the f32 weights when rounded
# stochastically (reproducibly, per seed).

import sys

import numpy as np

from digits_mlp import he_parameters, load_digits, loss_program
from mx_mlir.training import Trainer, from_bf16

train_x, train_y, _, _ = load_digits(sys.argv[1])
rng = np.random.default_rng(11)
params = he_parameters(rng)
batch, eye = 32, np.eye(10, dtype=np.float32)
program = loss_program(batch)
batches = [rng.choice(len(train_y), batch, replace=False) for _ in range(40)]


def data(i, factor=1.0):
    idx = batches[i % len(batches)]
    return train_x[idx] * np.float32(factor), eye[train_y[idx]]


# Dynamic loss scaling: an input of 1e38 overflows the forward pass.
trainer = Trainer(program, params, optimizer="adamw", loss_scaling="dynamic",
                  loss_scale=2.0 ** 16, growth_interval=3)
trainer.step(*data(0), lr=1e-3)
before = trainer.state()
loss = trainer.step(*data(1, 1e38), lr=1e-3)
after = trainer.state()
untouched = all(np.array_equal(a, b) for a, b in zip(before["params"] + before["moments"],
                                                       after["params"] + after["moments"]))
print(f"overflow: loss {loss}, finite {trainer.last_step_finite}, untouched {untouched}, "
      f"step {before['step']}->{after['step']}, scale 2^{np.log2(before['loss_scale']):.0f}"
      f"->2^{np.log2(after['loss_scale']):.0f}")
# CHECK: overflow: loss {{nan|inf}}, finite False, untouched True, step 1->1, scale 2^16->2^15
scales = []
for i in range(2, 9):
    trainer.step(*data(i), lr=1e-3)
    scales.append(f"{int(np.log2(trainer.loss_scale))}/{trainer.good_steps}")
print("recovery (log2 scale/clean steps):", " ".join(scales), "step", trainer.step_count)
# CHECK: recovery (log2 scale/clean steps): 15/1 15/2 16/0 16/1 16/2 17/0 17/1 step 8

# A scale too large for the gradients of inputs 100 times larger: skipped
# and halved until they fit.
trainer = Trainer(program, params, optimizer="sgd", loss_scaling="dynamic",
                  loss_scale=2.0 ** 127, growth_interval=1000)
skipped = 0
while True:
    trainer.step(*data(skipped, 100.0), lr=0.01)
    if trainer.last_step_finite:
        break
    skipped += 1
print(f"too large: {skipped} steps skipped, scale 2^{np.log2(trainer.loss_scale):.0f}, "
      f"then step {trainer.step_count}")
# CHECK: too large: {{[1-9][0-9]*}} steps skipped, scale 2^{{[0-9]+}}, then step 1

# A static scale divides back out: the same update as none, within rounding.
plain = Trainer(program, params, optimizer="sgd")
scaled = Trainer(program, params, optimizer="sgd", loss_scaling="static", loss_scale=1024.0)
for i in range(5):
    plain.step(*data(i), lr=0.05)
    scaled.step(*data(i), lr=0.05)
error = max(float(np.abs(a - b).max()) for a, b in zip(plain.parameters(), scaled.parameters()))
print(f"static scale: {'same' if error < 1e-6 else 'DIFFERENT'} update ({error:.1e})")
# CHECK: static scale: same update

# bf16 master weights, plain SGD with updates far below bf16's resolution.
runs = {}
for name, options in {"f32": {}, "bf16-rne": {"master": "bf16"},
                      "bf16-sr": {"master": "bf16", "master_rounding": "stochastic", "seed": 1},
                      "bf16-sr-again": {"master": "bf16", "master_rounding": "stochastic", "seed": 1},
                      "bf16-sr-seed2": {"master": "bf16", "master_rounding": "stochastic", "seed": 2}
                      }.items():
    t = Trainer(program, params, optimizer="sgd", momentum=0.0, **options)
    start = [p.copy() for p in t.parameters()]
    for i in range(40):
        t.step(*data(i), lr=2e-3)
    runs[name] = (start, t.parameters(), t.params)
start, f32_end, _ = runs["f32"]
f32_move = np.concatenate([(e - s).ravel() for s, e in zip(start, f32_end)])
for name in ("bf16-rne", "bf16-sr"):
    begin, end, _ = runs[name]
    move = np.concatenate([(e - s).ravel() for s, e in zip(begin, end)])
    changed = float(np.mean(move != 0))
    # How much of the f32 weights' movement the bf16 weights reproduce.
    followed = float(np.dot(move, f32_move) / np.dot(f32_move, f32_move))
    print(f"{name}: {100 * changed:.0f}% of weights changed, follows f32 "
          f"{'yes' if abs(followed - 1) < 0.1 else 'no'}")
# CHECK: bf16-rne: {{[0-9]}}% of weights changed, follows f32 no
# CHECK: bf16-sr: {{[0-9]+}}% of weights changed, follows f32 yes
same = all(np.array_equal(a, b) for a, b in zip(runs["bf16-sr"][2], runs["bf16-sr-again"][2]))
other = any(not np.array_equal(a, b) for a, b in zip(runs["bf16-sr"][2], runs["bf16-sr-seed2"][2]))
print(f"stochastic rounding: reproducible {same}, seed matters {other}")
# CHECK: stochastic rounding: reproducible True, seed matters True

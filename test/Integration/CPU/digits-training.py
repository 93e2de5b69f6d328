# REQUIRES: digits
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/digits %python %s %digits_csv 2>&1 | FileCheck %s
#
# The digits MLP trained from scratch by compiled steps (AdamW, 20 epochs):
# f32, then the MXFP8 and MXFP6 recipes from the same initial weights on the
# same batches. The recipes must end within 0.5 (MXFP8) and 1 (MXFP6) points
# of f32's test accuracy. examples/digits/train_recipes.py runs every recipe
# for longer and writes docs/training/.

import sys

from digits_mlp import load_digits
from train_recipes import train

data = load_digits(sys.argv[1])
f32 = train(data, 20, 2e-3, optimizer="adamw")
print(f"f32: accuracy {100 * f32['accuracy']:.2f}%, loss {f32['final_loss']:.4f}")
# CHECK: f32: accuracy {{9[5-9]\.[0-9]+}}%
for recipe, margin in (("mxfp8", 0.005), ("mxfp6", 0.01)):
    run = train(data, 20, 2e-3, recipe=recipe, optimizer="adamw")
    gap = f32["accuracy"] - run["accuracy"]
    print(f"{recipe}: accuracy {100 * run['accuracy']:.2f}%, loss {run['final_loss']:.4f}, "
          f"{'within' if gap <= margin else 'NOT within'} {100 * margin:.1f} points of f32")
# CHECK: mxfp8: accuracy {{.*}} within 0.5 points of f32
# CHECK: mxfp6: accuracy {{.*}} within 1.0 points of f32

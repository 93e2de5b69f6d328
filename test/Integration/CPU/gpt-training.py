# REQUIRES: torch, text
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/gpt %python %s %kjv_txt 2>&1 | FileCheck %s
#
# examples/gpt's byte-level GPT, imported from PyTorch by from_torch and
# trained from scratch by the compiled f32 step (mx-training-step, AdamW)
# on the King James Bible, against PyTorch's own AdamW on the same
# initialization and batches: the validation losses agree to float
# tolerance after 30 steps. examples/gpt/train.py runs every recipe longer.

import sys

from data import load_corpus
from train import train_compiled, train_torch

train, validation = load_corpus(sys.argv[1])
reference = train_torch(train, validation, 30, 30)["final"]
compiled = train_compiled("f32", train, validation, 30, 30)["final"]
print(f"validation loss after 30 steps: compiled {compiled:.4f}, PyTorch {reference:.4f}, "
      f"below the uniform 5.545: {compiled < 5.545}, "
      f"agree: {abs(compiled - reference) <= 1e-3 * reference}")
# CHECK: validation loss after 30 steps: compiled [[LOSS:[0-9.]+]], PyTorch [[LOSS]], below the uniform 5.545: True, agree: True

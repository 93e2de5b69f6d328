# REQUIRES: torch, digits
# RUN: env PYTHONPATH=%mx_python_packages:%mx_src_root/examples/digits %python %s %digits_csv 2>&1 | FileCheck %s
#
# The compiled f32 training step (mx-training-step) against PyTorch's f32
# training of the same model from the same initial weights on the same
# batches of the digits: SGD with momentum and weight decay, and AdamW, ten
# steps each; losses and weights must agree within float tolerance.

import sys

import numpy as np
import torch

from digits_mlp import LAYERS, he_parameters, load_digits, loss_program
from mx_mlir.training import Trainer

torch.set_num_threads(1)
train_x, train_y, _, _ = load_digits(sys.argv[1])
rng = np.random.default_rng(5)
params = he_parameters(rng, bias_std=0.1)
batch, eye = 32, np.eye(10, dtype=np.float32)
batches = [rng.choice(len(train_y), batch, replace=False) for _ in range(10)]


def torch_losses(make_optimizer, lr):
    weights = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = make_optimizer(weights, lr)
    losses = []
    for idx in batches:
        value = torch.tensor(train_x[idx])
        for i in range(len(LAYERS)):
            value = value @ weights[2 * i] + weights[2 * i + 1]
            if i + 1 < len(LAYERS):
                value = torch.relu(value)
        loss = torch.nn.functional.cross_entropy(value, torch.tensor(train_y[idx]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [w.detach().numpy() for w in weights]


def compare(name, trainer, reference, lr, adam=False):
    losses = [trainer.step(train_x[idx], eye[train_y[idx]], lr=lr) for idx in batches]
    ref_losses, ref_weights = reference
    loss_error = max(abs(a - b) for a, b in zip(losses, ref_losses))
    errors = np.concatenate([np.abs(a - b).ravel()
                             for a, b in zip(trainer.parameters(), ref_weights)])
    close = float(np.mean(errors < 1e-5))
    # Adam moves every weight by about lr * m / sqrt(v), whatever |g|: a
    # weight whose gradient is at rounding level (a pixel that is almost
    # always 0) moves by up to lr in a direction the rounding picks, in
    # either implementation. Those few may differ by lr; all others agree.
    ok = loss_error < 1e-4 and (close > 0.995 and errors.max() < lr if adam else
                                errors.max() < 1e-5)
    print(f"{name}: {'ok' if ok else 'MISMATCH'} (loss {loss_error:.1e}, "
          f"weights {errors.max():.1e}, {100 * close:.2f}% within 1e-5)")


program = loss_program(batch)
compare("sgd", Trainer(program, params, optimizer="sgd", momentum=0.9, weight_decay=1e-3),
        torch_losses(lambda w, lr: torch.optim.SGD(w, lr, momentum=0.9, weight_decay=1e-3), 0.05),
        0.05)
# CHECK: sgd: ok
compare("adamw", Trainer(program, params, optimizer="adamw", weight_decay=1e-2),
        torch_losses(lambda w, lr: torch.optim.AdamW(w, lr, weight_decay=1e-2), 2e-3), 2e-3,
        adam=True)
# CHECK: adamw: ok

"""Trains examples/gpt's GPT in PyTorch (f32, AdamW, the same batches as
train.py) and saves its weights as examples/gpt/weights.npz: the trained
model that infer.py makes MX without retraining, as a user would take a
model trained elsewhere.

    /usr/bin/python3 examples/gpt/pretrain.py "$(bash scripts/fetch-text.sh)" [steps]
"""

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import batches, load_corpus  # noqa: E402
from model import GPT, GPTLoss  # noqa: E402
from train import BATCH, CONFIG, LR, validation_loss  # noqa: E402

WEIGHTS = os.path.join(HERE, "weights.npz")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("steps", type=int, nargs="?", default=3000)
    parser.add_argument("--out", default=WEIGHTS)
    args = parser.parse_args()
    train, validation = load_corpus(args.corpus)
    torch.manual_seed(0)
    model = GPT(**CONFIG)
    loss_module = GPTLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    for step, (x, y) in enumerate(batches(train, BATCH, CONFIG["context"], args.steps, seed=1)):
        model.train()
        optimizer.zero_grad()
        loss_module(torch.from_numpy(x), torch.from_numpy(y)).backward()
        optimizer.step()
        if (step + 1) % 500 == 0 or step + 1 == args.steps:
            print(f"step {step + 1}: validation loss {validation_loss(model, validation):.4f}",
                  flush=True)
    np.savez_compressed(args.out, **{name: value.detach().numpy()
                                     for name, value in model.state_dict().items()
                                     if name.endswith((".weight", ".bias"))})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""Trains the digits MLP in NumPy (fixed seed, Adam, cross-entropy) and
writes weights.npz beside this file:

    /usr/bin/python3 examples/digits/train.py "$(bash scripts/fetch-digits.sh)"
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                os.environ.get("MX_BUILD_DIR", "build"), "python_packages"))
from digits_mlp import LAYERS, WEIGHTS, load_digits  # noqa: E402


def main(path, epochs=150, batch=32, rate=2e-3):
    train_x, train_y, test_x, test_y = load_digits(path)
    rng = np.random.default_rng(1)
    params = []
    for k, n in LAYERS:
        params += [rng.standard_normal((k, n)) * np.sqrt(2.0 / k), np.zeros(n)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    step = 0

    def forward(x):
        activations = [x]
        for i in range(len(LAYERS)):
            z = activations[-1] @ params[2 * i] + params[2 * i + 1]
            activations.append(np.maximum(z, 0) if i + 1 < len(LAYERS) else z)
        return activations

    for epoch in range(epochs):
        order = rng.permutation(len(train_y))
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            activations = forward(train_x[idx].astype(np.float64))
            logits = activations[-1]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), train_y[idx]] -= 1
            delta = p / len(idx)
            grads = [None] * len(params)
            for i in reversed(range(len(LAYERS))):
                grads[2 * i] = activations[i].T @ delta
                grads[2 * i + 1] = delta.sum(axis=0)
                if i:
                    delta = (delta @ params[2 * i].T) * (activations[i] > 0)
            step += 1
            for j, g in enumerate(grads):
                moments[j] = 0.9 * moments[j] + 0.1 * g
                squares[j] = 0.999 * squares[j] + 0.001 * g * g
                m = moments[j] / (1 - 0.9 ** step)
                s = squares[j] / (1 - 0.999 ** step)
                params[j] -= rate * m / (np.sqrt(s) + 1e-8)
    accuracy = np.mean(forward(test_x.astype(np.float64))[-1].argmax(axis=1) == test_y)
    np.savez(WEIGHTS, **{f"{kind}{i}": params[2 * i + (kind == "b")].astype(np.float32)
                         for i in range(len(LAYERS)) for kind in "wb"})
    print(f"trained {epochs} epochs: test accuracy {100 * accuracy:.2f}% -> {WEIGHTS}")


if __name__ == "__main__":
    main(sys.argv[1])

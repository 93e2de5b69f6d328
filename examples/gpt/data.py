"""The byte-level corpus of the GPT examples: scripts/fetch-text.sh's King
James Bible (Debian's bible-kjv-text), split into the first 90% for
training and the last 10% for validation, read as random windows of
`context + 1` bytes with a seeded generator, so every run sees the same
batches in the same order."""

import numpy as np


def load_corpus(path, validation=0.1):
    """(train, validation) byte arrays (uint8)."""
    data = np.fromfile(path, dtype=np.uint8)
    cut = int(len(data) * (1 - validation))
    return data[:cut], data[cut:]


def batches(data, batch, context, count, seed):
    """`count` batches of (inputs, next-byte targets), int64 [batch, context]."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        starts = rng.integers(0, len(data) - context - 1, batch)
        windows = np.stack([data[s:s + context + 1] for s in starts]).astype(np.int64)
        yield np.ascontiguousarray(windows[:, :-1]), np.ascontiguousarray(windows[:, 1:])

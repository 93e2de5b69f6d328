"""Writes the digits MLP's loss program (examples/digits/digits_mlp.py,
batch 32) to argv[1]: the input of mx-bench-training."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "examples", "digits"))
from digits_mlp import loss_program  # noqa: E402

with open(sys.argv[1], "w") as handle:
    handle.write(loss_program(32))

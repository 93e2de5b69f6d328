# RUN: env PYTHONPATH=%mx_python_packages %python %s %mx_src_root | FileCheck %s
#
# The README's Python example runs as written (from the source root) and
# computes what its comments say.

import os
import re
import sys

import numpy as np

root = sys.argv[1]
readme = open(os.path.join(root, "README.md")).read()
example = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
os.chdir(root)
scope = {}
exec(compile(example, "README.md", "exec"), scope)
q, x_back, y, out = scope["q"], scope["x_back"], scope["y"], scope["out"]
print(q, q.elements.shape, q.scales.shape, x_back.shape, y.shape, out.shape, out.dtype)
# CHECK: MXArray(!mx.tensor<8x256xf4E2M1FN, block = [1, 32]>) (8, 128) (8, 8) (8, 256) (8, 512) (8, 128) float32
print("finite:", bool(np.isfinite(out).all()))
# CHECK: finite: True

# REQUIRES: python-venv
# RUN: rm -rf %t && %python %s %t %mx_python_packages | FileCheck %s
#
# `pip install build/python_packages` works offline (the build backend is
# in the tree and needs nothing from PyPI) into a virtual environment that
# sees Debian's NumPy, and gives `import mx_mlir` and the mx-quantize command.

import os
import subprocess
import sys

venv, package = sys.argv[1], sys.argv[2]
subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
python, bin_dir = os.path.join(venv, "bin", "python"), os.path.join(venv, "bin")
env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
env.pop("PYTHONPATH", None)
install = subprocess.run([python, "-m", "pip", "install", "--no-index", "--no-cache-dir", package],
                         capture_output=True, text=True, env=env)
print("pip exit", install.returncode, install.stderr.strip()[-2000:] if install.returncode else "")
# CHECK: pip exit 0

check = subprocess.run([python, "-c", """
import os, numpy as np, mx_mlir
print("imported from", "site-packages" if "site-packages" in mx_mlir.__file__ else mx_mlir.__file__)
q = mx_mlir.quantize(np.linspace(-1, 1, 64, dtype=np.float32), "e4m3")
print(q, q.scales)
"""], capture_output=True, text=True, env=env, cwd=venv)
print(check.stdout + check.stderr)
# CHECK: imported from site-packages
# CHECK: MXArray(!mx.tensor<64xf8E4M3FN, block = [32]>) [119 119]
tool = subprocess.run([os.path.join(bin_dir, "mx-quantize"), "--help"], capture_output=True,
                      text=True, env=env)
print("mx-quantize", tool.returncode, tool.stdout.splitlines()[0])
# CHECK: mx-quantize 0 usage: mx-quantize

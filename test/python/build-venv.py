# REQUIRES: build-venv
# RUN: mkdir -p %t.dir && cd %t.dir && env -u PYTHONPATH %build_venv_python %s | FileCheck %s
#
# The README's set-up: build/venv's python imports mx_mlir from the build
# tree (through a .pth file) and sees Debian's NumPy, from any directory.

import numpy

import mx_mlir

print(mx_mlir.__file__.replace("\\", "/").split("/")[-3:], numpy.__version__ != "")
# CHECK: ['python_packages', 'mx_mlir', '__init__.py'] True

#!/usr/bin/env bash
# The main job: builds mx-mlir (installing what is missing), then takes an
# f32 MLP trained on Debian's handwritten digits, makes it MX with
# mx-opt --mx-quantize-policy for every format, compiles and runs it on the
# CPU and prints accuracy, agreement with FP32, weight bytes and time.
set -euo pipefail
cd "$(dirname "$0")/.."

# OpenBLAS, so that the table's NumPy row is what a user runs (Debian's
# NumPy otherwise loads the netlib reference BLAS).
bash scripts/install-deps.sh libopenblas0-pthread
echo "== building (scripts/build.sh) =="
bash scripts/build.sh >/dev/null
echo "ok"
echo
/usr/bin/python3 scripts/demo.py

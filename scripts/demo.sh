#!/usr/bin/env bash
# The main job: builds mx-opt (installing what is missing), then compiles a
# two-layer MLP in f32 and in every MX format with --mx-cpu-pipeline, runs it
# on the CPU with mlir-runner and prints each format's error against f32.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building (scripts/build.sh) =="
bash scripts/build.sh >/dev/null
echo "ok"
echo
/usr/bin/python3 scripts/demo.py

#!/usr/bin/env bash
# The second demo: a byte-level GPT written in PyTorch (examples/gpt) is
# imported by mx_mlir.from_torch, turned into compiled training steps
# (mx-training-step + mx-training-recipe) and trained from scratch on the
# King James Bible in three recipes, beside PyTorch's own f32 training of
# the same model on the same batches; prints the validation-loss table.
# A short run (default 100 steps, about 7 minutes on two cores, mostly
# compiling the MX steps); examples/gpt/train.py runs longer and every
# recipe (docs/Training.md).
#
#     bash scripts/demo-gpt.sh [steps] [recipe ...]    (default: 100 f32 mxfp8 fp8-tensor)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building (scripts/build.sh) =="
bash scripts/build.sh >/dev/null
echo "ok"
corpus=$(bash scripts/fetch-text.sh)
steps=${1:-100}
shift || true
if [ $# -eq 0 ]; then set -- f32 mxfp8 fp8-tensor; fi
echo "== training examples/gpt on $corpus for $steps steps: PyTorch f32, then $* =="
/usr/bin/python3 examples/gpt/train.py "$corpus" "$steps" "$@"

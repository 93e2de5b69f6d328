#!/usr/bin/env bash
# Optional: installs the benchmarks' peers (OpenBLAS, OneDNN, libtorch) and gnuplot from
# Debian's apt, builds, and runs every benchmark of bench/ with
# bench/run_benchmarks.py: docs/benchmarks/{results.json,results.md,chart.png};
# then bench/llm (docs/benchmarks/llm.json), bench/gpt/tokens_per_second.py: docs/benchmarks/gpt.{json,md}, and
# bench/compile/compile_time.py: docs/benchmarks/compile.{json,md}.
# Takes about 23 minutes on two cores; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}

PACKAGES=(libopenblas-dev libdnnl-dev libtorch-dev gnuplot-nox)
missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -ne 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/build.sh
# A configure from before the peers were installed skipped mx-bench-gemm
# and mx-bench-training.
cmake "$BUILD_DIR" >/dev/null
ninja -C "$BUILD_DIR" mx-bench-generated-quantize mx-bench-gemm mx-bench-training mx-bench-llm
/usr/bin/python3 bench/run_benchmarks.py --build "$BUILD_DIR" --out docs/benchmarks "$@"
# A 7B-class LLM layer's products at batch 1 and 32 beside OpenBLAS f32 and
# OneDNN bf16 (about 2 minutes): docs/benchmarks/llm.json.
"$BUILD_DIR/bin/mx-bench-llm" --benchmark_counters_tabular=true \
  --benchmark_out=docs/benchmarks/llm.json --benchmark_out_format=json
# The GPT from PyTorch, tokens per second beside PyTorch (about 12 minutes).
MX_BUILD_DIR=$BUILD_DIR /usr/bin/python3 bench/gpt/tokens_per_second.py --out docs/benchmarks
# Compile time of real models beside the inline lowering (about 5 minutes).
MX_BUILD_DIR=$BUILD_DIR /usr/bin/python3 bench/compile/compile_time.py --out docs/benchmarks

#!/usr/bin/env bash
# Checks that a refactor changed no generated code: builds mx-opt at REV (a
# git worktree in $MX_COMPARE_DIR, default /tmp/mx-compare-REV, reused when
# there) and lowers the same inputs with it and with this tree's build:
#   - the demo's f32 MLP made MX in every format (and MXFP4 weight-only)
#     through mx-cpu-pipeline, with the host's features, AMX emulated,
#     threads, kernels=false and portable=true;
#   - the NVVM kernel tests through mx-nvvm-pipeline for sm_90a, sm_100a and
#     sm_120a (the PTX).
# The module attribute mx.cpu_kernel_features and serialization timings are
# ignored. Prints one line per case; exits non-zero if any output differs.
#   bash scripts/compare-codegen.sh a9de61a
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: compare-codegen.sh REV}
OLD=${MX_COMPARE_DIR:-/tmp/mx-compare-$REV}
BUILD_DIR=${MX_BUILD_DIR:-build}

bash scripts/build.sh >/dev/null
[ -f "$BUILD_DIR/demo/mlp.f32.mlir" ] || bash scripts/demo.sh >/dev/null
if [ ! -d "$OLD" ]; then
  git worktree add -q --detach "$OLD" "$REV"
fi
if [ ! -x "$OLD/build/bin/mx-opt" ]; then
  cmake -G Ninja -S "$OLD" -B "$OLD/build" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DPython3_EXECUTABLE=/usr/bin/python3 -DMLIR_LINK_MLIR_DYLIB=ON \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld >/dev/null
  ninja -C "$OLD/build" mx-opt >/dev/null
fi

normalize() {
  sed -e 's/ attributes {mx.cpu_kernel_features = "[^"]*"}//' \
      -e 's/mx.cpu_kernel_features = "[^"]*", //' \
      -e 's/LLVMIRToISATimeInMs = [0-9]* : i64, //'
}
differ=0
compare() { # name, then the mx-opt arguments
  local name=$1; shift
  local old new
  old=$("$OLD/build/bin/mx-opt" "$@" 2>&1 | normalize)
  new=$("$BUILD_DIR/bin/mx-opt" "$@" 2>&1 | normalize)
  if [ "$old" == "$new" ]; then
    echo "identical  $name ($(printf '%s' "$new" | wc -c) bytes)"
  else
    echo "DIFFERENT  $name"
    differ=1
  fi
}

model="$BUILD_DIR/demo/mlp.f32.mlir"
for spec in e4m3:e4m3 e5m2:e5m2 e3m2:e3m2 e2m3:e2m3 e2m1:e2m1 int8:int8 e2m1:none; do
  policy="--mx-quantize-policy=weights=${spec%:*} activations=${spec#*:}"
  compare "mlp $spec" "$model" "$policy" --mx-cpu-pipeline
done
for options in "emulate-amx=true cpu-features=+avx512f,+avx512bw,+avx512bf16,+avx512vnni,+amx-tile,+amx-bf16,+amx-int8" \
               "threads=true" "kernels=false" "portable=true"; do
  compare "mlp e2m1:e4m3 $options" "$model" \
    "--mx-quantize-policy=weights=e2m1 activations=e4m3" "--mx-cpu-pipeline=$options"
done
for chip in sm_90a sm_100a sm_120a; do
  for test in matmul quantize; do
    compare "$test.mlir $chip PTX" "test/Conversion/MXToNVVM/$test.mlir" \
      -split-input-file "--mx-nvvm-pipeline=chip=$chip"
  done
done
[ "$differ" -eq 0 ]

# Sourced by build.sh, test.sh and test-sanitized.sh.

LLVM_PREFIX=/usr/lib/llvm-22

# mx_configure BUILD_DIR [CMAKE_ARGS...]: configures BUILD_DIR once (Ninja,
# clang-22 + lld against Debian's libMLIR.so), with extra CMake arguments.
mx_configure() {
  local build_dir=$1
  shift
  if [ ! -f "$build_dir/build.ninja" ]; then
    cmake -G Ninja -S . -B "$build_dir" \
      -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=$LLVM_PREFIX/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=$LLVM_PREFIX/bin/lit \
      -DPython3_EXECUTABLE=/usr/bin/python3 \
      -DMLIR_LINK_MLIR_DYLIB=ON \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DLLVM_USE_LINKER=lld "$@" >/dev/null
  fi
}

# mx_lit LOG LIT_ARGS...: runs lit, keeping its output in LOG; sets
# lit_passed and lit_failed (failed, unresolved, timed out, unexpectedly
# passed). Returns lit's status.
mx_lit() {
  local log=$1
  shift
  local status=0
  $LLVM_PREFIX/bin/lit "$@" | tee "$log" || status=1
  lit_passed=$(awk '/^ *Passed *:/ {print $NF ~ /%/ ? $(NF-1) : $NF}' "$log")
  lit_passed=${lit_passed:-0}
  lit_failed=$(awk '/^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:/ {n += $NF ~ /%/ ? $(NF-1) : $NF} END {print n + 0}' "$log")
  return $status
}

# mx_fuzz_setup TARGET: for one libFuzzer target of tools/, sets fuzz_inputs
# (its seed corpus and regression inputs), fuzz_dict (its -dict= argument,
# if any) and fuzz_asan_options (no leak check for the target that embeds
# Python, whose interpreter keeps its objects to the end).
mx_fuzz_setup() {
  local source_dir=tools/$1
  fuzz_inputs=("$source_dir/corpus")
  [ -d "$source_dir/regressions" ] && fuzz_inputs+=("$source_dir/regressions")
  fuzz_dict=()
  [ -f "$source_dir/$1.dict" ] && fuzz_dict=(-dict="$source_dir/$1.dict")
  fuzz_asan_options=$ASAN_OPTIONS
  [ "$1" = mx-tensor-file-fuzzer ] && fuzz_asan_options+=:detect_leaks=0
  return 0
}

#!/usr/bin/env bash
# The sanitized run (docs/Reliability.md): AddressSanitizer + UndefinedBehavior-
# Sanitizer, with libFuzzer coverage, in build-sanitized/ (MX_SANITIZED_BUILD_DIR).
#
#   scripts/test-sanitized.sh         unit tests, the lit tests that do not JIT
#                                     large integration matrices, every fuzz
#                                     target over its seeds and regressions and
#                                     for MX_FUZZ_SECONDS (default 10) more
#   scripts/test-sanitized.sh --all   the whole lit suite sanitized (about an
#                                     hour on two cores)
#
# Any sanitizer report fails the run (halt_on_error, -fno-sanitize-recover).
# Prints "sanitized: N passed, M failed" for scripts/test.sh to add up.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_SANITIZED_BUILD_DIR:-build-sanitized}
FUZZ_SECONDS=${MX_FUZZ_SECONDS:-10}
all=false
[ "${1:-}" = "--all" ] && all=true

bash scripts/install-deps.sh

source scripts/common.sh
# -O1: sanitized code at -O2 compiles far slower for little gain in a test
# build. A unity build (16 sources per compile) parses MLIR's headers a
# sixteenth as often: 4 minutes instead of 8 on two cores. LLVM's CMake
# leaves LLVM_UBSAN_FLAGS to LLVM's own build: set here.
mx_configure "$BUILD_DIR" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 \
  -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  -DLLVM_USE_SANITIZER="Address;Undefined" -DLLVM_USE_SANITIZE_COVERAGE=ON \
  -DLLVM_UBSAN_FLAGS="-fsanitize=undefined -fno-sanitize=vptr,function -fno-sanitize-recover=all" \
  -DMX_BUILD_FUZZERS=ON
# Everything the tests use; not the benchmarks or the docs.
ninja -C "$BUILD_DIR" mx-opt MXPlugin MXPythonPackage mx-capi-test \
  MXNumericsTests MXDialectTests MXTargetTests MXRuntimeTests \
  mx-ir-fuzzer mx-numerics-fuzzer mx-tensor-file-fuzzer mx-checkpoint-fuzzer

# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs from
# code inlined into our instrumented objects, while Debian's uninstrumented
# libMLIR allocates from the same slabs without unpoisoning: every MLIR
# attribute would read as use-after-poison. The allocator's bounds are not
# ours to check; everything else ASan checks stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:allow_user_poisoning=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0
failed=0

echo "== sanitized unit tests =="
for binary in $(find "$BUILD_DIR/unittests" -type f -name '*Tests' -perm -u+x | sort); do
  if "$binary" --gtest_brief=1 >/dev/null 2>"$BUILD_DIR/unittest.log"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $binary"
    tail -40 "$BUILD_DIR/unittest.log"
  fi
done

echo "== sanitized lit =="
lit_args=(-sv "$BUILD_DIR/test")
if ! $all; then
  # The integration matrices and the JIT-driven Python tests run unsanitized
  # in scripts/test.sh; the compiler paths they use are covered here by the
  # IR tests and the fuzzers.
  lit_args+=(--filter-out '^MX :: (Integration|python|Examples)/')
fi
lit_log=$(mktemp)
mx_lit "$lit_log" "${lit_args[@]}" || true
rm -f "$lit_log"
passed=$((passed + lit_passed))
failed=$((failed + lit_failed))

echo "== fuzz targets: seeds, regressions, then ${FUZZ_SECONDS} s each =="
for target in mx-ir-fuzzer mx-numerics-fuzzer mx-tensor-file-fuzzer mx-checkpoint-fuzzer; do
  work=$(mktemp -d)
  mx_fuzz_setup "$target"
  # Replays every seed and regression input (new inputs go to $work only),
  # then fuzzes from them.
  if ASAN_OPTIONS=$fuzz_asan_options "$BUILD_DIR/bin/$target" "${fuzz_dict[@]}" -max_total_time="$FUZZ_SECONDS" \
      -timeout=60 -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" "${fuzz_inputs[@]}" \
      >"$BUILD_DIR/$target.log" 2>&1; then
    passed=$((passed + 1))
    echo "$target: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$BUILD_DIR/$target.log" | awk '{print $2}') runs, no finding"
  else
    failed=$((failed + 1))
    echo "FAILED: $target (artifacts in $work)"
    tail -40 "$BUILD_DIR/$target.log"
  fi
done

echo "sanitized: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Builds (installing what is missing) and runs every test: the lit suite, the
# unit tests, and the sanitized run (scripts/test-sanitized.sh). Prints each
# suite's counts and a total; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}

# --full: the largest matrices whole (MX_FULL_TESTS=1: every mutant of the
# no-crash test, every matmul-kernel and quantize mode) and the whole lit
# suite sanitized (scripts/test-sanitized.sh --all). About an hour and a half
# on two cores; without it, about 20 minutes from a clean clone.
sanitized_args=()
if [ "${1:-}" = "--full" ]; then
  export MX_FULL_TESTS=1
  sanitized_args=(--all)
fi

bash scripts/build.sh
source scripts/common.sh

passed=0
failed=0
status=0

echo "== lit (test/) =="
lit_log=$(mktemp)
mx_lit "$lit_log" -sv "$BUILD_DIR/test" || status=1
rm -f "$lit_log"
passed=$((passed + lit_passed))
failed=$((failed + lit_failed))
echo "lit: $lit_passed passed, $lit_failed failed"

echo "== unit tests (unittests/) =="
for binary in $(find "$BUILD_DIR/unittests" -type f -name '*Tests' -perm -u+x | sort); do
  log=$(mktemp)
  "$binary" --gtest_brief=1 | tee "$log" || status=1
  ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p' "$log")
  bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\{0,1\}, listed below:.*/\1/p' "$log")
  rm -f "$log"
  echo "$(basename "$binary"): ${ok:-0} passed, ${bad:-0} failed"
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${bad:-0}))
done

# The sanitized build (ASan + UBSan) of the same code: unit tests, the IR
# and tool tests, and each fuzz target over its seeds and regressions plus a
# few seconds (docs/Reliability.md). MX_SKIP_SANITIZED=1 skips it locally.
if [ "${MX_SKIP_SANITIZED:-0}" != 1 ]; then
  echo "== sanitized (scripts/test-sanitized.sh) =="
  log=$(mktemp)
  bash scripts/test-sanitized.sh "${sanitized_args[@]}" | tee "$log" || status=1
  ok=$(sed -n 's/^sanitized: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log")
  bad=$(sed -n 's/^sanitized: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log")
  rm -f "$log"
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${bad:-0}))
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # a runner failed without reporting a count (e.g. a crash)
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Builds (installing what is missing) and runs every test: the lit suite and
# the unit tests. Prints each suite's counts and a total; exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}

bash scripts/build.sh

passed=0
failed=0
status=0

echo "== lit (test/) =="
lit_log=$(mktemp)
/usr/lib/llvm-22/bin/lit -sv "$BUILD_DIR/test" | tee "$lit_log" || status=1
lit_passed=$(awk '/^ *Passed *:/ {print $2}' "$lit_log")
lit_failed=$(awk '/^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:/ {n += $NF ~ /%/ ? $(NF-1) : $NF} END {print n + 0}' "$lit_log")
rm -f "$lit_log"
passed=$((passed + ${lit_passed:-0}))
failed=$((failed + lit_failed))
echo "lit: ${lit_passed:-0} passed, $lit_failed failed"

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

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # a runner failed without reporting a count (e.g. a crash)
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

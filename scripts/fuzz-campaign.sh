#!/usr/bin/env bash
# A long fuzzing campaign (docs/Reliability.md): every libFuzzer target of the
# sanitized build (scripts/test-sanitized.sh builds them), side by side, for
# SECONDS each (default 3600), growing a corpus in build-sanitized/fuzz/.
# Prints, per target, the executions, the coverage (libFuzzer's cov: and ft:
# counts) and any finding; crash inputs are left in build-sanitized/fuzz/.
#
#   scripts/fuzz-campaign.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_SANITIZED_BUILD_DIR:-build-sanitized}
seconds=${1:-3600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(mx-ir-fuzzer mx-numerics-fuzzer mx-tensor-file-fuzzer mx-checkpoint-fuzzer)
source scripts/common.sh
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:allow_user_poisoning=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for target in "${targets[@]}"; do
  [ -x "$BUILD_DIR/bin/$target" ] || { echo "no $BUILD_DIR/bin/$target: run scripts/test-sanitized.sh first" >&2; exit 1; }
done
pids=()
for target in "${targets[@]}"; do
  work=$BUILD_DIR/fuzz/$target
  mkdir -p "$work/corpus" "$work/findings"
  mx_fuzz_setup "$target"
  # -fork: a finding is recorded and the campaign goes on; -ignore_crashes
  # keeps it running after one.
  ASAN_OPTIONS=$fuzz_asan_options "$BUILD_DIR/bin/$target" "${fuzz_dict[@]}" -max_total_time="$seconds" \
    -timeout=60 -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$work/findings/" "$work/corpus" "${fuzz_inputs[@]}" >"$work/log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for target in "${targets[@]}"; do
  work=$BUILD_DIR/fuzz/$target
  last=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
  findings=$(find "$work/findings" -type f | wc -l)
  echo "$target: ${seconds} s, last status: ${last:-none}; corpus $(ls "$work/corpus" | wc -l) inputs; findings: $findings"
done
exit $status

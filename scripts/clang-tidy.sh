#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) on every C++ translation unit
# of lib/, tools/ and unittests/ in the build's compile database; prints the
# findings and exits non-zero if there are any. Not part of scripts/test.sh:
# one run takes about 20 minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}

bash scripts/build.sh >/dev/null
command -v clang-tidy-22 >/dev/null || apt-get install -y clang-tidy-22 >/dev/null

mapfile -t sources < <(git ls-files 'lib/*.cpp' 'tools/*.cpp' 'unittests/*.cpp' |
  grep -v '^tools/mx-gpu-runner/') # built only where CUDA is
log=$(mktemp)
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy-22 -p "$BUILD_DIR" --quiet 2>/dev/null |
  grep -E '^/.*: (warning|error):' | sort -u | tee "$log" || true
count=$(wc -l < "$log")
rm -f "$log"
echo "clang-tidy: $count findings in ${#sources[@]} files"
[ "$count" -eq 0 ]

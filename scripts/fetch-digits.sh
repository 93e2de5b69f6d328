#!/usr/bin/env bash
# Prints the path of the handwritten-digits CSV (1,797 8x8 images) that
# Debian's python3-sklearn ships. Uses the installed package when present;
# otherwise downloads that one .deb (2 MB, no dependencies installed) with
# apt-get and keeps the CSV in $MX_BUILD_DIR/data. Exits 1 when neither works.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}
SYSTEM=/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
CACHED=$BUILD_DIR/data/digits.csv.gz

if [ -f "$SYSTEM" ]; then echo "$SYSTEM"; exit 0; fi
if [ -f "$CACHED" ]; then echo "$(cd "$(dirname "$CACHED")" && pwd)/digits.csv.gz"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1); then
  echo "fetch-digits: cannot download python3-sklearn with apt-get" >&2
  exit 1
fi
dpkg-deb -x "$work"/python3-sklearn_*.deb "$work/root"
mkdir -p "$BUILD_DIR/data"
cp "$work/root$SYSTEM" "$CACHED"
echo "$(cd "$(dirname "$CACHED")" && pwd)/digits.csv.gz"

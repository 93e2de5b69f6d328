#!/usr/bin/env bash
# Prints the path of the English text corpus the transformer examples train
# on: the King James Version of the Bible (about 4.3 MB, 31,102 verses),
# which Debian ships as bible-kjv (the `bible` program) and bible-kjv-text
# (its compressed data); scripts/install-deps.sh installs both. Uses the
# installed packages when present; otherwise downloads those two .debs
# (2.5 MB, no dependencies installed) with apt-get and unpacks them in a
# temporary directory. Keeps the extracted text in $MX_BUILD_DIR/data/kjv.txt.
# Exits 1 when neither works.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}
CACHED=$BUILD_DIR/data/kjv.txt
SPEC="gen1:1-rev22:21"

if [ -s "$CACHED" ]; then echo "$(cd "$(dirname "$CACHED")" && pwd)/kjv.txt"; exit 0; fi
mkdir -p "$BUILD_DIR/data"
if command -v bible >/dev/null 2>&1 && [ -f /usr/lib/bible.data ]; then
  bible "$SPEC" > "$CACHED.tmp"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && apt-get download bible-kjv bible-kjv-text >/dev/null 2>&1); then
    echo "fetch-text: cannot download bible-kjv and bible-kjv-text with apt-get" >&2
    exit 1
  fi
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  "$work/root/usr/bin/bible" -p "$work/root/usr/lib" "$SPEC" > "$CACHED.tmp"
fi
mv "$CACHED.tmp" "$CACHED"
echo "$(cd "$(dirname "$CACHED")" && pwd)/kjv.txt"

#!/usr/bin/env bash
# Installs what is missing (apt), configures once, and builds what is stale.
# MX_BUILD_DIR (default: build) selects the build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}

bash scripts/install-deps.sh

source scripts/common.sh
# A clean build (CI's, or MX_UNITY_BUILD=1) compiles each library as a few
# unity batches, as the sanitized build does: minutes less from scratch on
# two cores. Developers' builds stay one object per file, so that an edit
# recompiles one file and each file's own includes are checked.
unity=()
if [ "${CI:-}" = true ] || [ "${MX_UNITY_BUILD:-0}" = 1 ]; then
  unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16)
fi
mx_configure "$BUILD_DIR" "${unity[@]}"
ninja -C "$BUILD_DIR" all mx-docs

# A virtual environment that sees Debian's NumPy and, through a .pth file,
# the Python package the build stages (always current):
#   source build/venv/bin/activate && python -c "import mx_mlir"
if [ ! -x "$BUILD_DIR/venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$BUILD_DIR/venv"
fi
build_root=$(cd "$BUILD_DIR" && pwd)
site_packages=$("$BUILD_DIR/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$build_root/python_packages" > "$site_packages/mx_mlir_build_tree.pth"
ln -sf "$build_root/bin/mx-quantize" "$BUILD_DIR/venv/bin/mx-quantize"

# The demo's and the accuracy test's data (Debian's python3-sklearn digits).
bash scripts/fetch-digits.sh >/dev/null ||
  echo "build: the digits data is unavailable; its accuracy test will be skipped" >&2
# The transformer's text (Debian's bible-kjv-text).
bash scripts/fetch-text.sh >/dev/null ||
  echo "build: the KJV text is unavailable; the transformer training test will be skipped" >&2

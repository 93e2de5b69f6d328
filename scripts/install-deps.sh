#!/usr/bin/env bash
# Installs, from Debian's apt, what a fresh Debian 12 machine lacks to build and
# test mx-mlir. Idempotent: when every package is present it only runs dpkg-query.
set -euo pipefail

PACKAGES=(
  # Build toolchain: clang-22 + lld-22 link against libMLIR.so in well under a second.
  cmake ninja-build g++ clang-22 lld-22 zlib1g-dev
  # LLVM/MLIR 22: headers, CMake configs, libMLIR.so, mlir-tblgen, lit and FileCheck.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # Unit tests, benchmarks, and the Python side (Debian's python3 carries numpy;
  # python3-venv gives build/venv and the offline pip-install test).
  libgtest-dev libbenchmark-dev python3 python3-numpy python3-venv
  # PyTorch for the CPU: the reference of the gradient and training tests,
  # and the front end of the transformer examples.
  python3-torch
  # The transformer's English text: the King James Bible (scripts/fetch-text.sh).
  bible-kjv bible-kjv-text
  # LLVM's OpenMP runtime, for code lowered with --mx-cpu-pipeline=threads=true.
  libomp-22-dev
  # The sanitized build and the fuzz targets: clang-22's ASan/UBSan/libFuzzer
  # runtimes; CPython's headers for the tensor-file fuzzer, which embeds it.
  libclang-rt-22-dev libpython3-dev
)
# More from the caller: the demo asks for OpenBLAS (its NumPy row).
PACKAGES+=("$@")

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# LLVM/MLIR 22 come from bookworm-security; a stale package list would miss them.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# -*- Python -*-
import os
import platform
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MX"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "consumer", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mx_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))

# scripts/test.sh samples the largest matrices (every test still runs);
# `scripts/test.sh --full` (MX_FULL_TESTS=1) runs them whole: the feature
# `full-tests` gates the extra RUN lines, MX_MUTANT_STRIDE thins the
# no-crash mutants, and scripts read MX_FULL_TESTS to sample their cases.
full_tests = os.environ.get("MX_FULL_TESTS") == "1"
if full_tests:
    config.available_features.add("full-tests")
config.environment["MX_FULL_TESTS"] = "1" if full_tests else "0"
config.environment["MX_MUTANT_STRIDE"] = "1" if full_tests else (
    "16" if config.mx_sanitizer else "4")

# x86 feature names are checked against LLVM's on x86 hosts only.
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64-host")
# What the CPU running the tests has (Linux), for code compiled for it.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo if line.startswith("flags")), [])
except OSError:
    flags = []
for flag in ("avx512_bf16", "avx512_vnni", "amx_tile"):
    if flag in flags:
        config.available_features.add("cpu-" + flag.replace("_", ""))
config.substitutions.append(("%mx_lib_dir", config.mx_lib_dir))
config.substitutions.append(("%mx_src_root", config.mx_src_root))
# The Python package as the build stages it (sources + libMXCAPI.so).
config.substitutions.append(("%mx_python_packages", os.path.join(config.mx_obj_root, "python_packages")))

llvm_config.use_default_substitutions()

# A sanitized build (scripts/test-sanitized.sh): its tools report through
# ASan/UBSan and fail on the first report. Python is not instrumented, so a
# Python process that loads the sanitized libMXCAPI.so needs the ASan runtime
# preloaded, and leak checking is off there (the interpreter's own
# allocations outlive it; our libraries' leaks are checked in mx-opt, the
# C API test and the unit tests).
if config.mx_sanitizer:
    config.available_features.add("sanitized")
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            config.environment[name] = os.environ[name]
    asan_runtime = subprocess.run([config.mx_cxx_compiler, "-print-file-name=libclang_rt.asan-x86_64.so"],
                                  capture_output=True, text=True).stdout.strip()
    preload = "env LD_PRELOAD=%s ASAN_OPTIONS=%s:detect_leaks=0" % (
        asan_runtime, os.environ.get("ASAN_OPTIONS", ""))
    config.substitutions = [(k, v) for k, v in config.substitutions if k != "%python"]
    config.substitutions.append(("%python", preload + " " + config.python_executable))
    # Debian's mlir-opt loading the sanitized plugin needs the same.
    config.mx_stock_mlir_opt_prefix = preload + " "
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tools = [
    "mx-opt",
    "mx-quantize",
    "mx-capi-test",
    # Debian's stock mlir-opt, for the plugin test: never ours.
    ToolSubst("%stock-mlir-opt", getattr(config, "mx_stock_mlir_opt_prefix", "")
              + os.path.join(config.llvm_tools_dir, "mlir-opt")),
]
llvm_config.add_tool_substitutions(tools, [config.mx_tools_dir, config.llvm_tools_dir])

# Tests that execute lowered code need the upstream runner and its runtime.
config.mlir_runner = os.path.join(config.llvm_tools_dir, "mlir-runner")
config.runtime_libs = [os.path.join(config.llvm_tools_dir, "..", "lib", name)
                       for name in ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so")]
if os.path.exists(config.mlir_runner) and all(map(os.path.exists, config.runtime_libs)):
    config.available_features.add("mlir-runner")
    config.substitutions.append(("%mlir_runner", config.mlir_runner))
    config.substitutions.append(("%runtime_libs", ",".join(config.runtime_libs)))

# Code lowered with --mx-cpu-pipeline=threads=true calls LLVM's OpenMP runtime
# (Debian's libomp-22-dev).
config.libomp = os.path.join(config.llvm_tools_dir, "..", "lib", "libomp.so")
if os.path.exists(config.libomp):
    config.available_features.add("libomp")
    config.substitutions.append(("%libomp", config.libomp))

# The pip-install test needs Debian's python3-venv (with its bundled pip).
if subprocess.run([config.python_executable, "-c", "import ensurepip, venv"],
                  capture_output=True).returncode == 0:
    config.available_features.add("python-venv")

# PyTorch (Debian's python3-torch): the reference of the gradient and training
# tests, never a dependency of the compiler.
if subprocess.run([config.python_executable, "-c", "import torch"],
                  capture_output=True).returncode == 0:
    config.available_features.add("torch")

# scripts/build.sh makes build/venv (the README's `import mx_mlir` set-up).
config.build_venv_python = os.path.join(config.mx_obj_root, "venv", "bin", "python")
if os.path.exists(config.build_venv_python):
    config.available_features.add("build-venv")
    config.substitutions.append(("%build_venv_python", config.build_venv_python))

# The digits of Debian's python3-sklearn (scripts/fetch-digits.sh).
for digits in ("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
               os.path.join(config.mx_obj_root, "data", "digits.csv.gz")):
    if os.path.exists(digits):
        config.available_features.add("digits")
        config.substitutions.append(("%digits_csv", digits))
        break

# The King James Bible of Debian's bible-kjv-text (scripts/fetch-text.sh).
kjv = os.path.join(config.mx_obj_root, "data", "kjv.txt")
if os.path.exists(kjv):
    config.available_features.add("text")
    config.substitutions.append(("%kjv_txt", kjv))

# A private mount namespace with a small tmpfs (unshare, unprivileged
# through a user namespace where the kernel allows it): mx-quantize's
# full-disk test writes to a real full file system there.
import tempfile
with tempfile.TemporaryDirectory() as probe:
    if subprocess.run(["unshare", "-rm", "sh", "-c",
                       f"mount -t tmpfs -o size=64k mx-probe '{probe}'"],
                      capture_output=True).returncode == 0:
        config.available_features.add("private-tmpfs")

# CUDA's ptxas assembles the PTX of mx-nvvm-pipeline (tests marked
# REQUIRES: ptxas; reported unsupported where there is none). PATH first, then
# the CUDA toolkit's usual place.
import shutil
ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
# Decodes the PTX of a gpu.binary (format=isa) to a file.
config.substitutions.append(("%extract_ptx", "%s %s" % (
    config.python_executable, os.path.join(config.mx_src_root, "test", "Pipelines", "Inputs", "extract_ptx.py"))))

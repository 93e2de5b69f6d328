"""Run MX programs on the CPU with the project's tools: lower a module with
`mx-opt --mx-cpu-pipeline`, execute it with upstream `mlir-runner`, and read
back what its `printMemref*` calls printed. Inputs travel as exact dense
literals. (The in-process JIT through the C API is the Python package's next
step; this path needs only the two executables.)"""

import os
import re
import subprocess

import numpy as np


def dense_hex(array):
    """An exact dense literal for `array` (NaN payloads, -0, subnormals survive)."""
    return 'dense<"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '">'


def print_call(name, value, shape, element="i32"):
    """MLIR lines printing the tensor `value` of `shape` (e.g. "4x8") with printMemref."""
    printer = {"i32": "printMemrefI32", "f32": "printMemrefF32"}[element]
    return f"""
  %m_{name} = bufferization.to_buffer {value} : tensor<{shape}x{element}> to memref<{shape}x{element}>
  %u_{name} = memref.cast %m_{name} : memref<{shape}x{element}> to memref<*x{element}>
  call @{printer}(%u_{name}) : (memref<*x{element}>) -> ()"""


def _without_sanitizer_preload():
    """The environment for mx-opt. A sanitized build's Python runs with the
    shared ASan runtime preloaded (scripts/test-sanitized.sh), but its
    mx-opt links the runtime in, and refuses to start beside a second one."""
    preload = os.environ.get("LD_PRELOAD", "")
    if "libclang_rt.asan" not in preload:
        return None
    env = dict(os.environ)
    env["LD_PRELOAD"] = " ".join(p for p in preload.split() if "libclang_rt.asan" not in p)
    return env


def lower(mx_opt, module_text, vectorize=True, options=""):
    """The LLVM-dialect module `mx-opt --mx-cpu-pipeline` makes of `module_text`
    (`options`: more pipeline options, e.g. "kernels=false")."""
    option = "true" if vectorize else "false"
    result = subprocess.run([mx_opt, "-", f"--mx-cpu-pipeline=vectorize={option} {options}".rstrip()],
                            input=module_text.encode(), capture_output=True, check=False,
                            env=_without_sanitizer_preload())
    if result.returncode != 0:
        raise RuntimeError("mx-opt failed:\n" + result.stderr.decode())
    return result.stdout


def run(runner, runtime_libs, lowered, entry="main", runner_args=()):
    """Runs `entry` of a lowered module with mlir-runner; returns its stdout.
    `runner_args`: more mlir-runner flags (e.g. -mattr=-avx512f)."""
    result = subprocess.run([runner, "-", "-e", entry, "-entry-point-result=void",
                             "-shared-libs=" + ",".join(runtime_libs), *runner_args],
                            input=lowered, capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError("mlir-runner failed:\n" + result.stderr.decode())
    return result.stdout.decode()


def lower_and_run(mx_opt, runner, runtime_libs, module_text, vectorize=True, options="",
                  runner_args=()):
    return run(runner, runtime_libs, lower(mx_opt, module_text, vectorize, options),
               runner_args=runner_args)


def printed_memrefs(output, dtype=np.int64):
    """The data of every printMemref call in `output`, in order, flattened."""
    results = []
    for chunk in output.split("Unranked Memref")[1:]:
        data = chunk.split("data =", 1)[1]
        numbers = re.findall(r"-?(?:inf|nan|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)", data)
        results.append(np.array([float(v) if dtype != np.int64 else int(v) for v in numbers],
                                dtype=dtype))
    return results

# RUN: rm -rf %t && mkdir -p %t
# RUN: env PYTHONPATH=%mx_python_packages %python %s %t mx-quantize | FileCheck %s
# UNSUPPORTED: sanitized
#
# Large files stream in bounded memory: quantizing a 256 MiB tensor and
# dequantizing it back take the same anonymous memory (the process's own,
# not the page cache of its memory-mapped input and its output) as doing so
# for a 32 MiB one. A tool that held an output whole would need 64 MiB more
# to quantize (E4M3 codes) and 224 MiB more to dequantize. The same holds for
# a Fortran-order tensor passed through (--keep), which is written out in C
# order a few rows at a time. The output is checked against the reference on
# rows from the start, middle and end.

import os
import subprocess
import sys
import time

import numpy as np

from mx_mlir import reference as ref
from mx_mlir.tensor_files import read_tensors

directory, tool = sys.argv[1], sys.argv[2]
SLACK_MIB = 24  # the allocator keeps freed chunks a while


def path(name):
    return os.path.join(directory, name)


def peak_anonymous_mib(*args):
    """Runs the tool; the largest RssAnon of its process seen every 5 ms."""
    process = subprocess.Popen([tool, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            with open(f"/proc/{process.pid}/status") as status:
                for line in status:
                    if line.startswith("RssAnon:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.005)
    stderr = process.stderr.read().decode()
    assert process.returncode == 0, stderr
    return peak / 1024, stderr


def make(name, rows, fortran_order=False):
    """A [rows, 8192] f32 .npy of normal values, written a slab at a time."""
    rng = np.random.default_rng(rows)
    array = np.lib.format.open_memmap(path(name), "w+", np.float32, (rows, 8192),
                                      fortran_order=fortran_order)
    for start in range(0, rows, 512):
        array[start:start + 512] = rng.standard_normal((min(512, rows - start), 8192),
                                                       np.float32)
    array.flush()
    return np.load(path(name), mmap_mode="r")


small, large = make("small.npy", 1024), make("large.npy", 8192)
make("small-f.npy", 1024, fortran_order=True)
large_fortran = make("large-f.npy", 8192, fortran_order=True)
peaks = {}
for name in ("small", "large"):
    peaks[name, "quantize"], stderr = peak_anonymous_mib(
        path(name + ".npy"), "--format", "e4m3", "--progress", "-o", path(name + ".mx.safetensors"))
    peaks[name, "dequantize"], _ = peak_anonymous_mib(
        path(name + ".mx.safetensors"), "--dequantize", "-o", path(name + ".f32.safetensors"))
    peaks[name, "keep Fortran-order"], _ = peak_anonymous_mib(
        path(name + "-f.npy"), "--format", "e4m3", "--keep", "*", "-o", path(name + "-f.safetensors"))
print("progress bar:", "100.0%" in stderr and "MB/s" in stderr)
# CHECK: progress bar: True
for direction in ("quantize", "dequantize", "keep Fortran-order"):
    grown = peaks["large", direction] - peaks["small", direction]
    print(f"{direction}: bounded {grown < SLACK_MIB}")
    sys.stderr.write(f"{direction}: {peaks['small', direction]:.0f} MiB for 32 MiB, "
                     f"{peaks['large', direction]:.0f} MiB for 256 MiB\n")
# CHECK: quantize: bounded True
# CHECK: dequantize: bounded True
# CHECK: keep Fortran-order: bounded True
kept = read_tensors(path("large-f.safetensors"))[0][0].array
print("kept as read:", kept.flags.c_contiguous and np.array_equal(kept, large_fortran))
# CHECK: kept as read: True

tensors, _ = read_tensors(path("large.mx.safetensors"))
by_name = {t.name: t.array for t in tensors}
back = {t.name: t.array for t in read_tensors(path("large.f32.safetensors"))[0]}["large"]
mismatches = 0
for rows in (slice(0, 4), slice(4094, 4098), slice(8188, 8192)):
    codes, scales = ref.quantize(np.asarray(large[rows]), "e4m3")
    mismatches += int(np.sum(by_name["large.blocks"][rows].reshape(codes.shape) != codes))
    mismatches += int(np.sum(by_name["large.scales"][rows] != scales))
    want = ref.dequantize(codes, scales, "e4m3")
    mismatches += int(np.sum(np.asarray(back[rows]).view(np.uint32) != want.view(np.uint32)))
print("mismatches:", mismatches)
# CHECK: mismatches: 0

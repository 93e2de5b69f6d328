#!/usr/bin/env python3
"""Layer-to-layer execution measured (docs/LayerToLayer.md): a stack of wide
layers run by mx_mlir.StreamedModel from an mx-quantize checkpoint under a
budget of two layers (its Python loop, and its compiled driver), beside the
same compiled layers with every weight held in memory, and beside reading
the checkpoint file, for a growing number of micro-batches.

    /usr/bin/python3 bench/l2l/layer_to_layer.py [--layers 16] [--width 1024]
        [--hidden 4096] [--rows 8] [--format e2m1] [--out DIR]

The model is `--layers` PyTorch Linear layers alternating width -> hidden
and hidden -> width, GELU between them, weights MX (`--format`) and
activations E4M3. For each micro-batch count the streamed run reads every
layer once per batch; the resident run holds all of them. Each figure is
the median of `--repeats` rounds after a warm-up run (a round times each
mode once, in turn), with the page cache
warm; where the caller may write /proc/sys/vm/drop_caches (root), a
cold-cache streamed run and the file's cold read bandwidth are measured
too. --out writes DIR/layer_to_layer.json, .md and .png (gnuplot).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn

from mx_mlir import StreamedModel, from_torch, keep_freed_memory
from mx_mlir.tensor_writer import write_tensors

from page_cache import drop_caches, read_bandwidth  # bench/l2l/
from report import write_report


def median_seconds(runs, repeats):
    """The median seconds of each of `runs` (name -> function) over
    `repeats` rounds, after a warm-up of each. A round runs every mode once,
    so that a slow phase of this shared VM falls on all of them alike
    instead of on whichever mode a block of runs happened to time."""
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=16)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--hidden", type=int, default=4096)
    parser.add_argument("--rows", type=int, default=8, help="rows per micro-batch")
    parser.add_argument("--format", default="e2m1")
    parser.add_argument("--micro-batches", default="1,2,4,8,16,32")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument("--return-freed-memory", action="store_true",
                        help="leave glibc's defaults (freed memory handed back to the kernel) "
                             "instead of mx_mlir.keep_freed_memory()")
    options = parser.parse_args()
    # As the C++ benchmarks do (mxbench::keepFreedMemory): freed memory is
    # reused instead of faulted in again on every call (docs/Python.md).
    if not options.return_freed_memory:
        keep_freed_memory()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    sizes = [(options.width, options.hidden) if i % 2 == 0 else (options.hidden, options.width)
             for i in range(options.layers)]
    modules = []
    for k, n in sizes:
        modules += [nn.Linear(k, n), nn.GELU()]
    model = nn.Sequential(*modules[:-1])
    counts = [int(c) for c in options.micro_batches.split(",")]
    x = np.random.default_rng(0).standard_normal((max(counts), options.rows, options.width)) \
        .astype(np.float32)
    imported = from_torch(model, (torch.from_numpy(x[0]),), weights="arguments")
    directory = tempfile.mkdtemp(prefix="mx-l2l-")
    try:
        source = os.path.join(directory, "model.safetensors")
        checkpoint = os.path.join(directory, f"model.{options.format}.safetensors")
        write_tensors(source, [(name, value, "F32") for name, value in imported.parameters])
        tool = shutil.which("mx-quantize") or os.path.join(
            os.path.dirname(__file__), "..", "..", "build", "venv", "bin", "mx-quantize")
        subprocess.run([tool, source, "--format", options.format, "--keep", "*.bias", "-o",
                        checkpoint, "--quiet"], check=True)
        f32_bytes, mx_bytes = os.path.getsize(source), os.path.getsize(checkpoint)
        os.remove(source)
        start = time.perf_counter()
        streamed = StreamedModel(imported, f"weights={options.format} activations=e4m3", 1,
                                 checkpoint)
        compile_seconds = time.perf_counter() - start
        resident = streamed.load_resident()
        cold = drop_caches()
        cold_read = read_bandwidth(checkpoint) if cold else None
        warm_read = read_bandwidth(checkpoint)
        results = []
        for count in counts:
            batch = x[:count]
            stats = {}
            # The compiled driver (one call for every layer and micro-batch)
            # is compiled for its micro-batch count.
            compiled = StreamedModel(imported, f"weights={options.format} activations=e4m3", count,
                                     checkpoint)
            medians = median_seconds({
                "streamed": lambda: stats.update(streamed.run(batch)[1]),
                "resident": lambda: streamed.run(batch, resident=resident),
                "compiled": lambda: compiled.run_compiled(batch),
            }, options.repeats)
            stream_seconds, resident_seconds, compiled_seconds = (
                medians["streamed"], medians["resident"], medians["compiled"])
            cold_seconds = None
            if cold:
                drop_caches()
                start = time.perf_counter()
                streamed.run(batch)
                cold_seconds = time.perf_counter() - start
            rows = count * options.rows
            results.append({
                "micro_batches": count, "rows": rows,
                "streamed_rows_per_s": rows / stream_seconds,
                "resident_rows_per_s": rows / resident_seconds,
                "streamed_over_resident": resident_seconds / stream_seconds,
                "compiled_driver_rows_per_s": rows / compiled_seconds,
                "compiled_over_resident": resident_seconds / compiled_seconds,
                "cold_streamed_rows_per_s": rows / cold_seconds if cold_seconds else None,
                "pool_bytes": stats["pool_bytes"], "peak_resident_bytes": stats["peak_resident_bytes"],
            })
            print(f"{count:3d} micro-batches: streamed {rows / stream_seconds:9.0f} rows/s, resident "
                  f"{rows / resident_seconds:9.0f} rows/s ({resident_seconds / stream_seconds:.2f}x), "
                  f"compiled driver {rows / compiled_seconds:9.0f} rows/s "
                  f"({resident_seconds / compiled_seconds:.2f}x)"
                  + (f", cold {rows / cold_seconds:9.0f} rows/s" if cold_seconds else ""), flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    report = {
        "layers": options.layers, "width": options.width, "hidden": options.hidden,
        "rows_per_micro_batch": options.rows, "format": options.format,
        "f32_checkpoint_bytes": f32_bytes, "mx_checkpoint_bytes": mx_bytes,
        "compile_seconds": compile_seconds, "warm_read_gb_s": warm_read, "cold_read_gb_s": cold_read,
        "results": results,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "results"}))
    if options.out:
        write_outputs(options.out, report)


def write_outputs(out, report):
    table = ["| micro-batches | rows | streamed rows/s | resident rows/s | streamed / resident | "
             "compiled driver rows/s | compiled / resident | cold streamed rows/s |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["results"]:
        cold = f"{r['cold_streamed_rows_per_s']:.0f}" if r["cold_streamed_rows_per_s"] else "-"
        table.append(f"| {r['micro_batches']} | {r['rows']} | {r['streamed_rows_per_s']:.0f} | "
                     f"{r['resident_rows_per_s']:.0f} | {r['streamed_over_resident']:.2f} | "
                     f"{r['compiled_driver_rows_per_s']:.0f} | {r['compiled_over_resident']:.2f} | "
                     f"{cold} |")
    points = [[r["micro_batches"], r["streamed_rows_per_s"], r["resident_rows_per_s"],
               r["cold_streamed_rows_per_s"], r["compiled_driver_rows_per_s"]]
              for r in report["results"]]
    write_report(out, "layer_to_layer", report, table, points,
                 f"{report['layers']} layers {report['width']}<->{report['hidden']}, MX "
                 f"{report['format']} weights, {report['rows_per_micro_batch']} rows per "
                 "micro-batch, one thread",
                 [(3, "resident (all weights in memory)"),
                  (2, "streamed, 2-layer budget, warm cache"),
                  (5, "streamed by the compiled driver"), (4, "streamed, cold page cache")])


if __name__ == "__main__":
    sys.exit(main())

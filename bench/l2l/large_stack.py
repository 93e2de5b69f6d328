#!/usr/bin/env python3
"""Layer-to-layer at the issue's scale (docs/LayerToLayer.md, "At 17 GB"):
a stack whose f32 weights (17 GB) are far larger than this machine's
memory for them, streamed from its MXFP4 checkpoint (2.3 GB) under a
cgroup memory limit, beside the same stack resident (its MX operands fit
in memory), for a growing number of micro-batches.

    sudo PYTHONPATH=build/python_packages /usr/bin/python3 bench/l2l/large_stack.py \\
        [--pairs 32] [--width 4096] [--hidden 16384] [--rows 8] \\
        [--micro-batches 1,4,16] [--limit-mib 768] [--scratch /tmp] [--out docs/benchmarks]

The model is `--pairs` pairs of PyTorch Linear layers, width -> hidden and
hidden -> width, GELU after each. Its f32 weights are never held: the
module's weights are stride-0 expansions (0 bytes) that from_torch
imports without copying (`copy_parameters=False`), and the checkpoint is
written a layer at a time (Gaussian weights, 1 / sqrt(fan-in), quantized
by mx_mlir.quantize exactly as mx-quantize writes them: `<name>.blocks`,
`<name>.scales`, biases F32).

The streamed runs are a child process started inside a memory cgroup (v1
`memory.limit_in_bytes`, or v2 `memory.max`): the limit bounds all it
allocates, from the interpreter and the compiler to the stream's buffers,
the relayouts, the kernels' temporaries and the checkpoint's pages in the
page cache (the file does not fit, so every batch reads it from disk
again). The resident runs are made in this process, outside it. Without
root or a memory controller, the child runs under the stream's own budget
check only, and the report says so.
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

from mx_mlir import StreamedModel, keep_freed_memory, quantize
from mx_mlir.tensor_writer import TensorWriter
from mx_mlir.torch_import import Imported

from page_cache import drop_caches, read_bandwidth  # bench/l2l/
from report import write_report


class MemoryCgroup:
    """A child memory cgroup of this process's own with a limit;
    `peak_bytes` is what it charged at most."""

    def __init__(self, limit):
        self.v1, self.path = self._locate()
        self.path = os.path.join(self.path, f"mx-l2l-{os.getpid()}")
        os.mkdir(self.path)
        self._write("memory.limit_in_bytes" if self.v1 else "memory.max", str(limit))

    @staticmethod
    def _locate():
        with open("/proc/self/cgroup") as f:
            lines = [line.strip().split(":", 2) for line in f]
        for _, controllers, path in lines:
            if "memory" in controllers.split(","):
                return True, "/sys/fs/cgroup/memory" + path
        for hierarchy, controllers, path in lines:
            if hierarchy == "0" and controllers == "":
                return False, "/sys/fs/cgroup" + path
        raise OSError("no memory cgroup")

    def _write(self, name, value, path=None):
        with open(os.path.join(path or self.path, name), "w") as f:
            f.write(value)

    def add_self(self):
        """Moves the calling process in (a child's preexec_fn)."""
        self._write("cgroup.procs", str(os.getpid()))

    @property
    def peak_bytes(self):
        name = "memory.max_usage_in_bytes" if self.v1 else "memory.peak"
        try:
            with open(os.path.join(self.path, name)) as f:
                return int(f.read())
        except OSError:
            return None

    def remove(self):
        os.rmdir(self.path)


def build_model(pairs, width, hidden):
    """The stack, its weights stride-0 expansions of one zero."""
    import torch
    import torch.nn as nn

    layers = []
    for _ in range(pairs):
        for n, k in ((hidden, width), (width, hidden)):
            linear = nn.Linear(k, n)
            linear.weight = nn.Parameter(torch.zeros(1).expand(n, k), requires_grad=False)
            linear.bias = nn.Parameter(torch.zeros(n), requires_grad=False)
            layers += [linear, nn.GELU()]
    return nn.Sequential(*layers)


def write_checkpoint(path, imported, fmt, seed):
    """The MX checkpoint of Gaussian weights, a layer at a time."""
    rng = np.random.default_rng(seed)
    per_block = 16 if fmt == "e2m1" else 32
    entries = []
    for name, value in imported.parameters:
        if name.endswith(".weight"):
            n, k = value.shape
            entries += [(f"{name}.blocks", "U8", (n, k // 32, per_block)),
                        (f"{name}.scales", "U8", (n, k // 32))]
        else:
            entries.append((name, "F32", value.shape))
    with TensorWriter(path, entries, {"format": fmt}) as writer:
        for name, value in imported.parameters:
            if name.endswith(".weight"):
                n, k = value.shape
                weight = rng.standard_normal((n, k), dtype=np.float32) / np.float32(np.sqrt(k))
                q = quantize(weight, fmt, axis=1)
                writer.write_all(f"{name}.blocks", q.elements.reshape(n, k // 32, per_block))
                writer.write_all(f"{name}.scales", q.scales)
            else:
                writer.write_all(name, (rng.standard_normal(value.shape) * 0.1).astype(np.float32))
        writer.commit()


def memory_status():
    """The child's peak and current resident memory, anonymous and of files
    (/proc/self/status), in bytes."""
    fields = {"VmHWM": "peak_rss_bytes", "RssAnon": "anonymous_bytes", "RssFile": "file_bytes"}
    status = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in fields:
                status[fields[key]] = int(value.split()[0]) * 1024
    return status


def streamed_child(options, counts):
    """The streamed runs, in the cgroup: one JSON line per micro-batch count
    on stdout, the outputs in the scratch directory. The model comes as the
    parent imported it (its IR and parameter names), so the child never
    loads PyTorch nor runs the model with placeholder weights."""
    x = np.load(os.path.join(options.child, "x.npy"))
    with open(os.path.join(options.child, "imported.json")) as f:
        saved = json.load(f)
    imported = Imported(saved["text"], saved["function"],
                        [(name, None) for name in saved["parameters"]], saved["weights"])
    streamed = StreamedModel(imported, f"weights={options.format} activations=e4m3", 1,
                             options.checkpoint, budget=options.limit_mib << 20)
    keep_freed_memory()  # after the compiler's peak, as in the parent's runs
    for count in counts:
        drop_caches()
        start = time.perf_counter()
        y, stats = streamed.run(x[:count])
        seconds = time.perf_counter() - start
        np.save(os.path.join(options.child, f"y{count}.npy"), y)
        print(json.dumps({"micro_batches": count,
                          "streamed_rows_per_s": count * options.rows / seconds,
                          "pool_bytes": stats["pool_bytes"],
                          "peak_resident_bytes": stats["peak_resident_bytes"],
                          **memory_status()}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=32)
    parser.add_argument("--width", type=int, default=4096)
    parser.add_argument("--hidden", type=int, default=16384)
    parser.add_argument("--rows", type=int, default=8, help="rows per micro-batch")
    parser.add_argument("--format", default="e2m1")
    parser.add_argument("--micro-batches", default="1,4,16")
    parser.add_argument("--limit-mib", type=int, default=768)
    parser.add_argument("--scratch", default=tempfile.gettempdir())
    parser.add_argument("--out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", help=argparse.SUPPRESS)
    options = parser.parse_args()
    counts = [int(c) for c in options.micro_batches.split(",")]
    if options.child:
        return streamed_child(options, counts)
    keep_freed_memory()

    import torch
    from mx_mlir import from_torch

    model = build_model(options.pairs, options.width, options.hidden)
    x = np.random.default_rng(0).standard_normal(
        (max(counts), options.rows, options.width)).astype(np.float32)
    imported = from_torch(model, (torch.from_numpy(x[0]),), weights="arguments",
                          copy_parameters=False)
    f32_bytes = sum(4 * int(np.prod(v.shape)) for _, v in imported.parameters)
    directory = tempfile.mkdtemp(dir=options.scratch)
    checkpoint = os.path.join(directory, f"stack.{options.format}.safetensors")
    report = {"pairs": options.pairs, "width": options.width, "hidden": options.hidden,
              "rows_per_micro_batch": options.rows, "format": options.format,
              "f32_weight_bytes": f32_bytes}
    try:
        start = time.perf_counter()
        write_checkpoint(checkpoint, imported, options.format, seed=1)
        report["checkpoint_seconds"] = time.perf_counter() - start
        report["mx_checkpoint_bytes"] = os.path.getsize(checkpoint)
        start = time.perf_counter()
        streamed = StreamedModel(imported, f"weights={options.format} activations=e4m3", 1,
                                 checkpoint, budget=options.limit_mib << 20)
        report["compile_seconds"] = time.perf_counter() - start
        print(json.dumps(report), flush=True)

        cold = drop_caches()
        report["cold_read_gb_s"] = read_bandwidth(checkpoint) if cold else None
        results = {count: {"micro_batches": count, "rows": count * options.rows}
                   for count in counts}
        resident = streamed.load_resident()
        for count in counts:
            start = time.perf_counter()
            y_resident, _ = streamed.run(x[:count], resident=resident)
            seconds = time.perf_counter() - start
            results[count]["resident_rows_per_s"] = count * options.rows / seconds
            results[count]["resident_output"] = y_resident
            print(f"resident, {count} micro-batches: {count * options.rows / seconds:.1f} rows/s",
                  flush=True)
        del resident

        try:
            cgroup = MemoryCgroup(options.limit_mib << 20)
        except OSError as error:
            cgroup = None
            print(f"no memory cgroup ({error}): the stream's budget check only", flush=True)
        report["enforced_by"] = (f"cgroup {'v1 memory.limit_in_bytes' if cgroup.v1 else 'v2 memory.max'}"
                                 if cgroup else "the stream's budget check")
        report["limit_bytes"] = options.limit_mib << 20
        np.save(os.path.join(directory, "x.npy"), x)
        with open(os.path.join(directory, "imported.json"), "w") as f:
            json.dump({"text": imported.text, "function": imported.function,
                       "parameters": [name for name, _ in imported.parameters],
                       "weights": list(imported.weights)}, f)
        child = [sys.executable, os.path.abspath(__file__), "--child", directory, "--checkpoint",
                 checkpoint] + sys.argv[1:]
        try:
            done = subprocess.run(child, stdout=subprocess.PIPE, text=True,
                                  preexec_fn=cgroup.add_self if cgroup else None)
            report["cgroup_peak_bytes"] = cgroup.peak_bytes if cgroup else None
        finally:
            if cgroup:
                cgroup.remove()
        if done.returncode != 0:
            raise SystemExit(f"the streamed child failed ({done.returncode}): {done.stdout}")
        for line in done.stdout.splitlines():
            r = json.loads(line)
            count = r["micro_batches"]
            y = np.load(os.path.join(directory, f"y{count}.npy"))
            results[count].update(r)
            results[count]["streamed_over_resident"] = (r["streamed_rows_per_s"] /
                                                        results[count]["resident_rows_per_s"])
            results[count]["identical_to_resident"] = bool(np.array_equal(
                y.view(np.uint32), results[count].pop("resident_output").view(np.uint32)))
            print(f"streamed under the limit, {count} micro-batches: "
                  f"{r['streamed_rows_per_s']:.1f} rows/s "
                  f"({results[count]['streamed_over_resident']:.2f}x resident), identical "
                  f"{results[count]['identical_to_resident']}", flush=True)
        report["results"] = [results[c] for c in counts]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps({k: v for k, v in report.items() if k != "results"}))
    if options.out:
        write_outputs(options.out, report)


def write_outputs(out, report):
    table = ["| micro-batches | rows | resident rows/s | streamed rows/s (cold, under the limit) | "
             "streamed / resident | stream peak MiB | identical |",
             "|---:|---:|---:|---:|---:|---:|---|"]
    for r in report["results"]:
        table.append(f"| {r['micro_batches']} | {r['rows']} | {r['resident_rows_per_s']:.1f} | "
                     f"{r['streamed_rows_per_s']:.1f} | {r['streamed_over_resident']:.2f} | "
                     f"{r['peak_resident_bytes'] / 2**20:.1f} | {r['identical_to_resident']} |")
    points = [[r["micro_batches"], r["resident_rows_per_s"], r["streamed_rows_per_s"]]
              for r in report["results"]]
    write_report(out, "large_stack", report, table, points,
                 f"{2 * report['pairs']} layers {report['width']}<->{report['hidden']} "
                 f"({report['f32_weight_bytes'] / 1e9:.1f} GB f32, "
                 f"{report['mx_checkpoint_bytes'] / 1e9:.2f} GB MX {report['format']}), "
                 f"{report['rows_per_micro_batch']} rows per micro-batch, one thread",
                 [(2, "resident (MX operands in memory)"),
                  (3, f"streamed, cold, under a {report['limit_bytes'] >> 20} MiB limit "
                      f"({report['enforced_by']})")], key="right center")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs the benchmarks of bench/ (built in build/bin), writes every number to
JSON, the ratios to each kernel's peers (measured in the same run) to a
Markdown table, and a PNG chart (gnuplot).

    /usr/bin/python3 bench/run_benchmarks.py [--build build] [--out docs/benchmarks]
        [--min-time 0.5]

Outputs: <out>/results.json (Google Benchmark's JSON of each program plus the
derived ratios), <out>/results.md (the tables), <out>/chart.png.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys


def run(binary, min_time):
    """Google Benchmark's JSON report of `binary`."""
    result = subprocess.run([binary, f"--benchmark_min_time={min_time}", "--benchmark_format=json"],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def by_name(report):
    return {b["name"].replace("/real_time", "").replace("/manual_time", ""): b
            for b in report["benchmarks"]}


def quantize_rows(results):
    rows = []
    formats = ["mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4_e2m1", "mxint8"]
    upstream = {"mxfp4_e2m1": "mxfp4_e2m1_upstream", "mxfp8_e5m2": "mxfp8_e5m2_upstream"}
    for op in ("Quantize", "Dequantize"):
        for fmt in formats:
            for threads in (1, 2):
                mine = results[f"BM_{op}/{fmt}/{threads}"]["GBps"]
                memcpy = results[f"BM_Memcpy/{threads}"]["GBps"]
                peer = upstream.get(fmt)
                up = results[f"BM_{op}/{peer}/{threads}"]["GBps"] if peer else None
                rows.append({"op": op.lower(), "format": fmt, "threads": threads, "GBps": mine,
                             "memcpy_GBps": memcpy, "vs_memcpy": mine / memcpy,
                             "upstream_GBps": up, "vs_upstream": mine / up if up else None})
    return rows


def gemm_rows(results):
    rows = []
    for pair in ("mxfp8_mxfp8", "mxfp4_mxfp8", "mxfp4_mxfp4", "mxfp6e2m3_mxfp6e2m3", "mxint8_mxint8",
                 "f32_mxfp4"):
        for threads in (1, 2):
            mine = results[f"BM_MXGemm/{pair}/{threads}"]["GFLOPs"]
            sgemm = results[f"BM_OpenBLAS_sgemm/{threads}"]["GFLOPs"]
            bf16 = results[f"BM_OneDNN_bf16/{threads}"]["GFLOPs"]
            int8 = results[f"BM_OneDNN_int8/{threads}"]["GFLOPs"]
            rows.append({"pair": pair, "threads": threads, "GFLOPs": mine, "sgemm_GFLOPs": sgemm,
                         "vs_sgemm": mine / sgemm, "onednn_bf16_GFLOPs": bf16, "vs_onednn_bf16": mine / bf16,
                         "onednn_int8_GFLOPs": int8, "vs_onednn_int8": mine / int8})
    return rows


def gemv_rows(results):
    rows = []
    for weights in ("mxfp4_weights", "mxfp8_weights", "mxint8_weights_int8_x", "mxfp4_weights_f32_x"):
        for size in (4096, 16384):
            for threads in (1, 2):
                mine = results[f"BM_MXGemv/{weights}/{size}/{threads}"]
                sgemv = results[f"BM_OpenBLAS_sgemv/{size}/{threads}"]
                read = results[f"BM_StreamRead/{size}/{threads}"]["weight_GBps"]
                rows.append({"weights": weights, "size": size, "threads": threads,
                             "weight_GBps": mine["weight_GBps"], "read_GBps": read,
                             "vs_read_bandwidth": mine["weight_GBps"] / read,
                             "time_ms": mine["real_time"], "sgemv_ms": sgemv["real_time"],
                             "speedup_vs_sgemv": sgemv["real_time"] / mine["real_time"]})
    return rows


def paired_gemv_rows(results):
    """The panels GEMV and a read of as many bytes, timed in turn in every
    iteration (BM_MXGemvPanelsVsRead): their ratio over the same time."""
    rows = []
    for size in (4096, 16384):
        for threads in (1, 2):
            r = results[f"BM_MXGemvPanelsVsRead/mxfp4_weights/{size}/{threads}"]
            rows.append({"weights": "mxfp4_weights (panels)", "size": size, "threads": threads,
                         "weight_GBps": r["weight_GBps"], "read_GBps": r["read_GBps"],
                         "vs_read": r["vs_read"]})
    return rows


def training_rows(results):
    torch = results["BM_TorchTrainingStep"]["real_time"]
    rows = []
    for recipe in ("f32", "mxfp8", "mxfp8_hybrid", "mxfp6", "mxfp4_weights", "fp8_tensor"):
        mine = results[f"BM_TrainingStep/{recipe}"]["real_time"]
        rows.append({"recipe": recipe, "step_us": mine, "torch_f32_step_us": torch,
                     "vs_torch": torch / mine})
    return rows


def table(rows, columns):
    def cell(v):
        if v is None:
            return "-"
        return f"{v:.2f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def chart(out, quantize, gemm, gemv):
    """Three bar panels: quantize/dequantize GB/s, GEMM GFLOP/s, GEMV ms."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("gnuplot not found: no chart (apt install gnuplot-nox)", file=sys.stderr)
        return
    data = os.path.join(out, "chart-data")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "quantize.dat"), "w") as f:
        f.write("label mx memcpy upstream\n")
        for r in quantize:
            if r["threads"] == 1:
                f.write(f'"{r["op"][0]}-{r["format"].replace("_", "-")}" {r["GBps"]:.3f} '
                        f'{r["memcpy_GBps"]:.3f} {r["upstream_GBps"] or 0:.3f}\n')
    with open(os.path.join(data, "gemm.dat"), "w") as f:
        f.write("label mx sgemm onednn_bf16 onednn_int8\n")
        for r in gemm:
            f.write(f'"{r["pair"].replace("_", "x")}-{r["threads"]}t" {r["GFLOPs"]:.1f} {r["sgemm_GFLOPs"]:.1f} '
                    f'{r["onednn_bf16_GFLOPs"]:.1f} {r["onednn_int8_GFLOPs"]:.1f}\n')
    with open(os.path.join(data, "gemv.dat"), "w") as f:
        f.write("label mx sgemv\n")
        for r in gemv:
            label = r["weights"].replace("_weights", "").replace("_f32_x", "-f32x").replace("_int8_x", "")
            f.write(f'"{label}-{r["size"]}-{r["threads"]}t" {r["time_ms"]:.2f} '
                    f'{r["sgemv_ms"]:.2f}\n')
    script = f"""
set terminal pngcairo size 1400,1500 font ",10" noenhanced
set output "{os.path.join(out, 'chart.png')}"
set multiplot layout 3,1
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top autotitle columnhead
set xtics rotate by -35
set grid ytics
set yrange [0:*]
set title "quantize (q-) / dequantize (d-) of 64 MiB f32, one thread: GB/s of f32 (higher is better)"
plot "{data}/quantize.dat" using 2:xtic(1), "" using 3, "" using 4
set title "GEMM 2048^3: GFLOP/s (higher is better)"
plot "{data}/gemm.dat" using 2:xtic(1), "" using 3, "" using 4, "" using 5
set title "GEMV M=1, N=K: milliseconds (lower is better)"
set yrange [*:*]
set logscale y
plot "{data}/gemv.dat" using 2:xtic(1), "" using 3
unset multiplot
"""
    subprocess.run([gnuplot], input=script, text=True, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", default="docs/benchmarks")
    parser.add_argument("--min-time", default="0.5")
    parser.add_argument("--chart-only", action="store_true",
                        help="redraw the chart from <out>/results.json without running")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.chart_only:
        with open(os.path.join(args.out, "results.json")) as f:
            derived = json.load(f)["derived"]
        chart(args.out, derived["quantize"], derived["gemm"], derived["gemv"])
        return
    reports = {}
    for program in ("mx-bench-generated-quantize", "mx-bench-gemm", "mx-bench-training"):
        binary = os.path.join(args.build, "bin", program)
        if not os.path.exists(binary):
            sys.exit(f"{binary} is missing: build it (bash scripts/bench.sh installs its peers)")
        print(f"running {program} ...", file=sys.stderr)
        reports[program] = run(binary, args.min_time)
    quantize_results = by_name(reports["mx-bench-generated-quantize"])
    gemm_results = by_name(reports["mx-bench-gemm"])
    derived = {"quantize": quantize_rows(quantize_results), "gemm": gemm_rows(gemm_results),
               "gemv": gemv_rows(gemm_results), "gemv_paired": paired_gemv_rows(gemm_results),
               "training": training_rows(by_name(reports["mx-bench-training"]))}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"reports": reports, "derived": derived}, f, indent=1)
    context = reports["mx-bench-gemm"]["context"]
    markdown = "\n\n".join([
        f"Machine: {context.get('num_cpus')} CPUs at {context.get('mhz_per_cpu')} MHz; {context.get('date')}.",
        "Quantize / dequantize, 64 MiB of f32 (GB/s of f32):\n\n" + table(
            derived["quantize"], ["op", "format", "threads", "GBps", "memcpy_GBps", "vs_memcpy",
                                  "upstream_GBps", "vs_upstream"]),
        "GEMM 2048^3 (GFLOP/s):\n\n" + table(
            derived["gemm"], ["pair", "threads", "GFLOPs", "sgemm_GFLOPs", "vs_sgemm", "onednn_bf16_GFLOPs",
                              "vs_onednn_bf16", "onednn_int8_GFLOPs", "vs_onednn_int8"]),
        "GEMV M = 1 (MXFP8 activations; weight bytes per second):\n\n" + table(
            derived["gemv"], ["weights", "size", "threads", "weight_GBps", "read_GBps", "vs_read_bandwidth",
                              "time_ms", "sgemv_ms", "speedup_vs_sgemv"]),
        "GEMV on panels paired with a read of as many bytes, each iteration both in turn:\n\n" + table(
            derived["gemv_paired"], ["weights", "size", "threads", "weight_GBps", "read_GBps", "vs_read"]),
        "One training step of the digits MLP (AdamW, batch 32, one thread) beside "
        "PyTorch's f32 step (libtorch):\n\n" + table(
            derived["training"], ["recipe", "step_us", "torch_f32_step_us", "vs_torch"]),
    ]) + "\n"
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown)
    print(markdown)
    chart(args.out, derived["quantize"], derived["gemm"], derived["gemv"])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compile time of real models, as a new user meets it.

Per model and pipeline setting:
- `mx-opt`: `--mx-quantize-policy=weights=e4m3 activations=e4m3
  --mx-cpu-pipeline` to the LLVM dialect, with `-mlir-timing` (its total,
  the three slowest passes, and the lines of LLVM dialect it prints);
- `compile()`: the same through the Python API, which also runs LLVM's
  code generation (opt level 3) for the JIT, and one call of the result
  beside PyTorch f32 where the model is a PyTorch module (relative
  difference of the outputs, also of the model compiled in f32: a check
  that what compiled fast runs right); for the MLPs up to 10 layers, the
  inline peer through compile() too, and whether both compute the same
  bits.

The peer is the same pipeline with `outline=false` (every kernel op lowered
inline, as before mx-outline-kernels), run where it finishes in minutes.

Models (bench/compile/models.py): the MLP of the issue (1024 wide, batch
16, weights as {mx.weight} arguments) at 1, 10 and 100 layers, and a
MobileBERT-sized encoder written in PyTorch (24 blocks, sequence 128),
imported with from_torch (weights as constants).

    /usr/bin/python3 bench/compile/compile_time.py [--out DIR] [--quick]

--out writes DIR/compile.json and DIR/compile.md; --quick skips the
inline peer of the 100-layer MLP (about two minutes).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("MX_BUILD_DIR", "build"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(BUILD, "python_packages"))
from models import MobileBERT, mlp_text  # noqa: E402
from mx_mlir import Module, from_torch  # noqa: E402

POLICY = "weights=e4m3 activations=e4m3"


def mx_opt_timing(path, outline):
    """(total seconds, [(pass, seconds)] slowest first, output lines)."""
    with tempfile.NamedTemporaryFile(suffix=".mlir") as out:
        result = subprocess.run(
            [os.path.join(BUILD, "bin", "mx-opt"), path, f"--mx-quantize-policy={POLICY}",
             f"--mx-cpu-pipeline=outline={'true' if outline else 'false'}", "-mlir-timing",
             "-o", out.name], capture_output=True, text=True, check=True)
        lines = sum(1 for _ in open(out.name))
    total = float(re.search(r"Total Execution Time: ([0-9.]+) seconds", result.stderr).group(1))
    passes = {}
    for match in re.finditer(r"^\s+([0-9.]+) \(\s*[0-9.]+%\)(?:\s+[0-9.]+ \(\s*[0-9.]+%\))?\s+(\S.*)$",
                             result.stderr, re.M):
        name = match.group(2).strip()
        if name in ("Total", "Rest") or "Pipeline" in name:
            continue
        passes[name] = passes.get(name, 0.0) + float(match.group(1))
    slowest = sorted(passes.items(), key=lambda item: -item[1])[:3]
    return total, slowest, lines


def python_compile(text, function, call_args=None, outline=True, policy=POLICY):
    """(compile() seconds, outputs of one call of `function` or None)."""
    module = Module.parse(text)
    start = time.time()
    if policy:
        module.run_pipeline(f"builtin.module(mx-quantize-policy{{{policy}}})")
    jit = module.compile(f"mx-cpu-pipeline{{outline={'true' if outline else 'false'}}}")
    seconds = time.time() - start
    output = jit.invoke(function, *call_args) if call_args is not None else None
    return seconds, output


def measure(name, text, function, outline_peer, call_args=None, reference=None,
            python_peer=False):
    """Rows per setting; `python_peer`: compile() the inline peer too and
    check that both compute the same bits on `call_args`."""
    rows = []
    outputs = {}
    with tempfile.NamedTemporaryFile("w", suffix=".mlir") as source:
        source.write(text)
        source.flush()
        settings = [True] + ([False] if outline_peer else [])
        for outline in settings:
            total, slowest, lines = mx_opt_timing(source.name, outline)
            row = {"model": name, "outline": outline, "mx_opt_seconds": total,
                   "slowest_passes": slowest, "llvm_dialect_lines": lines}
            if outline or python_peer:
                seconds, output = python_compile(text, function, call_args, outline)
                row["python_compile_seconds"] = seconds
                outputs[outline] = output
                if reference is not None:
                    row["relative_difference_vs_pytorch"] = float(
                        np.linalg.norm(output - reference) / np.linalg.norm(reference))
            rows.append(row)
            print(json.dumps(row), flush=True)
    if len(outputs) == 2:
        rows[0]["same_bits_as_inline"] = bool(np.array_equal(outputs[True], outputs[False]))
    return rows


def markdown(rows):
    lines = ["| model | kernels | mx-opt (s) | slowest passes (s) | LLVM dialect lines | compile() incl. LLVM (s) |"
             " check |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        passes = ", ".join(f"{name} {seconds:.1f}" for name, seconds in row["slowest_passes"])
        python = f"{row['python_compile_seconds']:.1f}" if "python_compile_seconds" in row else "-"
        check = ""
        if "same_bits_as_inline" in row:
            check = "same bits as inline" if row["same_bits_as_inline"] else "DIFFERS from inline"
        if "relative_difference_vs_pytorch" in row:
            check = (f"vs PyTorch f32: {row['relative_difference_vs_pytorch']:.3f} (E4M3), "
                     f"{row['f32_relative_difference_vs_pytorch']:.1e} (compiled in f32)")
        lines.append(f"| {row['model']} | {'outlined' if row['outline'] else 'inline (peer)'} | "
                     f"{row['mx_opt_seconds']:.2f} | {passes} | {row['llvm_dialect_lines']:,} | {python} |"
                     f" {check} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    rng = np.random.default_rng(0)
    for layers in (1, 10, 100):
        inputs = [rng.standard_normal((16, 1024), dtype=np.float32)] + [
            rng.standard_normal((1024, 1024), dtype=np.float32) / 32 for _ in range(layers)]
        rows += measure(f"MLP {layers} x 1024", mlp_text(layers), "mlp",
                        outline_peer=layers < 100 or not args.quick, call_args=inputs,
                        python_peer=layers <= 10)
    torch.manual_seed(0)
    bert = MobileBERT().eval()
    tokens = torch.randint(0, 1024, (1, 128))
    with torch.no_grad():
        reference = bert(tokens).numpy()
    imported = from_torch(bert, (tokens,))
    rows += measure("MobileBERT-sized (24 blocks, seq 128)", imported.text, imported.function,
                    outline_peer=False,
                    call_args=(tokens.numpy(),), reference=reference)
    # The same model in f32: what compiled fast computes what PyTorch does.
    seconds, output = python_compile(imported.text, imported.function, (tokens.numpy(),), policy=None)
    rows[-1]["f32_python_compile_seconds"] = seconds
    rows[-1]["f32_relative_difference_vs_pytorch"] = float(
        np.linalg.norm(output - reference) / np.linalg.norm(reference))
    print(json.dumps(rows[-1]), flush=True)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "compile.json"), "w") as f:
            json.dump(rows, f, indent=1)
        with open(os.path.join(args.out, "compile.md"), "w") as f:
            f.write(markdown(rows))
    print(markdown(rows))


if __name__ == "__main__":
    main()

# RUN: env PYTHONPATH=%mx_python_packages %python %s | FileCheck %s
#
# Issue 8's end-to-end claim. A two-layer f32 MLP written in linalg
# (matmul, broadcast bias add, ReLU) is compiled three ways and run:
#   f32        the program as written (the reference);
#   naive FP8  the same graph with each matmul operand cast to FP8 by
#              arith.truncf, no scales (what a plain cast does);
#   Scalify    the f32 program through -mx-propagate-scales
#              (matmul-data=f8E4M3FN or f8E5M2), then mx-cpu-pipeline.
# Two input regimes: large activations (|x| up to ~2^15: the naive E4M3 cast
# overflows to NaN) and tiny weights (~1e-6: the naive cast underflows to
# zero: every output is 0; the biases are zero there, so the reference is the
# matmuls' alone). Stated tolerance: relative
# Frobenius error <= 0.08 for E4M3 (3 mantissa bits: unit roundoff 2^-4),
# <= 0.15 for E5M2 (2 bits: 2^-3). Weights are constants (static scales),
# the input an argument (dynamic rescale). Compiled with vectorize=false:
# mx-tile-and-vectorize turns a plain linalg.matmul with K = 256 into fully
# unrolled transposed vector reads, which take LLVM minutes (issue 6).

import numpy as np

import mx_mlir

B, D, H, O = 32, 256, 128, 16
rng = np.random.default_rng(3)


def dense(values):
    rows = ", ".join("[" + ", ".join(f"{v:.9e}" for v in row) + "]" for row in values)
    return f"dense<[{rows}]>"


def dense1d(values):
    return "dense<[" + ", ".join(f"{v:.9e}" for v in values) + "]>"


def mlp(w1, b1, w2, b2, cast=None):
    """The MLP; with `cast`, each matmul operand is truncf'ed to that type."""
    lines = []

    def matmul(name, lhs, rhs, m, k, n):
        if cast:
            lines.append(f"  %{name}_l = arith.truncf %{lhs} : tensor<{m}x{k}xf32> to tensor<{m}x{k}x{cast}>")
            lines.append(f"  %{name}_r = arith.truncf %{rhs} : tensor<{k}x{n}xf32> to tensor<{k}x{n}x{cast}>")
            lhs, rhs, t = f"{name}_l", f"{name}_r", cast
        else:
            t = "f32"
        lines.append(f"  %{name}_e = tensor.empty() : tensor<{m}x{n}xf32>")
        lines.append(f"  %{name}_z = linalg.fill ins(%zero : f32) outs(%{name}_e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>")
        lines.append(f"  %{name} = linalg.matmul ins(%{lhs}, %{rhs} : tensor<{m}x{k}x{t}>, tensor<{k}x{n}x{t}>) outs(%{name}_z : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>")

    def bias(name, x, b, m, n):
        lines.append(f"  %{name}_e = tensor.empty() : tensor<{m}x{n}xf32>")
        lines.append(f"  %{name}_b = linalg.broadcast ins(%{b} : tensor<{n}xf32>) outs(%{name}_e : tensor<{m}x{n}xf32>) dimensions = [0]")
        lines.append(f"  %{name} = arith.addf %{x}, %{name}_b : tensor<{m}x{n}xf32>")

    matmul("h", "x", "w1", B, D, H)
    bias("hb", "h", "b1", B, H)
    lines.append(f"  %zeros = arith.constant dense<0.0> : tensor<{B}x{H}xf32>")
    lines.append(f"  %r = arith.maximumf %hb, %zeros : tensor<{B}x{H}xf32>")
    matmul("y", "r", "w2", B, H, O)
    bias("yb", "y", "b2", B, O)
    return f"""
func.func @mlp(%x: tensor<{B}x{D}xf32>) -> tensor<{B}x{O}xf32> {{
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant {dense(w1)} : tensor<{D}x{H}xf32>
  %b1 = arith.constant {dense1d(b1)} : tensor<{H}xf32>
  %w2 = arith.constant {dense(w2)} : tensor<{H}x{O}xf32>
  %b2 = arith.constant {dense1d(b2)} : tensor<{O}xf32>
{chr(10).join(lines)}
  return %yb : tensor<{B}x{O}xf32>
}}"""


def relative_error(out, ref):
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


ctx = mx_mlir.Context()
PIPELINE = "mx-cpu-pipeline{vectorize=false}"
regimes = {
    # activations far beyond E4M3's 448
    "large activations": (8192.0, 1.0 / np.sqrt(D), 1.0 / np.sqrt(H), 1.0),
    # weights far below E4M3's smallest subnormal 2^-9
    "tiny weights": (1.0, 1e-6, 1e-6, 0.0),
}
for regime, (x_scale, w1_scale, w2_scale, b_scale) in regimes.items():
    x = (rng.standard_normal((B, D)) * x_scale).astype(np.float32)
    w1 = (rng.standard_normal((D, H)) * w1_scale).astype(np.float32)
    w2 = (rng.standard_normal((H, O)) * w2_scale).astype(np.float32)
    b1 = (rng.standard_normal(H) * b_scale * x_scale * 0.1).astype(np.float32)
    b2 = (rng.standard_normal(O) * b_scale * x_scale * 0.1).astype(np.float32)
    ref = mx_mlir.Module.parse(mlp(w1, b1, w2, b2), ctx).compile(PIPELINE).invoke("mlp", x)
    assert np.all(np.isfinite(ref))
    naive = mx_mlir.Module.parse(mlp(w1, b1, w2, b2, "f8E4M3FN"), ctx).compile(PIPELINE).invoke("mlp", x)
    nan_fraction = float(np.mean(np.isnan(naive)))
    naive_error = relative_error(np.nan_to_num(naive), ref)
    print(f"{regime}: naive E4M3 cast: NaN {nan_fraction:.2f}, error {naive_error:.2f}")
    for data, tolerance in (("f8E4M3FN", 0.08), ("f8E5M2", 0.15)):
        module = mx_mlir.Module.parse(mlp(w1, b1, w2, b2), ctx)
        module.run_pipeline(f"builtin.module(func.func(mx-propagate-scales{{matmul-data={data}}}))")
        assert "linalg.matmul" in str(module) and f"x{data}>" in str(module)
        out = module.compile(PIPELINE).invoke("mlp", x)
        error = relative_error(out, ref)
        verdict = "within" if error <= tolerance else "OUTSIDE"
        print(f"{regime}: Scalify {data}: error {error:.3f} {verdict} {tolerance}")

# CHECK: large activations: naive E4M3 cast: NaN 1.00
# CHECK: large activations: Scalify f8E4M3FN: error {{[0-9.]+}} within 0.08
# CHECK: large activations: Scalify f8E5M2: error {{[0-9.]+}} within 0.15
# CHECK: tiny weights: naive E4M3 cast: NaN 0.00, error 1.00
# CHECK: tiny weights: Scalify f8E4M3FN: error {{[0-9.]+}} within 0.08
# CHECK: tiny weights: Scalify f8E5M2: error {{[0-9.]+}} within 0.15

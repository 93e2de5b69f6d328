# RUN: env PYTHONPATH=%mx_python_packages %python %s | FileCheck %s
#
# Issue 8's end-to-end claim. A two-layer f32 MLP (matmul, broadcast bias
# add, ReLU) and a single-head attention block (projections, Q K^T through
# linalg.transpose, times 1/sqrt(d), softmax as max/sub/exp/sum/div, times
# V), written in linalg, are each compiled three ways and run:
#   f32        the program as written (the reference);
#   naive FP8  the same graph with each matmul operand cast to FP8 by
#              arith.truncf, no scales (what a plain cast does);
#   Scalify    the f32 program through -mx-propagate-scales
#              (matmul-data=f8E4M3FN or f8E5M2), then mx-cpu-pipeline.
# Two input regimes for the MLP: large activations (|x| up to ~2^15: the
# naive E4M3 cast overflows to NaN) and tiny weights (~1e-6: the naive cast
# underflows to zero: every output is 0; the biases are zero there, so the
# reference is the matmuls' alone); large activations for attention. Stated
# tolerance: relative Frobenius error <= 0.1 for E4M3 and <= 0.2 for E5M2,
# about 1.6 times the unit roundoff (2^-4 with 3 mantissa bits, 2^-3 with
# 2): every matmul operand is rounded once, the errors partly average out
# over K, and attention chains three products (projection, scores, P V). Weights are constants (static scales),
# the input an argument (dynamic rescale). Compiled with vectorize=false:
# the same numbers (to the reduction order), and scalar code compiles in a
# tenth of the time (4 s instead of 33 s for this file).

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


def attention(wq, wk, wv, cast=None):
    """softmax(X Wq (X Wk)^T / sqrt(d)) X Wv, one head; with `cast`, each
    matmul operand is truncf'ed to that type."""
    T, E, Dh = S, D, DH
    lines = []

    def matmul(name, lhs, rhs, m, k, n):
        t = "f32"
        if cast:
            lines.append(f"  %{name}_l = arith.truncf %{lhs} : tensor<{m}x{k}xf32> to tensor<{m}x{k}x{cast}>")
            lines.append(f"  %{name}_r = arith.truncf %{rhs} : tensor<{k}x{n}xf32> to tensor<{k}x{n}x{cast}>")
            lhs, rhs, t = f"{name}_l", f"{name}_r", cast
        lines.append(f"  %{name}_e = tensor.empty() : tensor<{m}x{n}xf32>")
        lines.append(f"  %{name}_z = linalg.fill ins(%zero : f32) outs(%{name}_e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>")
        lines.append(f"  %{name} = linalg.matmul ins(%{lhs}, %{rhs} : tensor<{m}x{k}x{t}>, tensor<{k}x{n}x{t}>) outs(%{name}_z : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>")

    matmul("q", "x", "wq", T, E, Dh)
    matmul("k", "x", "wk", T, E, Dh)
    matmul("v", "x", "wv", T, E, Dh)
    lines.append(f"  %kt_e = tensor.empty() : tensor<{Dh}x{T}xf32>")
    lines.append(f"  %kt = linalg.transpose ins(%k : tensor<{T}x{Dh}xf32>) outs(%kt_e : tensor<{Dh}x{T}xf32>) permutation = [1, 0]")
    matmul("s", "q", "kt", T, Dh, T)
    lines.append(f"  %inv = arith.constant dense<{1.0 / np.sqrt(Dh)}> : tensor<{T}x{T}xf32>")
    lines.append(f"  %ss = arith.mulf %s, %inv : tensor<{T}x{T}xf32>")
    # softmax over rows as frontends decompose it: max, subtract, exp, sum,
    # divide.
    lines.append(f"  %r_e = tensor.empty() : tensor<{T}xf32>")
    lines.append(f"  %ninf = arith.constant 0xFF800000 : f32")
    lines.append(f"  %m_i = linalg.fill ins(%ninf : f32) outs(%r_e : tensor<{T}xf32>) -> tensor<{T}xf32>")
    lines.append(f"  %m = linalg.reduce ins(%ss : tensor<{T}x{T}xf32>) outs(%m_i : tensor<{T}xf32>) dimensions = [1]"
                 f" (%a: f32, %b: f32) {{ %c = arith.maximumf %a, %b : f32 linalg.yield %c : f32 }}")
    lines.append(f"  %b_e = tensor.empty() : tensor<{T}x{T}xf32>")
    lines.append(f"  %mb = linalg.broadcast ins(%m : tensor<{T}xf32>) outs(%b_e : tensor<{T}x{T}xf32>) dimensions = [1]")
    lines.append(f"  %z = arith.subf %ss, %mb : tensor<{T}x{T}xf32>")
    lines.append(f"  %ex = math.exp %z : tensor<{T}x{T}xf32>")
    lines.append(f"  %s_i = linalg.fill ins(%zero : f32) outs(%r_e : tensor<{T}xf32>) -> tensor<{T}xf32>")
    lines.append(f"  %sum = linalg.reduce ins(%ex : tensor<{T}x{T}xf32>) outs(%s_i : tensor<{T}xf32>) dimensions = [1]"
                 f" (%a: f32, %b: f32) {{ %c = arith.addf %a, %b : f32 linalg.yield %c : f32 }}")
    lines.append(f"  %sb = linalg.broadcast ins(%sum : tensor<{T}xf32>) outs(%b_e : tensor<{T}x{T}xf32>) dimensions = [1]")
    lines.append(f"  %p = arith.divf %ex, %sb : tensor<{T}x{T}xf32>")
    matmul("o", "p", "v", T, T, Dh)
    return f"""
func.func @attention(%x: tensor<{T}x{E}xf32>) -> tensor<{T}x{Dh}xf32> {{
  %zero = arith.constant 0.0 : f32
  %wq = arith.constant {dense(wq)} : tensor<{E}x{Dh}xf32>
  %wk = arith.constant {dense(wk)} : tensor<{E}x{Dh}xf32>
  %wv = arith.constant {dense(wv)} : tensor<{E}x{Dh}xf32>
{chr(10).join(lines)}
  return %o : tensor<{T}x{Dh}xf32>
}}"""


def relative_error(out, ref):
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


ctx = mx_mlir.Context()
PIPELINE = "mx-cpu-pipeline{vectorize=false}"


def compare(label, name, build, x):
    """f32, naive E4M3 and propagated FP8 versions of `build`, on x."""
    ref = mx_mlir.Module.parse(build(), ctx).compile(PIPELINE).invoke(name, x)
    assert np.all(np.isfinite(ref))
    naive = mx_mlir.Module.parse(build("f8E4M3FN"), ctx).compile(PIPELINE).invoke(name, x)
    nan_fraction = float(np.mean(np.isnan(naive)))
    naive_error = relative_error(np.nan_to_num(naive), ref)
    print(f"{label}: naive E4M3 cast: NaN {nan_fraction:.2f}, error {naive_error:.2f}")
    for data, tolerance in (("f8E4M3FN", 0.1), ("f8E5M2", 0.2)):
        module = mx_mlir.Module.parse(build(), ctx)
        module.run_pipeline(f"builtin.module(func.func(mx-propagate-scales{{matmul-data={data}}}))")
        assert "linalg.matmul" in str(module) and f"x{data}>" in str(module)
        out = module.compile(PIPELINE).invoke(name, x)
        error = relative_error(out, ref)
        verdict = "within" if error <= tolerance else "OUTSIDE"
        print(f"{label}: Scalify {data}: error {error:.3f} {verdict} {tolerance}")


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
    compare(f"MLP, {regime}", "mlp", lambda cast=None: mlp(w1, b1, w2, b2, cast), x)

# Attention: tokens with |x| ~ 4096 (beyond E4M3), projections that bring
# Q and K back to unit range, so the scores (times 1/sqrt(d)) are O(1).
S, DH = 32, 64
x = (rng.standard_normal((S, D)) * 4096.0).astype(np.float32)
wq, wk, wv = ((rng.standard_normal((D, DH)) / (4096.0 * np.sqrt(D))).astype(np.float32)
              for _ in range(3))
compare("attention, large activations", "attention", lambda cast=None: attention(wq, wk, wv, cast), x)

# CHECK: MLP, large activations: naive E4M3 cast: NaN 1.00
# CHECK: MLP, large activations: Scalify f8E4M3FN: error {{[0-9.]+}} within 0.1
# CHECK: MLP, large activations: Scalify f8E5M2: error {{[0-9.]+}} within 0.2
# CHECK: MLP, tiny weights: naive E4M3 cast: NaN 0.00, error 1.00
# CHECK: MLP, tiny weights: Scalify f8E4M3FN: error {{[0-9.]+}} within 0.1
# CHECK: MLP, tiny weights: Scalify f8E5M2: error {{[0-9.]+}} within 0.2
# CHECK: attention, large activations: naive E4M3 cast: NaN 1.00
# CHECK: attention, large activations: Scalify f8E4M3FN: error {{[0-9.]+}} within 0.1
# CHECK: attention, large activations: Scalify f8E5M2: error {{[0-9.]+}} within 0.2

# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# 16-bit master weights rounded stochastically by a compiled training step
# (mx-training-step master=bf16|f16 master-rounding=stochastic), bit for bit
# against lib/Numerics (roundHalfStochastic, checked against llvm::APFloat)
# with the step's Philox bits: counter (step << 32 | element), key seed +
# parameter index. The loss sum(c * w) has gradient c, so plain SGD moves
# each weight by -lr * c: the f32 master step gives the exact update that
# the 16-bit steps round. Weights span f16's subnormals, its normal range
# and its top binade (where rounding up overflows to Inf), and NaN/Inf.

import ctypes
import sys

import numpy as np

from mx_integration import Numerics
from mx_mlir import reference as ref
from mx_mlir.training import Trainer, from_bf16, to_bf16

numerics = Numerics(sys.argv[1])
lib = numerics.lib
lib.mlirMXNumericsRoundHalfStochastic.argtypes = [
    ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_uint32), ctypes.c_int64,
    ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint16)]


def reference(values, bits, fmt):
    values = np.ascontiguousarray(values, np.float32)
    bits = np.ascontiguousarray(bits, np.uint32)
    out = np.zeros(values.shape, np.uint16)
    assert lib.mlirMXNumericsRoundHalfStochastic(
        values.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        bits.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32)), values.size, fmt.encode(),
        out.ctypes.data_as(ctypes.POINTER(ctypes.c_uint16))) == 0
    return out


N = 4096
LOSS = f"""
func.func @loss(%c: tensor<{N}xf32>, %w: tensor<{N}xf32> {{mx.wrt}}) -> tensor<f32> {{
  %zero = arith.constant 0.0 : f32
  %p = arith.mulf %c, %w : tensor<{N}xf32>
  %s0 = tensor.empty() : tensor<f32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%p : tensor<{N}xf32>) outs(%s1 : tensor<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {{
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }}
  return %s : tensor<f32>
}}
"""
rng = np.random.default_rng(3)
quarter = N // 4
magnitudes = np.concatenate([
    rng.uniform(0, 2.0 ** -14, quarter),          # f16 subnormals
    np.exp(rng.uniform(np.log(1e-4), np.log(6e4), quarter)),
    rng.uniform(65000, 65504, quarter),           # f16's top binade
    np.exp(rng.uniform(np.log(1e-30), np.log(1e30), quarter))])
weights = (magnitudes * rng.choice([-1.0, 1.0], N)).astype(np.float32)
weights[:3] = [np.nan, np.inf, -np.inf]
# Updates of about a unit in the last place (f16's), either way.
steps = (np.abs(weights) * rng.uniform(-2e-3, 2e-3, N)).astype(np.float32)
steps[np.abs(weights) < 2.0 ** -14] = rng.uniform(-3e-7, 3e-7, np.sum(np.abs(weights) < 2.0 ** -14))
lr, seed, step = 0.5, 11, 6
c = np.nan_to_num(steps / np.float32(lr)).astype(np.float32)

for fmt in ("f16", "bf16"):
    with np.errstate(over="ignore"):  # beyond f16's range: Inf
        start = weights.astype(np.float16) if fmt == "f16" else to_bf16(weights)
    exact = start.astype(np.float32) if fmt == "f16" else from_bf16(start)
    f32 = Trainer(LOSS, [exact], optimizer="sgd", momentum=0.0)
    f32.step_count = step
    f32.step(c, lr=lr)
    updated = f32.parameters()[0]
    half = Trainer(LOSS, [exact], optimizer="sgd", momentum=0.0, master=fmt,
                   master_rounding="stochastic", seed=seed)
    half.step_count = step
    half.load_state({**half.state(), "params": [start]})
    half.step(c, lr=lr)
    got = np.asarray(half.params[0]).view(np.uint16)
    bits = ref.stochastic_bits(seed, (np.uint64(step + 1) << np.uint64(32)) + np.arange(N, dtype=np.uint64))
    expected = reference(updated, bits, fmt)
    nan = np.isnan(updated)
    same = np.array_equal(got[~nan], expected[~nan])
    values = got.view(np.float16).astype(np.float32) if fmt == "f16" else from_bf16(got)
    moved = float(np.mean(values[3:] != exact[3:]))
    subnormal = np.abs(values) < 2.0 ** -14 if fmt == "f16" else np.zeros(N, bool)
    print(f"{fmt}: bit for bit {same}, NaN kept {bool(np.all(np.isnan(values[nan])))}, "
          f"{np.sum(np.isinf(values[3:]))} overflowed to Inf, "
          f"{np.sum(subnormal & (values != 0))} subnormal, {100 * moved:.0f}% moved")
# CHECK: f16: bit for bit True, NaN kept True, {{[1-9][0-9]*}} overflowed to Inf, {{[1-9][0-9]*}} subnormal, {{[1-9][0-9]}}% moved
# CHECK: bf16: bit for bit True, NaN kept True, 0 overflowed to Inf, 0 subnormal, {{[1-9][0-9]}}% moved

# REQUIRES: mlir-runner
# RUN: %if full-tests %{ env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so scalar | FileCheck %s %}
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so vector | FileCheck %s
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so kernels | FileCheck %s
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so kernels-no-avx512 | FileCheck %s
#
# mx.quantize and mx.dequantize, lowered by --mx-cpu-pipeline and run, agree
# bit for bit with lib/Numerics: element
# codes, scales and dequantized f32 bits, for every format x scale rule x
# rounding (stochastic against the same Philox stream) x saturation, on 1-D
# blocks along either axis, 2-D blocks and partial blocks, with edge-case
# blocks (zero, -0, NaN, +-Inf, f32 subnormals, saturation, ties and
# tie +- 1 ulp, scale-clamp extremes) and random blocks.
#
# `scalar` (vectorize=false, kernels=false: the linalg lowering's scalar
# loops) runs the whole matrix; `vector` (kernels=false: the linalg lowering
# vectorized) runs every format and layout with each rule and each rounding
# once, since compiling that vector code for the whole matrix takes minutes.
# `kernels` (the default pipeline: the fused vector kernels of
# convert-mx-to-vector for blocks along the last axis and for whole blocks
# down 16-column groups, linalg for the other layouts) runs the whole matrix, and `kernels-no-avx512` the sample with
# the code compiled for a target without AVX-512 (LLVM's generic vector
# lowering). scripts/test.sh leaves `scalar` to `scripts/test.sh --full`,
# and there `kernels` runs the rule x rounding pairs the sample leaves out:
# every pair still goes through the kernels, half of them for AVX-512, and
# the linalg lowering through `vector`.

import itertools
import os
import sys

import numpy as np

from mx_integration import (ELEMENT_BITS, ELEMENT_TYPES, Numerics, dense_hex,
                            lower_and_run, print_call, printed_memrefs)

mx_opt, runner, runtime_libs, numerics_lib = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
mode = sys.argv[5]
vectorize = mode != "scalar"
full = os.environ.get("MX_FULL_TESTS") == "1"
options = "" if mode.startswith("kernels") else "kernels=false"
runner_args = ["-mattr=-avx512f"] if mode == "kernels-no-avx512" else []
# The JIT's code generation at -O0 outside `kernels` (a third less time
# than its default; the Python API's tests run the kernels at -O3).
if mode != "kernels":
    runner_args.append("--O0")
SAMPLE = {("floor", "rne"), ("ceil", "rtz"), ("even", "stochastic"), ("rceil", "rne"), ("rceil", "stochastic")}
numerics = Numerics(numerics_lib)
rng = np.random.default_rng(11)
f32 = np.float32
SEED = 987654321987


def edge_rows():
    rows = [np.zeros(32, f32), np.full(32, -0.0, f32)]
    for special in (np.nan, np.inf, -np.inf):
        row = rng.uniform(-1, 1, 32).astype(f32)
        row[5] = special
        rows.append(row)
    # f32 subnormals alone and beside normals; the clamp at 2^-127 / 2^127.
    rows.append(np.ldexp(rng.uniform(-1, 1, 32), -130).astype(f32))
    rows.append(np.r_[np.float32(2.0 ** -149), np.ldexp(rng.uniform(-1, 1, 31), -140)].astype(f32))
    rows.append(np.r_[np.finfo(f32).max, rng.uniform(-1, 1, 31) * 1e38].astype(f32))
    # Ties and tie +- 1 ulp of every format's grid under a unit-ish scale.
    grid = np.arange(0, 64, 0.125)
    for offset in (0.0625, 0.03125, 0.015625, 1 / 128):
        for direction in (0, 1, -1):
            v = (grid[:32] + offset).astype(f32)
            if direction:
                v = np.nextafter(v, f32(direction * np.inf))
            rows.append(np.where(rng.random(32) < 0.5, -v, v).astype(f32))
    # Saturating largest elements.
    for top in (7.9, 31.0, 500.0, 60000.0, 1.99):
        row = rng.uniform(-1, 1, 32).astype(f32) * top / 4
        row[7] = top
        rows.append(row.astype(f32))
    return np.array(rows, dtype=f32)


def random_tensor(shape):
    exponents = rng.integers(-30, 30, size=shape) + rng.integers(-95, 95, size=shape[:1] + (1,) * (len(shape) - 1))
    values = np.ldexp(rng.uniform(1, 2, size=shape), exponents) * rng.choice([-1, 1], size=shape)
    return values.astype(f32)


edges = edge_rows()
layouts = [
    # 336 blocks: the kernel's 16-block iterations (one shuffle-and-max tree
    # for the amaxes, the scale rule in 16 lanes).
    (np.concatenate([edges, random_tensor((336 - len(edges), 32))]), (1, 32)),
    (random_tensor((37, 64)), (1, 32)),  # 74 blocks: one per iteration
    (random_tensor((37, 70)), (1, 32)),
    (random_tensor((70, 37)), (32, 1)),
    # Blocks down columns, whole and 16 columns at a time: the column
    # kernel; the edge blocks as columns of its first block-row.
    (np.concatenate([np.concatenate([edges.T, random_tensor((32, 32 - len(edges)))], axis=1),
                     random_tensor((32, 32))]), (32, 1)),
    (random_tensor((64, 96)), (32, 32)),
]

total_elements = mismatches = 0
for fmt, element in ELEMENT_TYPES.items():
    bits = ELEMENT_BITS[fmt]
    saturations = ("saturate", "nonfinite") if fmt in ("e4m3", "e5m2") else ("saturate",)
    kernels, body, expected = [], [], []
    for index, (x, _) in enumerate(layouts):
        body.append(f"\n  %x{index} = arith.constant {dense_hex(x)} : tensor<{'x'.join(map(str, x.shape))}xf32>")
    for rule, rounding, saturation in itertools.product(
            ("floor", "ceil", "even", "rceil"), ("rne", "rtz", "stochastic"), saturations):
        if mode in ("vector", "kernels-no-avx512") and (rule, rounding) not in SAMPLE:
            continue
        if mode == "kernels" and not full and (rule, rounding) in SAMPLE:
            continue
        attrs = f"scale_rule<{rule}> rounding<{rounding}>"
        attrs += f" seed({SEED})" if rounding == "stochastic" else ""
        attrs += " saturation<nonfinite>" if saturation == "nonfinite" else ""
        for index, (x, block) in enumerate(layouts):
            shape = "x".join(map(str, x.shape))
            grid = "x".join(str(-(-s // b)) for s, b in zip(x.shape, block))
            t = f"!mx.tensor<{shape}x{element}, block = [{block[0]}, {block[1]}]>"
            name = f"k_{rule}_{rounding}_{saturation}_{index}"
            code_int = f"i{bits}"
            to_int = "" if element == "i8" else \
                f"\n  %ei = arith.bitcast %e : tensor<{shape}x{element}> to tensor<{shape}x{code_int}>"
            codes_value = "%e" if element == "i8" else "%ei"
            kernels.append(f"""
func.func @{name}(%x: tensor<{shape}xf32>) -> (tensor<{shape}xi32>, tensor<{grid}xi32>, tensor<{shape}xi32>) {{
  %q = mx.quantize %x {attrs} : tensor<{shape}xf32> -> {t}
  %e, %s = mx.unpack %q : {t} -> tensor<{shape}x{element}>, tensor<{grid}xf8E8M0FNU>{to_int}
  %c = arith.extui {codes_value} : tensor<{shape}x{code_int}> to tensor<{shape}xi32>
  %s8 = arith.bitcast %s : tensor<{grid}xf8E8M0FNU> to tensor<{grid}xi8>
  %s32 = arith.extui %s8 : tensor<{grid}xi8> to tensor<{grid}xi32>
  %d = mx.dequantize %q : {t} -> tensor<{shape}xf32>
  %db = arith.bitcast %d : tensor<{shape}xf32> to tensor<{shape}xi32>
  return %c, %s32, %db : tensor<{shape}xi32>, tensor<{grid}xi32>, tensor<{shape}xi32>
}}""")
            body.append(f"\n  %c_{name}, %s_{name}, %d_{name} = call @{name}(%x{index}) : (tensor<{shape}xf32>) -> "
                        f"(tensor<{shape}xi32>, tensor<{grid}xi32>, tensor<{shape}xi32>)")
            body.append(print_call("c_" + name, f"%c_{name}", shape))
            body.append(print_call("s_" + name, f"%s_{name}", grid))
            body.append(print_call("d_" + name, f"%d_{name}", shape))
            codes, scales = numerics.quantize(x, fmt, block, rule, rounding, saturation == "nonfinite", SEED)
            values = numerics.dequantize(codes, scales, fmt, block)
            expected.append((name, codes.reshape(-1), scales.reshape(-1), values.view(np.uint32).reshape(-1)))
    module = "func.func private @printMemrefI32(memref<*xi32>)\n" + "".join(kernels) + \
        "\nfunc.func @main() {" + "".join(body) + "\n  return\n}\n"
    printed = printed_memrefs(lower_and_run(mx_opt, runner, runtime_libs, module, vectorize, options,
                                            runner_args))
    assert len(printed) == 3 * len(expected), (len(printed), len(expected))
    for k, (name, codes, scales, value_bits) in enumerate(expected):
        got_codes, got_scales, got_bits = printed[3 * k: 3 * k + 3]
        got_bits = got_bits.astype(np.int64) & 0xFFFFFFFF
        # NaN payloads may differ; NaN-ness may not.
        got_nan = ((got_bits >> 23) & 0xFF == 0xFF) & (got_bits & 0x7FFFFF != 0)
        want_nan = np.isnan(value_bits.view(np.float32))
        value_bad = np.where(want_nan, ~got_nan, got_bits != value_bits.astype(np.int64))
        bad = int(np.sum(got_codes != codes)) + int(np.sum(got_scales != scales)) + int(np.sum(value_bad))
        total_elements += codes.size
        if bad:
            first = np.nonzero(got_codes != codes)[0][:4]
            print(f"MISMATCH {fmt} {name}: {bad}; codes at {first.tolist()}: "
                  f"got {got_codes[first].tolist()} want {codes[first].tolist()}")
        mismatches += bad

print(f"quantize/dequantize ({mode}): {total_elements} elements compared, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: quantize/dequantize ({{scalar|vector|kernels|kernels-no-avx512}}): {{[0-9]+}} elements compared, 0 mismatches

# REQUIRES: mlir-runner
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so | FileCheck %s
#
# -mx-insert-scale-computation, lowered with upstream passes and run: the
# block scales of every format x scale rule x block layout (1-D along either
# axis, 2-D, partial blocks) match lib/Numerics bit for bit, on edge-case
# blocks (zero, -0, NaN, +-Inf, subnormal amax, f32 max, every binade edge
# and significand edge each rule depends on) and thousands of random blocks.

import sys

import numpy as np

from mx_integration import ELEMENT_TYPES, Numerics, dense_hex, lower_and_run, printed_memrefs

mx_opt, runner, runtime_libs, numerics_lib = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
numerics = Numerics(numerics_lib)
rng = np.random.default_rng(7)
RULES = ("floor", "ceil", "even", "rceil")
MAX_ELEMENT = {"e4m3": 448.0, "e5m2": 57344.0, "e3m2": 28.0, "e2m3": 7.5, "e2m1": 6.0, "int8": 127 / 64}
f32 = np.float32


def amax_candidates():
    """Magnitudes at which some rule changes its answer, and their f32 neighbours."""
    points = [2.0 ** -149, 2.0 ** -127, 2.0 ** -126, float(np.finfo(f32).max), 1.0, 3.0]
    for j in range(-140, 128, 7):
        points.append(2.0 ** j)                                  # floor/ceil edges
        for mbits in (1, 2, 3, 6):                               # even: carry edges
            points.append((2 - 2.0 ** -(mbits + 1)) * 2.0 ** j)
        for top in set(MAX_ELEMENT.values()):                    # rceil edges
            points.append(top * 2.0 ** j)
    out = []
    with np.errstate(over="ignore"):  # points past f32's range are clipped
        return _with_neighbours(points, out)


def _with_neighbours(points, out):
    for p in points:
        v = f32(p) if np.isfinite(f32(p)) else np.finfo(f32).max
        if v == 0:
            continue
        out += [v, np.nextafter(v, f32(np.inf)), np.nextafter(v, f32(0))]
    return [v for v in out if np.isfinite(v)]


def edge_rows():
    rows = [np.zeros(32, f32), np.full(32, -0.0, f32)]
    for special in (np.nan, np.inf, -np.inf):
        row = np.ones(32, f32)
        row[3] = special
        rows.append(row)
    for amax in amax_candidates():
        row = (amax * rng.uniform(-1, 1, 32)).astype(f32)
        row[rng.integers(32)] = -amax if rng.random() < 0.5 else amax
        rows.append(row)
    return np.array(rows, dtype=f32)


def random_tensor(shape):
    # Each element's binade is uniform over f32's range, so blocks' amax are too.
    exponents = rng.integers(-149, 127, size=shape)
    values = np.ldexp(rng.uniform(1, 2, size=shape), exponents) * rng.choice([-1, 1], size=shape)
    return values.astype(f32)


edges = edge_rows()
layouts = [
    (np.concatenate([edges, random_tensor((1000, 32))]), (1, 32)),
    (random_tensor((37, 70)), (1, 32)),
    (random_tensor((70, 37)), (32, 1)),
    (random_tensor((64, 96)), (32, 32)),
]

total = mismatches = 0
for fmt, element in ELEMENT_TYPES.items():
    kernels, calls, expected = [], [], []
    for rule in RULES:
        for index, (x, block) in enumerate(layouts):
            shape = "x".join(map(str, x.shape))
            grid = "x".join(str(-(-s // b)) for s, b in zip(x.shape, block))
            mx_type = f"!mx.tensor<{shape}x{element}, block = [{block[0]}, {block[1]}]>"
            name = f"scales_{rule}_{index}"
            kernels.append(f"""
func.func @{name}(%x: tensor<{shape}xf32>) -> tensor<{grid}xi32> {{
  %q = mx.quantize %x scale_rule<{rule}> : tensor<{shape}xf32> -> {mx_type}
  %e, %s = mx.unpack %q : {mx_type} -> tensor<{shape}x{element}>, tensor<{grid}xf8E8M0FNU>
  %i = arith.bitcast %s : tensor<{grid}xf8E8M0FNU> to tensor<{grid}xi8>
  %w = arith.extui %i : tensor<{grid}xi8> to tensor<{grid}xi32>
  return %w : tensor<{grid}xi32>
}}""")
            calls.append(f"""
  %x_{name} = arith.constant {dense_hex(x)} : tensor<{shape}xf32>
  %r_{name} = call @{name}(%x_{name}) : (tensor<{shape}xf32>) -> tensor<{grid}xi32>
  %m_{name} = bufferization.to_buffer %r_{name} : tensor<{grid}xi32> to memref<{grid}xi32>
  %u_{name} = memref.cast %m_{name} : memref<{grid}xi32> to memref<*xi32>
  call @printMemrefI32(%u_{name}) : (memref<*xi32>) -> ()""")
            expected.append((rule, index, numerics.quantize(x, fmt, block, rule)[1].reshape(-1)))
    module = "func.func private @printMemrefI32(memref<*xi32>)\n" + "\n".join(kernels) + \
        "\nfunc.func @main() {" + "".join(calls) + "\n  return\n}\n"
    results = printed_memrefs(lower_and_run(mx_opt, runner, runtime_libs, module))
    assert len(results) == len(expected), (len(results), len(expected))
    for (rule, index, want), got in zip(expected, results):
        bad = int(np.sum(got != want.astype(np.int64)))
        total += want.size
        if bad:
            where = np.nonzero(got != want)[0][:5]
            print(f"MISMATCH {fmt} {rule} layout {index}: {bad} scales, first at {where.tolist()}: "
                  f"got {got[where].tolist()} want {want[where].tolist()}")
        mismatches += bad

print(f"scales: {total} blocks compared, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: scales: {{[0-9]+}} blocks compared, 0 mismatches

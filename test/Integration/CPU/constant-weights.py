# RUN: env PYTHONPATH=%mx_python_packages:%S/../Inputs %python %s | FileCheck %s
#
# Compile-time weights: a quantize of a constant, folded by canonicalize
# into packed constants, gives the same codes and scales as the reference
# and as the same quantize run by the compiled kernel on the same values,
# bit for bit: every format, every scale rule, rtz, stochastic, nonfinite,
# 1-D blocks on either axis, 2-D blocks, partial blocks, edge-case rows.

import itertools

import numpy as np

import mx_mlir
from mx_mlir import reference as ref
from mx_mlir.runner import dense_hex
from mx_test_data import edge_tensor, random_tensor

rng = np.random.default_rng(5)
checked = mismatches = 0
cases = []
for fmt, rule in itertools.product(mx_mlir.FORMATS, ("floor", "ceil", "even", "rceil")):
    cases.append((fmt, dict(scale_rule=rule), edge_tensor(), (1, 32)))
for fmt in mx_mlir.FORMATS:
    cases.append((fmt, dict(rounding="rtz"), random_tensor(rng, (40, 37)), (32, 1)))
    cases.append((fmt, dict(rounding="stochastic", seed=17), random_tensor(rng, (8, 70)), (1, 32)))
    cases.append((fmt, {}, random_tensor(rng, (40, 40)), (32, 32)))
for fmt in ("e4m3", "e5m2"):
    cases.append((fmt, dict(saturation="nonfinite"), edge_tensor(), (1, 32)))

for fmt, options, x, block in cases:
    q_type = mx_mlir.arrays.mx_type(x.shape, fmt, block)
    t_type = f"tensor<{x.shape[0]}x{x.shape[1]}xf32>"
    attrs = " ".join(f"{k}<{v}>" for k, v in options.items() if k != "seed")
    if "seed" in options:
        attrs = attrs.replace("rounding<stochastic>", f"rounding<stochastic> seed({options['seed']})")
    module = mx_mlir.Module.parse(f"""
func.func @folded() -> {q_type} {{
  %c = arith.constant {dense_hex(x)} : {t_type}
  %q = mx.quantize %c {attrs} : {t_type} -> {q_type}
  return %q : {q_type}
}}
func.func @runtime(%x: {t_type}) -> {q_type} {{
  %q = mx.quantize %x {attrs} : {t_type} -> {q_type}
  return %q : {q_type}
}}""")
    module.run_pipeline("canonicalize")
    folded_away = "mx.quantize %cst" not in str(module) and str(module).count("mx.pack") == 1
    jit = module.compile()
    folded, runtime = jit.invoke("folded"), jit.invoke("runtime", x)
    codes, scales = ref.quantize(x, fmt, block=block, **options)
    bad = (int(np.sum(folded.element_codes() != codes)) + int(np.sum(folded.scales != scales))
           + int(np.sum(runtime.elements != folded.elements))
           + int(np.sum(runtime.scales != folded.scales)) + (not folded_away))
    if bad:
        print(f"MISMATCH {fmt} {options} {x.shape} {block}: {bad}")
    mismatches += bad
    checked += x.size
print(f"{len(cases)} constant quantizes folded, {checked} elements, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: 44 constant quantizes folded, {{[0-9]+}} elements, 0 mismatches

# RUN: env PYTHONPATH=%mx_python_packages %python %s 2>&1 | FileCheck %s
#
# Context / Module / run_pipeline / compile / invoke over libMXCAPI.so.

import numpy as np

import mx_mlir
from mx_mlir import Context, MLIRError, Module

ctx = Context()

# Parse, print, run a pipeline in place.
module = Module.parse("""
func.func @twice(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}""", ctx)
module.run_pipeline("convert-elementwise-to-linalg")
print(module)
# CHECK-LABEL: func.func @twice
# CHECK: linalg.generic

# compile() lowers with mx-cpu-pipeline and JIT-compiles; invoke() passes
# NumPy arrays as memref descriptors and copies results out.
jit = module.compile()
print(jit.invoke("twice", np.array([1, 2, 3, 4], np.float32)))
# CHECK: [2. 4. 6. 8.]

# Several results, scalars, returned arguments and constants (which the
# caller owns: the pipeline copies them), an MX value in and out.
module = Module.parse("""
func.func @many(%x: tensor<2x3xf32>, %s: f32, %n: i64) -> (tensor<2x3xf32>, f32, tensor<3xi32>) {
  %c = arith.constant dense<[7, 8, 9]> : tensor<3xi32>
  %t = arith.sitofp %n : i64 to f32
  %r = arith.addf %s, %t : f32
  return %x, %r, %c : tensor<2x3xf32>, f32, tensor<3xi32>
}
func.func @roundtrip(%x: tensor<2x32xf32>) -> (!mx.tensor<2x32xf4E2M1FN, block = [1, 32]>, tensor<2x32xf32>) {
  %q = mx.quantize %x : tensor<2x32xf32> -> !mx.tensor<2x32xf4E2M1FN, block = [1, 32]>
  %d = mx.dequantize %q : !mx.tensor<2x32xf4E2M1FN, block = [1, 32]> -> tensor<2x32xf32>
  return %q, %d : !mx.tensor<2x32xf4E2M1FN, block = [1, 32]>, tensor<2x32xf32>
}
func.func @dequantize(%q: !mx.tensor<2x32xf4E2M1FN, block = [1, 32]>) -> tensor<2x32xf32> {
  %d = mx.dequantize %q : !mx.tensor<2x32xf4E2M1FN, block = [1, 32]> -> tensor<2x32xf32>
  return %d : tensor<2x32xf32>
}
func.func private @helper() -> ()
""", ctx)
jit = module.compile()
x = np.arange(6, dtype=np.float32).reshape(2, 3)
same, total, constant = jit.invoke("many", x, 1.5, 40)
print(same.tolist(), same.ctypes.data != x.ctypes.data, total, constant.tolist())
# CHECK: {{\[\[}}0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] True 41.5 [7, 8, 9]
values = np.linspace(-6, 6, 64, dtype=np.float32).reshape(2, 32)
q, d = jit.invoke("roundtrip", values)
print(q, q.elements.shape, np.array_equal(jit.invoke("dequantize", q), d),
      np.array_equal(jit.invoke("dequantize", (q.elements, q.scales)), d))
# CHECK: MXArray(!mx.tensor<2x32xf4E2M1FN, block = [1, 32]>) (2, 16) True True
print(sorted(jit.signatures))
# CHECK: ['dequantize', 'many', 'roundtrip']


def error(call):
    try:
        call()
    except (MLIRError, ValueError, TypeError, KeyError) as e:
        print(type(e).__name__ + ":", str(e).strip("'\""))


# Errors carry MLIR's diagnostics.
error(lambda: Module.parse("func.func @f() -> i32 { return }", ctx))
# CHECK: MLIRError: mx_mlir: could not parse the module
# CHECK-NEXT: <string>:1:25: error: 'func.return' op has 0 operands, but enclosing function (@f) returns 1
error(lambda: Module.parse("func.func @f() { %0 = mx.quantize }", ctx))
# CHECK: MLIRError: mx_mlir: could not parse the module
error(lambda: Module.parse("""
func.func @f(%x: tensor<32xf32>) -> !mx.tensor<32xf8E4M3FN, block = [32]> {
  %q = mx.quantize %x rounding<stochastic> : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return %q : !mx.tensor<32xf8E4M3FN, block = [32]>
}""", ctx))
# CHECK: MLIRError: mx_mlir: could not parse the module
# CHECK-NEXT: error: 'mx.quantize' op expected a 'seed' with rounding<stochastic>, but got none
# Text that crashes MLIR 22's own parser is an error before parsing
# (mx/Parser/UpstreamParserGuard.h), as in mx-opt.
error(lambda: Module.parse("""
func.func @f(%d: tensor<4x2xf32>, %e: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %t = linalg.transpose ins(%d : tensor<4x2xf32>) outs(%e : tensor<2x4xf32>) permutation = [1, ]
  return %t : tensor<2x4xf32>
}""", ctx))
# CHECK: MLIRError: mx_mlir: could not parse the module
# CHECK-NEXT: <string>:3:78: error: expected a list of 64-bit integers
error(lambda: Module.parse("func.func @f() { return }", ctx).run_pipeline("no-such-pass"))
# CHECK: MLIRError: mx_mlir: invalid pass pipeline 'builtin.module(no-such-pass)'
# CHECK: 'no-such-pass' does not refer to a registered pass or pass pipeline
error(lambda: Module.parse("""
func.func @f(%x: tensor<?xf32>) -> !mx.tensor<?xf8E4M3FN, block = [32]> {
  %q = mx.quantize %x : tensor<?xf32> -> !mx.tensor<?xf8E4M3FN, block = [32]>
  return %q : !mx.tensor<?xf8E4M3FN, block = [32]>
}""", ctx).run_pipeline("mx-cpu-pipeline"))
# CHECK: MLIRError: mx_mlir: pipeline 'builtin.module(mx-cpu-pipeline)' failed
# CHECK-NEXT: <string>:3:8: error: 'mx.quantize' op has the dynamically shaped type 'tensor<?xf32>'; the lowering handles static shapes only

# Each call's diagnostics are its own: the remarks of a call that succeeds
# stay with the module, and a later error does not repeat them. Locations
# name the source (`name=`, or the path for parse_file).
policy_input = """func.func @f(%x: tensor<4x64xf32>, %w: tensor<64x8xf32>) -> tensor<4x8xf32> {
  %c = arith.constant dense<0.0> : tensor<4x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}"""
weight_only = Module.parse(policy_input, ctx, name="model.mlir")
weight_only.run_pipeline("mx-quantize-policy{weights=e2m1 activations=none}")
print("\n".join(weight_only.diagnostics))
# CHECK: model.mlir:3:8: remark: mx-quantize-policy: left in f32: neither operand is a weight
error(lambda: Module.parse("func.func @g() -> i32 { return }", ctx, name="other.mlir"))
# CHECK: MLIRError: mx_mlir: could not parse the module
# CHECK-NEXT: other.mlir:1:25: error: 'func.return' op has 0 operands
# CHECK-NOT: remark
import os  # noqa: E402
import tempfile  # noqa: E402
with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as source:
    source.write("func.func @f() -> i32 {\n  return\n}\n")
error(lambda: Module.parse_file(source.name, ctx))
# CHECK: MLIRError: mx_mlir: could not parse the module
# CHECK-NEXT: {{.*}}.mlir:2:3: error: 'func.return' op has 0 operands
os.remove(source.name)
error(lambda: jit.invoke("many", x))
# CHECK: TypeError: many takes 3 arguments, got 1
error(lambda: jit.invoke("many", x.astype(np.float64), 1.0, 2))
# CHECK: ValueError: many: argument 0 (tensor<2x3xf32>): expected an array of shape (2, 3) and dtype float32, got (2, 3) float64
error(lambda: jit.invoke("helper"))
# CHECK: KeyError: mx_mlir: no public function 'helper' (have: dequantize, many, roundtrip)

# Tensors are values: a function that computes into its argument's tensor
# (which bufferization would do in place) leaves the caller's array alone,
# also behind an !mx.tensor argument (two buffers once lowered).
module = Module.parse("""
func.func @overwrite(%q: !mx.tensor<2x32xi8, block = [1, 32]>, %w: tensor<32x4xf32>, %t: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %d = mx.dequantize %q : !mx.tensor<2x32xi8, block = [1, 32]> -> tensor<2x32xf32>
  %r = linalg.matmul ins(%d, %w : tensor<2x32xf32>, tensor<32x4xf32>) outs(%t : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}""", ctx)
t = np.ones((2, 4), np.float32)
r = module.compile().invoke("overwrite", mx_mlir.quantize(np.ones((2, 32), np.float32), "int8"),
                            np.ones((32, 4), np.float32), t)
print("argument kept:", bool((t == 1).all()), "result:", r[0])
# CHECK: argument kept: True result: [33. 33. 33. 33.]

# A module already in the LLVM dialect compiles without a pipeline.
module = Module.parse("""
func.func @add(%a: i32, %b: i32) -> i32 {
  %c = arith.addi %a, %b : i32
  return %c : i32
}""", ctx)
jit = module.compile(pipeline="convert-arith-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts")
print(jit.invoke("add", 40, 2))
# CHECK: 42

# One buffer returned twice: both results hold its values (every result is
# copied before the buffers are freed, each once).
module = Module.parse("""
func.func @twice(%x: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %y = arith.addf %x, %x : tensor<64xf32>
  return %y, %y : tensor<64xf32>, tensor<64xf32>
}""", ctx)
jit = module.compile()
for _ in range(3):
    a, b = jit.invoke("twice", np.arange(64, dtype=np.float32))
print("same buffer twice:", bool((a == b).all() and (a == 2 * np.arange(64)).all()))
# CHECK: same buffer twice: True

# !mx.scaled in and out: a (data, scale) pair; FP8 data as uint8 codes.
module = Module.parse("""
func.func @cast(%x: !mx.scaled<tensor<4xf32>>) -> !mx.scaled<tensor<4xf8E4M3FN>> {
  %c = mx.scaled_cast %x : !mx.scaled<tensor<4xf32>> -> !mx.scaled<tensor<4xf8E4M3FN>>
  return %c : !mx.scaled<tensor<4xf8E4M3FN>>
}""", ctx)
jit = module.compile()
data, scale = jit.invoke("cast", (np.array([1, 500, -0.3, 3], np.float32), 2.0))
print("scaled:", data.tolist(), scale)
# CHECK: scaled: [56, 126, 170, 68] 2.0
error(lambda: jit.invoke("cast", (np.ones(4, np.float32),)))
# CHECK: TypeError: cast: argument 0 (!mx.scaled<tensor<4xf32>>): expected a (data, scale) pair

# The CPU kernels through the JIT, whose target instructions (vpdpbusd for
# MXINT8 pairs, vpermps table lookups for FP4 GEMV weights, where the host
# has them) are ops that lower to LLVM intrinsics: bit for bit the linalg
# lowering's results (exact formats, the same block order).
kernels = """
func.func @mm(%a: tensor<{m}x64xf32>, %b: tensor<64x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %qa = mx.quantize %a : tensor<{m}x64xf32> -> !mx.tensor<{m}x64x{fa}, block = [1, 32]>
  %qb = mx.quantize %b : tensor<64x{n}xf32> -> !mx.tensor<64x{n}x{fb}, block = [32, 1]>
  %c = mx.matmul %qa, %qb : !mx.tensor<{m}x64x{fa}, block = [1, 32]>, !mx.tensor<64x{n}x{fb}, block = [32, 1]> -> tensor<{m}x{n}xf32>
  return %c : tensor<{m}x{n}xf32>
}}"""
rng = np.random.default_rng(5)
for fa, fb, m, n in (("i8", "i8", 7, 64), ("f6E2M3FN", "f4E2M1FN", 1, 256)):
    a = rng.standard_normal((m, 64)).astype(np.float32)
    b = rng.standard_normal((64, n)).astype(np.float32)
    source = kernels.format(m=m, n=n, fa=fa, fb=fb)
    fast = Module.parse(source, ctx).compile().invoke("mm", a, b)
    plain = Module.parse(source, ctx).compile(pipeline="mx-cpu-pipeline{kernels=false}").invoke("mm", a, b)
    print(f"{fa} x {fb}: kernels == linalg bit for bit:", fast.tobytes() == plain.tobytes(),
          "nonzero:", bool(np.abs(fast).sum() > 0))
# CHECK: i8 x i8: kernels == linalg bit for bit: True nonzero: True
# CHECK: f6E2M3FN x f4E2M1FN: kernels == linalg bit for bit: True nonzero: True

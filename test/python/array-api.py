# RUN: env PYTHONPATH=%mx_python_packages:%S/../Integration/Inputs %python %s | FileCheck %s
#
# mx_mlir.quantize / dequantize / matmul run the compiler's own kernels
# (mx.quantize etc. lowered by mx-cpu-pipeline and JIT-compiled through
# libMXCAPI.so). They must agree with mx_mlir.reference bit for bit: every
# format and scale rule on random and edge-case blocks, every rounding and
# saturation, blocks along either axis, 2-D and 3-D, partial blocks, f16
# inputs. The matmul is checked against float64 products of the reference's
# dequantized operands within the f32 accumulation bound.

import numpy as np

import mx_mlir
from mx_mlir import reference as ref
from mx_test_data import edge_tensor, f32_sum_bound, random_tensor, same_bits

rng = np.random.default_rng(7)
checked = mismatches = 0


def check(x, fmt, block=32, axis=-1, **options):
    global checked, mismatches
    q = mx_mlir.quantize(x, fmt, block=block, axis=axis, **options)
    codes, scales = ref.quantize(np.asarray(x, np.float32), fmt, block=block, axis=axis, **options)
    bad = int(np.sum(q.element_codes() != codes)) + int(np.sum(q.scales != scales))
    values = mx_mlir.dequantize(q)
    bad += int(np.sum(~same_bits(values, ref.dequantize(codes, scales, fmt, block=block, axis=axis))))
    if bad:
        print(f"MISMATCH {fmt} block={block} axis={axis} {options} {x.shape}: {bad}")
    checked += x.size
    mismatches += bad
    return q


layouts = [((37, 70), 32, -1), ((70, 37), 32, 0), ((40, 40), (32, 32), -1),
           ((3, 5, 48), 16, -1), ((33,), 32, -1)]
for fmt in mx_mlir.FORMATS:
    for rule in ("floor", "ceil", "even", "rceil"):
        check(edge_tensor(), fmt, scale_rule=rule)
        check(random_tensor(rng, (37, 70)), fmt, scale_rule=rule)
    for shape, block, axis in layouts:
        check(random_tensor(rng, shape), fmt, block=block, axis=axis)
    check(random_tensor(rng, (37, 70)), fmt, rounding="rtz")
    check(random_tensor(rng, (37, 70)), fmt, rounding="stochastic", seed=99)
    check(edge_tensor(), fmt, rounding="stochastic", seed=3)
    if fmt in ("e4m3", "e5m2"):
        check(edge_tensor(), fmt, saturation="nonfinite")
        check(random_tensor(rng, (37, 70)), fmt, saturation="nonfinite")

# f16 inputs go to the kernel as f16; f16 -> f32 is exact.
half = (rng.standard_normal((16, 64)) * 100).astype(np.float16)
q16 = mx_mlir.quantize(half, "e2m1")
codes, scales = ref.quantize(half.astype(np.float32), "e2m1")
if not (np.array_equal(q16.element_codes(), codes) and np.array_equal(q16.scales, scales)):
    mismatches += 1
    print("MISMATCH f16 input")
print(f"quantize/dequantize: checked {checked} elements, {mismatches} mismatches")
# CHECK-NOT: MISMATCH
# CHECK: quantize/dequantize: checked {{[0-9]+}} elements, 0 mismatches

# The storage as the IR keeps it: FP4 two per byte, low nibble first, an odd
# extent padding the last high nibble with zero.
q = mx_mlir.quantize(np.array([[1.0, -0.5, 6.0]], np.float32), "e2m1")
print(q, q.elements.shape, [hex(b) for b in q.elements[0]], q.element_codes()[0], q.scales,
      q.axis, q.block, q.nbytes)
# CHECK: MXArray(!mx.tensor<1x3xf4E2M1FN, block = [1, 32]>) (1, 2) ['0x92', '0x7'] [2 9 7] {{\[\[}}127]] 1 32 3
q = mx_mlir.quantize(np.ones((64, 8), np.float32), "int8", block=(32, 8))
print(q, q.scales.shape, q.axis, q.block)
# CHECK: MXArray(!mx.tensor<64x8xi8, block = [32, 8]>) (2, 1) None (32, 8)

# matmul: per-K-block f32 dot products, each scaled by both blocks' scales,
# summed over blocks. Against float64 within |C - C64| <= gamma_n sum|a b|
# with n = block length + number of K-blocks.
def check_matmul(fa, fb, M, K, N, rhs_block, nan_at=None):
    a = (rng.standard_normal((M, K)) * np.exp2(rng.integers(-8, 8, (M, 1)))).astype(np.float32)
    b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-8, 8, (1, N)))).astype(np.float32)
    if nan_at:
        a[nan_at] = np.nan
    qa = mx_mlir.quantize(a, fa, block=32, axis=1)
    qb = mx_mlir.quantize(b, fb, block=rhs_block, axis=0)
    c = mx_mlir.matmul(qa, qb)
    da = ref.dequantize(*ref.quantize(a, fa, block=32, axis=1), fa, block=32, axis=1).astype(np.float64)
    db = ref.dequantize(*ref.quantize(b, fb, block=rhs_block, axis=0), fb, block=rhs_block,
                        axis=0).astype(np.float64)
    exact, magnitude = da @ db, np.abs(da) @ np.abs(db)
    n = 32 + -(-K // 32)
    with np.errstate(invalid="ignore"):
        within = np.abs(c - exact) <= f32_sum_bound(n, magnitude)
    ok = np.where(np.isnan(exact), np.isnan(c), within)
    print(f"matmul {fa} x {fb} {M}x{K}x{N}: {int(np.sum(~ok))} outside the bound, "
          f"{int(np.isnan(c).sum())} NaN")


check_matmul("e4m3", "e4m3", 8, 128, 16, 32)
# CHECK: matmul e4m3 x e4m3 8x128x16: 0 outside the bound, 0 NaN
check_matmul("e2m1", "e4m3", 5, 80, 7, 32)
# CHECK: matmul e2m1 x e4m3 5x80x7: 0 outside the bound, 0 NaN
check_matmul("int8", "int8", 4, 96, 64, (32, 32))
# CHECK: matmul int8 x int8 4x96x64: 0 outside the bound, 0 NaN
check_matmul("e5m2", "e3m2", 3, 64, 5, 32, nan_at=(1, 40))
# CHECK: matmul e5m2 x e3m2 3x64x5: 0 outside the bound, 5 NaN
check_matmul("e2m3", "e2m1", 6, 40, 33, (32, 32))
# CHECK: matmul e2m3 x e2m1 6x40x33: 0 outside the bound, 0 NaN

# Weight-only: an f32 operand enters the block dots unscaled.
x = rng.standard_normal((6, 80)).astype(np.float32)
qw = mx_mlir.quantize(rng.standard_normal((80, 9)).astype(np.float32), "e2m1", axis=0)
c = mx_mlir.matmul(x, qw)
dw = ref.dequantize(qw.element_codes(), qw.scales, "e2m1", block=32, axis=0).astype(np.float64)
bound = f32_sum_bound(32 + 3, np.abs(x).astype(np.float64) @ np.abs(dw))
print("f32 x MXFP4:", int(np.sum(np.abs(c - x.astype(np.float64) @ dw) > bound)), "outside the bound")
# CHECK: f32 x MXFP4: 0 outside the bound

# Bad arguments are Python errors, not crashes.
for call in (lambda: mx_mlir.quantize(np.ones(4), "fp5"),
             lambda: mx_mlir.quantize(np.ones(4), "e4m3", scale_rule="up"),
             lambda: mx_mlir.quantize(np.float32(1), "e4m3"),
             lambda: mx_mlir.quantize(np.ones((2, 2)), "e4m3", axis=2),
             lambda: mx_mlir.matmul(mx_mlir.quantize(np.ones((2, 32)), "e4m3"),
                                    mx_mlir.quantize(np.ones((2, 32)), "e4m3")),
             lambda: mx_mlir.matmul(np.ones((2, 32)), np.ones((32, 2)))):
    try:
        call()
    except ValueError as error:
        print("ValueError:", error)
# CHECK: ValueError: unknown MX format 'fp5' (expected one of e4m3, e5m2, e3m2, e2m3, e2m1, int8)
# CHECK: ValueError: unknown scale rule 'up' (expected one of floor, ceil, even, rceil)
# CHECK: ValueError: cannot quantize a 0-d array: it needs at least one dimension
# CHECK: ValueError: axis 2 is out of range for a rank-2 array
# CHECK: ValueError: matmul: expected (M x K) and (K x N) operands, got (2, 32) and (2, 32)
# CHECK: ValueError: matmul: expected at least one MXArray or TwoLevelArray operand

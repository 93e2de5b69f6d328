# REQUIRES: mlir-runner
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so host %t.linalg.npz | FileCheck %s --check-prefixes=CHECK,WHOLE
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so fma %t.linalg.npz | FileCheck %s --check-prefixes=CHECK,WHOLE
# RUN: %if libomp && full-tests %{ env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs,%libomp %mx_lib_dir/libMXNumericsCAPI.so threads %t.linalg.npz | FileCheck %s --check-prefixes=CHECK,WHOLE %}
# RUN: env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so amx-emulated %t.linalg.npz | FileCheck %s
# RUN: %if cpu-avx512bf16 && cpu-avx512vnni && (full-tests || cpu-amxtile) %{ env PYTHONPATH=%S/../Inputs:%mx_python_packages %python %s mx-opt %mlir_runner %runtime_libs %mx_lib_dir/libMXNumericsCAPI.so amx %t.linalg.npz | FileCheck %s --check-prefixes=CHECK,WHOLE %}
#
# The packed mx.matmul kernel of convert-mx-to-vector, run, against
#  - the linalg lowering (kernels=false, its scalar loops) bit for bit where
#    block dots are exact in f32 (FP4, FP6, INT8 operands): each block dot scaled by X_a
#    and X_b is exact there (by multiplies, or for the VNNI kernel's integer
#    dots by exponent adds where the scales allow), and the blocks are summed
#    in the same order;
#  - a float64 matmul of lib/Numerics' dequantized operands within the f32
#    accumulation bound gamma_n * sum |a_k b_k| for every pair (n = block +
#    K-blocks; n = K + 1 for pairs with an FP8 operand, whose block scales
#    the bf16 kernel folds into the packed values where that is exact, for
#    one f32 sum over K).
# Shapes cover both register tilings (N % 32 == 0: 6 x 32 tiles, else
# 12 x 16), row remainders, the one-row GEMV (N % 256 == 0), several
# K-blocks, a NaN block and scales far apart. `host` lets the pass pick the
# dot unit (AVX512-BF16 vdpbf16ps, and AVX512-VNNI vpdpbusd for pairs of
# INT8, E2M1 and E2M3, on CPUs that have them); `fma` asks for no features
# (f32 vector.fma) and runs the code compiled without AVX-512; `threads` is
# `host` with the kernels'
# parallel loops on OpenMP threads (threads=true, OMP_NUM_THREADS=2).
# `amx-emulated` asks for AMX tiles (tdpbf16ps; tdpbusd for integer pairs)
# built from vector ops that follow the instructions' definition
# (emulate-amx=true): the AMX kernel's tiling and operand layouts, run on
# any CPU. `amx` asks for the real tiles: where Linux grants them (a CPU with
# AMX) they run, elsewhere the kernel falls back to AVX-512 at run time; the
# script prints which. scripts/test.sh runs `threads` only with --full, and
# `amx` on CPUs with AMX (elsewhere, where it is `host` compiled with AMX
# features, only with --full).

import hashlib
import os
import sys

import numpy as np

from mx_integration import Numerics, lower_and_run, matmul_case, printed_memrefs

mx_opt, runner, runtime_libs, numerics_lib = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
mode = sys.argv[5]
numerics = Numerics(numerics_lib)
rng = np.random.default_rng(17)
f32 = np.float32
EXACT = {"e2m1", "e2m3", "e3m2", "int8"}

cases = [  # lhs format, rhs format, M, K, N
    ("e4m3", "e4m3", 13, 128, 64),
    ("e2m1", "e4m3", 7, 96, 48),
    ("e2m1", "e2m1", 6, 64, 32),
    ("int8", "int8", 25, 64, 16),
    ("e5m2", "e3m2", 3, 160, 32),
    ("e2m3", "e2m1", 1, 32, 80),
    ("e3m2", "int8", 9, 96, 64),
    ("e4m3", "e5m2", 12, 64, 16),
    # One row, N % 256 == 0: the streaming GEMV.
    ("e4m3", "e2m1", 1, 96, 256),
    ("e4m3", "e4m3", 1, 64, 512),
    ("int8", "e3m2", 1, 64, 256),
    ("e2m3", "int8", 1, 32, 256),
    ("e2m3", "e2m1", 1, 64, 512),    # FP4 weights by table lookup, two panels
    ("e2m3", "e5m2", 1, 64, 256),    # FP8 and FP6 weights by bf16 table lookup
    ("e2m1", "e2m3", 1, 32, 256),    # (host with AVX512-BF16 and BW)
    ("e2m3", "e2m1", 1, 64, 1024),   # groups of four panels per iteration
    ("e2m1", "e3m2", 1, 64, 1024),
    ("int8", "int8", 1, 96, 512),    # MXINT8 x MXINT8 by vpdpbusd (VNNI hosts)
    ("int8", "int8", 7, 96, 64),     # VNNI (where the host has it), 6 x 32 tiles
    # Integer dots whose scales leave the exponent path's range for some
    # tiles and K-blocks (ExponentScaling.h): those take the multiplies.
    ("e2m1", "int8", 12, 96, 32),    # 2^-100 x 2^-60 in block 0 (a + b < -149)
    ("int8", "e2m3", 8, 64, 32),     # 2^80 x 2^30 in block 1 (a + b > 104)
    ("e2m3", "e2m3", 6, 64, 16),     # a NaN scale
    ("e2m1", "e2m1", 13, 64, 32),    # all-zero blocks (the least scale)
    # FP8 pairs on vdpbf16ps with folded scales, and where the packers must
    # fall back to unit scale (MatmulPacking.h).
    ("e4m3", "e4m3", 8, 64, 32),     # all-zero blocks: folded
    ("e4m3", "e2m1", 6, 96, 32),     # a row of 2^-130: its scales are the least
    ("e5m2", "e4m3", 7, 64, 16),     # 2^104 x 2^14: sums could reach 2^128
    # Weight-only (f32 activations): the packed kernel's f32 FMA form, and
    # for one row the GEMV's f32 decodes.
    ("f32", "e2m1", 5, 64, 32),
    ("f32", "e4m3", 1, 64, 256),
    ("f32", "int8", 13, 96, 48),
    ("f32", "e2m1", 1, 64, 512),
    # AMX: two row tiles (the second partial), whole 32-row tiles, 16-column
    # tiles in three panels.
    ("e2m1", "e2m3", 40, 64, 64),
    ("int8", "int8", 32, 96, 48),
    ("e4m3", "e4m3", 64, 64, 32),
]

kernels, body, expected = [], [], []
for index, (fa, fb, M, K, N) in enumerate(cases):
    a = (rng.standard_normal((M, K)) * np.exp2(rng.integers(-30, 30, (M, K // 32)).repeat(32, 1))).astype(f32)
    b = (rng.standard_normal((K, N)) * np.exp2(rng.integers(-30, 30, (K // 32, N)).repeat(32, 0))).astype(f32)
    if index == 4 or (fa, fb) == ("e2m3", "e2m3"):
        a[1, 40] = np.nan  # one NaN block: row 1 of C is NaN
    if (fa, fb) == ("e2m1", "int8"):
        a[0, :32] *= 2.0 ** -100
        b[:32, :] *= 2.0 ** -60
    if (fa, fb) == ("int8", "e2m3"):
        a[2, 32:] *= 2.0 ** 80
        b[32:, 5] *= 2.0 ** 30
    if (fa, fb, M) in (("e2m1", "e2m1", 13), ("e4m3", "e4m3", 8)):
        a[3 % M, 32:] = 0
        b[:32, 7] = 0
    if (fa, fb, M) == ("e4m3", "e2m1", 6):
        a[0, :] = rng.standard_normal(K) * 2.0 ** -130  # f32 subnormals
        b[:, :] = rng.standard_normal((K, N)) * 2.0 ** 40
    if (fa, fb, M) == ("e5m2", "e4m3", 7):
        a[1, :32] = rng.standard_normal(32) * 2.0 ** 104
        b[:32, :] = rng.standard_normal((32, N)) * 2.0 ** 14
    if index == len(cases) - 1:  # first K-block of codes +-127 only: the
        # largest vpdpbusd sums, (k_a + 128) * k_b up to 255 * 127 per product
        a[:, :32] = np.where(rng.random((M, 32)) < 0.5, -1.999, 1.999)
        b[:32, :] = np.where(rng.random((32, N)) < 0.5, -1.999, 1.999)
    # FP8 pairs: one f32 sum over K where the kernel folds the block scales
    # into the packed values (MatmulPacking.h).
    additions = None if fa == "f32" or (fa in EXACT and fb in EXACT) else K + 1
    kernel, lines, reference, bound = matmul_case(index, a, b, fa, fb, (32, 1), numerics, additions)
    kernels.append(kernel)
    body.append(lines)
    expected.append((fa, fb, reference, bound))

# `amx-emulated` runs the cases the AMX kernel takes (MX activations, more
# than one row) outside --full: the GEMV and f32-activation cases build
# what `host` builds.
if mode == "amx-emulated" and os.environ.get("MX_FULL_TESTS") != "1":
    taken = [i for i, (fa, _, M, _, _) in enumerate(cases) if fa != "f32" and M > 1]
    kernels, body, expected = ([items[i] for i in taken] for items in (kernels, body, expected))

module = "func.func private @printMemrefI32(memref<*xi32>)\n" + "".join(kernels) + \
    "\nfunc.func @main() {" + "".join(body) + "\n  return\n}\n"
AMX = "+amx-tile,+amx-bf16,+amx-int8"
features = {"fma": "", "amx-emulated": "+avx512bf16,+avx512vnni," + AMX,
            "amx": "+avx512f,+avx512bf16,+avx512vnni," + AMX}.get(mode, "host")
runner_args = ["-mattr=-avx512f"] if mode == "fma" else []
# Code generation at -O1 (half the time of the JIT's default) for all but
# `host` (the default, as users run it) and `amx`.
if mode not in ("host", "amx"):
    runner_args.append("--O1")
threads = {"threads": " threads=true", "amx-emulated": " emulate-amx=true"}.get(mode, "")
if mode == "amx":  # what the kernel's arch_prctl(ARCH_REQ_XCOMP_PERM) will get
    import ctypes
    granted = ctypes.CDLL(None).arch_prctl(0x1023, 18) == 0
    print("AMX tile data " + ("granted: the AMX kernel runs" if granted else
                              "refused: the AVX-512 kernel runs"))
os.environ["OMP_NUM_THREADS"] = "2"
kernel = printed_memrefs(lower_and_run(mx_opt, runner, runtime_libs, module, True,
                                      f"cpu-features={features}{threads}", runner_args))
# The linalg lowering's results, computed by the first mode and kept for the
# others (keyed by the module's text).
cache, digest = sys.argv[6], hashlib.sha256(module.encode()).hexdigest()
try:
    with np.load(cache) as saved:
        linalg = [saved[f"c{i}"] for i in range(len(expected))] if str(saved["digest"]) == digest else None
except (OSError, KeyError, ValueError):
    linalg = None
if linalg is None:  # the scalar loops (vectorize=false): the same bits as
    # the vectorized linalg lowering, compiled in a twentieth of the time
    linalg = printed_memrefs(lower_and_run(mx_opt, runner, runtime_libs, module, False, "kernels=false",
                                           ["--O0"]))
    np.savez(cache, digest=digest, **{f"c{i}": bits for i, bits in enumerate(linalg)})
outside = differing = compared = 0
for (fa, fb, reference, bound), bits, linalg_bits in zip(expected, kernel, linalg):
    got = bits.astype(np.uint32).view(np.float32).reshape(reference.shape).astype(np.float64)
    nan_ok = np.isnan(reference) == np.isnan(got)
    finite = ~np.isnan(reference)
    within = np.abs(got[finite] - reference[finite]) <= bound[finite]
    bad = int(np.sum(~nan_ok)) + int(np.sum(~within))
    exact = fa in EXACT and fb in EXACT
    differ = int(np.sum(bits != linalg_bits)) if exact else 0
    print(f"{fa} x {fb}: {reference.size} outputs, {int(np.sum(~finite))} NaN, {bad} outside the bound"
          + (f", {differ} differ from the linalg lowering" if exact else ""))
    outside += bad
    differing += differ
    compared += reference.size
print(f"matmul kernels ({mode}): {compared} outputs compared, {outside} outside the bound, "
      f"{differing} exact-format outputs differ")
# CHECK: e2m1 x e2m1: 192 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: e5m2 x e3m2: 96 outputs, 32 NaN, 0 outside the bound
# WHOLE: e2m3 x int8: 256 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# WHOLE: e2m3 x e5m2: 256 outputs, 0 NaN, 0 outside the bound
# WHOLE: e2m1 x e2m3: 256 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# WHOLE: e2m3 x e2m1: 1024 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# WHOLE: e2m1 x e3m2: 1024 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# WHOLE: int8 x int8: 512 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: int8 x int8: 448 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: e2m1 x int8: 384 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: int8 x e2m3: 256 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: e2m3 x e2m3: 96 outputs, 16 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: e2m1 x e2m1: 416 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: e4m3 x e4m3: 256 outputs, 0 NaN, 0 outside the bound
# CHECK: e4m3 x e2m1: 192 outputs, 0 NaN, 0 outside the bound
# CHECK: e5m2 x e4m3: 112 outputs, 0 NaN, 0 outside the bound
# WHOLE: f32 x e2m1: 160 outputs, 0 NaN, 0 outside the bound
# WHOLE: f32 x e4m3: 256 outputs, 0 NaN, 0 outside the bound
# WHOLE: f32 x int8: 624 outputs, 0 NaN, 0 outside the bound
# WHOLE: f32 x e2m1: 512 outputs, 0 NaN, 0 outside the bound
# CHECK: e2m1 x e2m3: 2560 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: int8 x int8: 1536 outputs, 0 NaN, 0 outside the bound, 0 differ from the linalg lowering
# CHECK: e4m3 x e4m3: 2048 outputs, 0 NaN, 0 outside the bound
# CHECK: matmul kernels ({{host|fma|threads|amx-emulated|amx}}):
# WHOLE-SAME: 17424 outputs
# CHECK-SAME: compared, 0 outside the bound, 0 exact-format outputs differ

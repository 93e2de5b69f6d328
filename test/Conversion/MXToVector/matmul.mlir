// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f,+avx512bf16 -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=BF16
// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=FMA
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512bf16,-avx512bf16" -canonicalize -cse -split-input-file | FileCheck %s --check-prefixes=FMA,NOAVX512
// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f,+avx512bf16,+avx512vnni -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=VNNI
// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f,+avx512bw,+avx512bf16 -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=PAIRS

// N % 32 == 0: 6 x 32 register tiles (two f32 vectors per row). Operands are
// decoded once into bf16 (pairs for vdpbf16ps: B's rows 2p and 2p+1
// interleaved) or f32. With an FP8 operand and vdpbf16ps, first times their
// block scales (a nonzero value under the least scale flags the packing),
// and where the scales' exponent range allows (no NaN, no subnormal value or
// product, no sum reaching 2^128: K = 128 leaves 2^120 for the largest
// value of A times that of B) one sum over K per tile, no scaling in the
// loop. Else packed again at unit scale: per K-block the partial sums start
// at zero, take 16 vdpbf16ps steps (32 FMA steps), then join the totals as
// fma(S * X_a, X_b, total).
// BF16-LABEL: func.func @mxfp8_mxfp4
// BF16: %[[VIOLATIONS:.+]] = memref.alloca() : memref<1xi32>
// BF16: memref.alloc() {alignment = 64 : i64} : memref<1664xbf16>
// BF16: scf.if
// BF16-NEXT: memref.atomic_rmw ori %c1_i32, %[[VIOLATIONS]][%c0]
// BF16: %[[SCALEDA:.+]] = arith.mulf %{{.+}}, %{{.+}} : vector<32xf32>
// BF16: arith.truncf %[[SCALEDA]] : vector<32xf32> to vector<32xbf16>
// BF16: memref.alloc() {alignment = 64 : i64} : memref<8192xbf16>
// BF16: memref.atomic_rmw ori %c1_i32, %[[VIOLATIONS]][%c0]
// BF16: vector.interleave %{{.+}}, %{{.+}} : vector<32xbf16> -> vector<64xbf16>
// BF16: %[[FOUND:.+]] = memref.load %[[VIOLATIONS]][%c0] : memref<1xi32>
// BF16: arith.cmpi sle, %{{.+}}, %c254_i32 : i32
// BF16: arith.cmpi sge, %{{.+}}, %c-126_i32 : i32
// BF16: arith.cmpi sle, %{{.+}}, %c120_i32 : i32
// BF16: scf.if %{{.+}} {
// BF16: scf.parallel (%{{.+}}) = (%c0) to (%c6) step (%c1)
// BF16: scf.for %{{.+}} = %c0 to %c4 step %c1 iter_args(
// BF16-COUNT-192: x86vector.avx512.dot
// BF16-NOT: arith.mulf
// BF16: scf.yield
// BF16-COUNT-12: vector.store %{{.+}} : memref<832xf32>, vector<16xf32>
// BF16: } else {
// BF16: memref.alloc() {alignment = 64 : i64} : memref<1664xbf16>
// BF16: arith.truncf %{{.+}} : vector<32xf32> to vector<32xbf16>
// BF16: memref.alloc() {alignment = 64 : i64} : memref<8192xbf16>
// BF16: scf.parallel (%{{.+}}) = (%c0) to (%c6) step (%c1)
// BF16: arith.minui %{{.+}}, %c12 : index
// BF16: scf.for %{{.+}} = %c0 to %c4 step %c1 iter_args(
// BF16-COUNT-192: x86vector.avx512.dot
// BF16-NOT: x86vector.avx512.dot
// BF16: arith.mulf %{{.+}} : vector<16xf32>
// BF16: vector.fma %{{.+}} : vector<16xf32>
// BF16: scf.yield
// BF16-COUNT-12: vector.store %{{.+}} : memref<832xf32>, vector<16xf32>
// FMA-LABEL: func.func @mxfp8_mxfp4
// FMA: memref.alloc() {alignment = 64 : i64} : memref<8192xf32>
// FMA-NOT: x86vector
// FMA: scf.for
// FMA-COUNT-384: vector.fma %{{.+}} : vector<16xf32>
// FMA-COUNT-12: arith.mulf
// FMA: scf.yield
func.func @mxfp8_mxfp4(%a: !mx.tensor<13x128xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<128x64xf4E2M1FN, block = [32, 1]>) -> tensor<13x64xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<13x128xf8E4M3FN, block = [1, 32]>, !mx.tensor<128x64xf4E2M1FN, block = [32, 1]> -> tensor<13x64xf32>
  return %c : tensor<13x64xf32>
}

// -----

// N % 32 == 16: 12 x 16 tiles. With AVX512-VNNI, MXINT8 x MXINT8 takes
// vpdpbusd on the codes (A's sign bit flipped: k + 128 as u8; B's rows in
// quads), 8 steps per K-block into i32 starting from -128 x the block's
// column sums of B (computed once, by vpdpbusd of ones on B packed); A's
// scales carry the codes' 2^-12.
// VNNI-LABEL: func.func @mxint8
// VNNI-DAG: %[[ONES:.+]] = arith.constant dense<1> : vector<64xi8>
// VNNI-DAG: %[[UNIT:.+]] = arith.constant 2.44140625E-4 : f32
// VNNI: arith.mulf %{{.+}}, %[[UNIT]] : f32
// VNNI: arith.xori %{{.+}} : vector<32xi8>
// VNNI: %[[PACKEDB:.+]] = memref.alloc() {alignment = 64 : i64} : memref<3072xi8>
// VNNI: vector.bitcast %{{.+}} : vector<32xi16> to vector<64xi8>
// VNNI: %[[QUADS:.+]] = vector.load %[[PACKEDB]][%{{.+}}] : memref<3072xi8>, vector<64xi8>
// VNNI: mx.avx512.dot_u8s8 %{{.+}}, %[[ONES]], %[[QUADS]] : vector<64xi8> -> vector<16xi32>
// VNNI: arith.muli %{{.+}}, %{{.+}} : vector<16xi32>
// VNNI: scf.for
// VNNI: %[[BIAS:.+]] = vector.load %{{.+}} : memref<96xi32>, vector<16xi32>
// VNNI: mx.avx512.dot_u8s8 %[[BIAS]], %{{.+}}, %{{.+}} : vector<64xi8> -> vector<16xi32>
// VNNI-COUNT-95: mx.avx512.dot_u8s8 %{{.+}}, %{{.+}}, %{{.+}} : vector<64xi8> -> vector<16xi32>
// VNNI-COUNT-12: arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// BF16-LABEL: func.func @mxint8
// BF16: scf.for
// BF16-COUNT-192: x86vector.avx512.dot
// BF16-COUNT-12: vector.store %{{.+}} : memref<768xf32>, vector<16xf32>
func.func @mxint8(%a: !mx.tensor<16x64xi8, block = [1, 32]>, %b: !mx.tensor<64x48xi8, block = [32, 1]>) -> tensor<16x48xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<16x64xi8, block = [1, 32]>, !mx.tensor<64x48xi8, block = [32, 1]> -> tensor<16x48xf32>
  return %c : tensor<16x48xf32>
}

// -----

// MXFP4 x MXFP6-E2M3: both formats' values are integers up to a power of
// two (E2M1 halves, E2M3 eighths), so the VNNI kernel takes them as it takes
// MXINT8 codes: A as 2 x value + 128 (u8), B as 8 x value (s8), the 2^-4 in
// A's scales; the biases from B packed (vpdpbusd of ones). Each K-block's
// i32 dots join the totals by exponent adds (ExponentScaling.h) where the
// tile's scale exponents allow (ranges per row tile and per panel, computed
// once: 3 tiles x 2 K-blocks, 1 panel x 2), else by the multiplies.
// VNNI-LABEL: func.func @mxfp4_mxfp6_e2m3
// VNNI: %[[UNIT:.+]] = arith.constant 6.250000e-02 : f32
// VNNI: arith.mulf %{{.+}}, %[[UNIT]] : f32
// VNNI: arith.fptosi %{{.+}} : vector<32xf32> to vector<32xi32>
// VNNI: arith.xori %{{.+}} : vector<32xi8>
// VNNI: mx.avx512.dot_u8s8 %{{.+}}, %{{.+}}, %{{.+}} : vector<64xi8> -> vector<16xi32>
// VNNI: %[[RANGESA:.+]] = memref.alloc() {alignment = 64 : i64} : memref<12xi32>
// VNNI: arith.minsi %{{.+}} : i32
// VNNI: %[[RANGESB:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4xi32>
// VNNI: vector.reduction <minsi>
// VNNI: vector.reduction <maxsi>
// VNNI: scf.for
// VNNI: mx.avx512.dot_u8s8
// VNNI-NOT: x86vector.avx512.dot
// VNNI: memref.load %[[RANGESA]]
// VNNI: memref.load %[[RANGESB]]
// VNNI: %[[LEAST:.+]] = arith.cmpi sge, %{{.+}}, %c-149_i32 : i32
// VNNI: %[[LARGEST:.+]] = arith.cmpi sle, %{{.+}}, %c104_i32 : i32
// VNNI: %[[INRANGE:.+]] = arith.andi %[[LEAST]], %[[LARGEST]] : i1
// VNNI: scf.if %[[INRANGE]]
// VNNI-NOT: arith.mulf
// VNNI: arith.subf %{{.+}} : vector<16xf32>
// VNNI: scf.yield
// VNNI: } else {
// VNNI: arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// VNNI: vector.fma
func.func @mxfp4_mxfp6_e2m3(%a: !mx.tensor<16x64xf4E2M1FN, block = [1, 32]>, %b: !mx.tensor<64x32xf6E2M3FN, block = [32, 1]>) -> tensor<16x32xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<64x32xf6E2M3FN, block = [32, 1]> -> tensor<16x32xf32>
  return %c : tensor<16x32xf32>
}

// -----

// Outside the kernel layout (N % 16 != 0, 2-D blocks, f32 weights, a
// partial K-block): the linalg lowering.
// BF16-LABEL: func.func @odd_columns
// BF16-NOT: x86vector
// BF16: linalg.generic
func.func @odd_columns(%a: !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<64x24xf8E4M3FN, block = [32, 1]>) -> tensor<4x24xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x24xf8E4M3FN, block = [32, 1]> -> tensor<4x24xf32>
  return %c : tensor<4x24xf32>
}

// -----

// Weight-only (f32 activations): the packed kernel in its f32 FMA form even
// with avx512bf16 (vdpbf16ps would round the activations to bf16), reading
// A in place; each K-block's sums are scaled by B's scales alone.
// BF16-LABEL: func.func @weight_only
// BF16-NOT: x86vector
// BF16-NOT: linalg.generic
// BF16: %[[A:.+]] = bufferization.to_buffer %arg0 read_only : tensor<4x64xf32> to memref<4x64xf32>
// BF16: %[[AFLAT:.+]] = memref.collapse_shape %[[A]] {{\[\[}}0, 1]] : memref<4x64xf32> into memref<256xf32>
// BF16: %[[SCALESB:.+]] = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// BF16: scf.for %{{.+}} = %c0 to %c2 step %c1 iter_args(
// BF16: %[[A0:.+]] = memref.load %[[AFLAT]][%{{.+}}] : memref<256xf32>
// BF16: %[[AS:.+]] = vector.broadcast %[[A0]] : f32 to vector<16xf32>
// BF16: vector.fma %[[AS]], %{{.+}}, %{{.+}} : vector<16xf32>
// BF16: %[[SB:.+]] = vector.load %[[SCALESB]][%{{.+}}] : memref<64xf32>, vector<16xf32>
// BF16-NOT: memref.load
// BF16-NOT: arith.mulf
// BF16: vector.fma %{{.+}}, %[[SB]], %{{.+}} : vector<16xf32>
func.func @weight_only(%a: tensor<4x64xf32>, %b: !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>) -> tensor<4x32xf32> {
  %c = mx.matmul %a, %b : tensor<4x64xf32>, !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> -> tensor<4x32xf32>
  return %c : tensor<4x32xf32>
}

// -----

// f32 weights (MX activations): the linalg lowering.
// BF16-LABEL: func.func @f32_weights
// BF16-NOT: vector.fma
// BF16: linalg.generic
func.func @f32_weights(%a: !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, %b: tensor<64x32xf32>) -> tensor<4x32xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, tensor<64x32xf32> -> tensor<4x32xf32>
  return %c : tensor<4x32xf32>
}

// -----

// One row (a GEMV, N % 256 == 0): no packing. x is decoded once (its own
// parallel loop over K-blocks); y starts at zero; panels of 256 columns go
// in groups of up to 4 per parallel iteration (here both panels in one,
// folded away), each K-block runs over the group's panels (TLB reuse) and
// prefetches the panel's piece of the next block's row. With AVX-512 a
// panel's FP4 row is 2 x 16 i32 words of 8 codes, looked up in the FP4
// table (vpermps) after shifts by 4s; three rounds of interleaving shuffles
// per 128 columns put the sums back in column order. Without it, bytes
// split into low and high nibbles (even and odd columns). With AVX512-BW
// and BF16, x is kept as bf16 and two rows go per step: the 16-bit halves of
// the rows' words are interleaved (row k low, row k + 1 high), looked up in
// the bf16 FP4 table (vpermw; 16 values twice) after shifts by 4s, and
// multiplied with the broadcast pair (x_k, x_k+1) by vdpbf16ps.
// PAIRS-LABEL: func.func @gemv_fp4
// PAIRS: %[[TABLE:.+]] = arith.constant dense<[0, 16128, 16256, 16320, 16384, 16448, 16512, 16576, -32768, -16640, -16512, -16448, -16384, -16320, -16256, -16192, 0, 16128, 16256, 16320, 16384, 16448, 16512, 16576, -32768, -16640, -16512, -16448, -16384, -16320, -16256, -16192]> : vector<32xi16>
// PAIRS: scf.parallel
// PAIRS: arith.truncf %{{.+}} : vector<32xf32> to vector<32xbf16>
// PAIRS: vector.store %{{.+}} : memref<64xbf16>, vector<32xbf16>
// PAIRS: scf.for %{{.+}} = %c0 to %c32 step %c2 iter_args(
// PAIRS-COUNT-4: memref.prefetch
// PAIRS: %[[PAIR:.+]] = vector.load %{{.+}} : memref<64xbf16>, vector<2xbf16>
// PAIRS: %[[WORD:.+]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// PAIRS: %[[X:.+]] = vector.extract %[[WORD]][0]
// PAIRS: %[[XS:.+]] = vector.broadcast %[[X]] : i32 to vector<16xi32>
// PAIRS: %[[XPAIRS:.+]] = vector.bitcast %[[XS]] : vector<16xi32> to vector<32xbf16>
// PAIRS: %[[ROWK:.+]] = vector.bitcast %{{.+}} : vector<64xi8> to vector<32xi16>
// PAIRS: %[[ROWK1:.+]] = vector.bitcast %{{.+}} : vector<64xi8> to vector<32xi16>
// PAIRS: %[[LOW:.+]] = vector.shuffle %[[ROWK]], %[[ROWK1]] [0, 32, 2, 34, 4, 36, 6, 38, 8, 40, 10, 42, 12, 44, 14, 46, 16, 48, 18, 50, 20, 52, 22, 54, 24, 56, 26, 58, 28, 60, 30, 62]
// PAIRS: %[[CODES0:.+]] = mx.avx512.permute_i16 %[[TABLE]], %[[LOW]] : vector<32xi16>
// PAIRS: %[[VALUES0:.+]] = vector.bitcast %[[CODES0]] : vector<32xi16> to vector<32xbf16>
// PAIRS: x86vector.avx512.dot %{{.+}}, %[[VALUES0]], %[[XPAIRS]] : vector<32xbf16> -> vector<16xf32>
// PAIRS: %[[SHIFTED:.+]] = arith.shrui %[[LOW]], %{{.+}} : vector<32xi16>
// PAIRS: mx.avx512.permute_i16 %[[TABLE]], %[[SHIFTED]] : vector<32xi16>
// PAIRS: vector.shuffle %[[ROWK]], %[[ROWK1]] [1, 33, 3, 35,
// PAIRS-COUNT-6: x86vector.avx512.dot
// PAIRS-NOT: vector.fma
// PAIRS: scf.yield
// PAIRS-COUNT-48: vector.shuffle %{{.+}}, %{{.+}} [{{.+}}] : vector<16xf32>, vector<16xf32>
// BF16-LABEL: func.func @gemv_fp4
// BF16-NOT: x86vector
// BF16: %[[TABLE:.+]] = arith.constant dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 6.000000e+00, -0.000000e+00, -5.000000e-01, -1.000000e+00, -1.500000e+00, -2.000000e+00, -3.000000e+00, -4.000000e+00, -6.000000e+00]> : vector<16xf32>
// BF16: scf.parallel (%{{.+}}) = (%c0) to (%c2) step (%c1)
// BF16: vector.load %{{.+}} : memref<64xi8>, vector<32xi8>
// BF16: scf.reduce
// BF16-COUNT-32: vector.store %{{.+}} : memref<512xf32>, vector<16xf32>
// BF16: scf.for %{{.+}} = %c0 to %c2 step %c1 {
// BF16: scf.for %{{.+}} = %c0 to %c2 step %c1 {
// BF16: scf.for %{{.+}} = %c0 to %c32 step %c1 iter_args(
// BF16-COUNT-2: memref.prefetch %{{.+}}, read, locality<2>, data : memref<16384xi8>
// BF16: %[[WORDS:.+]] = vector.bitcast %{{.+}} : vector<64xi8> to vector<16xi32>
// BF16: mx.avx512.permute_f32 %[[TABLE]], %[[WORDS]] : vector<16xf32>, vector<16xi32>
// BF16-COUNT-15: mx.avx512.permute_f32 %[[TABLE]], %{{.+}} : vector<16xf32>, vector<16xi32>
// BF16: scf.yield
// BF16-COUNT-48: vector.shuffle %{{.+}}, %{{.+}} [{{.+}}] : vector<16xf32>, vector<16xf32>
// BF16: arith.addf %{{.+}} : vector<16xf32>
// NOAVX512-LABEL: func.func @gemv_fp4
// NOAVX512-NOT: permute_f32
// NOAVX512: scf.for %{{.+}} = %c0 to %c32 step %c1 iter_args(
// NOAVX512: vector.load %{{.+}} : memref<16384xi8>, vector<16xi8>
// NOAVX512: arith.andi
// NOAVX512: arith.shrui
// NOAVX512-COUNT-16: vector.fma
// NOAVX512: scf.yield
// NOAVX512: vector.interleave %{{.+}}, %{{.+}} : vector<16xf32> -> vector<32xf32>
// NOAVX512: arith.addf %{{.+}} : vector<32xf32>
func.func @gemv_fp4(%x: !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>, %w: !mx.tensor<64x512xf4E2M1FN, block = [32, 1]>) -> tensor<1x512xf32> {
  %y = mx.matmul %x, %w : !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x512xf4E2M1FN, block = [32, 1]> -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}

// -----

// FP8 weights in the pair mode: per 32 columns both rows' codes widen to
// 16-bit lanes and interleave 16 columns at a time (sums in column order);
// the 128 E4M3 magnitudes are two 64-entry lookups (vpermi2w) chosen by bit
// 6, and the sign moves from bit 7 to bit 15. Without BW, the i32 decode.
// PAIRS-LABEL: func.func @gemv_fp8
// PAIRS-DAG: %[[M3:.+]] = arith.constant dense<[16896, {{.+}}, 32704]> : vector<32xi16>
// PAIRS-DAG: %[[M2:.+]] = arith.constant dense<[16384, {{.+}}]> : vector<32xi16>
// PAIRS-DAG: %[[M1:.+]] = arith.constant dense<[15872, {{.+}}]> : vector<32xi16>
// PAIRS-DAG: %[[M0:.+]] = arith.constant dense<[0, 15104, 15232, 15296, 15360, {{.+}}]> : vector<32xi16>
// PAIRS: scf.for %{{.+}} = %c0 to %c32 step %c2 iter_args(
// PAIRS: %[[ROWK:.+]] = arith.extui %{{.+}} : vector<32xi8> to vector<32xi16>
// PAIRS: %[[ROWK1:.+]] = arith.extui %{{.+}} : vector<32xi8> to vector<32xi16>
// PAIRS: %[[CODES:.+]] = vector.shuffle %[[ROWK]], %[[ROWK1]] [0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39, 8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47]
// PAIRS: %[[UPPER:.+]] = arith.cmpi ne, %{{.+}}, %{{.+}} : vector<32xi16>
// PAIRS: %[[HIGH:.+]] = mx.avx512.permute2_i16 %[[M2]], %[[CODES]], %[[M3]] : vector<32xi16>
// PAIRS: %[[LOW:.+]] = mx.avx512.permute2_i16 %[[M0]], %[[CODES]], %[[M1]] : vector<32xi16>
// PAIRS: %[[MAGNITUDE:.+]] = arith.select %[[UPPER]], %[[HIGH]], %[[LOW]]
// PAIRS: %[[SHIFTED:.+]] = arith.shli %[[CODES]], %{{.+}} : vector<32xi16>
// PAIRS: %[[SIGN:.+]] = arith.andi %[[SHIFTED]], %{{.+}} : vector<32xi16>
// PAIRS: %[[BITS:.+]] = arith.ori %[[MAGNITUDE]], %[[SIGN]] : vector<32xi16>
// PAIRS: %[[VALUES:.+]] = vector.bitcast %[[BITS]] : vector<32xi16> to vector<32xbf16>
// PAIRS: x86vector.avx512.dot %{{.+}}, %[[VALUES]], %{{.+}} : vector<32xbf16> -> vector<16xf32>
// PAIRS: vector.shuffle %[[ROWK]], %[[ROWK1]] [16, 48,
// PAIRS-COUNT-15: x86vector.avx512.dot
// PAIRS: scf.yield
// PAIRS-NOT: vector.shuffle
// PAIRS: arith.addf %{{.+}} : vector<16xf32>
// BF16-LABEL: func.func @gemv_fp8
// BF16-NOT: permute2_i16
// BF16: vector.fma
func.func @gemv_fp8(%x: !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>, %w: !mx.tensor<64x256xf8E4M3FN, block = [32, 1]>) -> tensor<1x256xf32> {
  %y = mx.matmul %x, %w : !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x256xf8E4M3FN, block = [32, 1]> -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}

// -----

// FP6 weights: one lookup in the 64 codes (sign included).
// PAIRS-LABEL: func.func @gemv_fp6
// PAIRS-DAG: %[[HIGHCODES:.+]] = arith.constant dense<[-32768, {{.+}}]> : vector<32xi16>
// PAIRS: %[[CODES:.+]] = vector.shuffle
// PAIRS-NEXT: %[[BITS:.+]] = mx.avx512.permute2_i16 %{{.+}}, %[[CODES]], %[[HIGHCODES]] : vector<32xi16>
// PAIRS-NEXT: %[[VALUES:.+]] = vector.bitcast %[[BITS]] : vector<32xi16> to vector<32xbf16>
// PAIRS-NEXT: x86vector.avx512.dot %{{.+}}, %[[VALUES]], %{{.+}}
func.func @gemv_fp6(%x: !mx.tensor<1x32xi8, block = [1, 32]>, %w: !mx.tensor<32x256xf6E3M2FN, block = [32, 1]>) -> tensor<1x256xf32> {
  %y = mx.matmul %x, %w : !mx.tensor<1x32xi8, block = [1, 32]>, !mx.tensor<32x256xf6E3M2FN, block = [32, 1]> -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}

// -----

// A weight-only GEMV (f32 x): x read in place, the weights' f32 lookups
// (vpermps) and FMA even where the bf16 pairs exist (they would round x);
// each K-block's sums are scaled by the weights' scales alone.
// PAIRS-LABEL: func.func @gemv_weight_only
// PAIRS-NOT: permute_i16
// PAIRS: %[[X:.+]] = bufferization.to_buffer %arg0 read_only : tensor<1x64xf32> to memref<1x64xf32>
// PAIRS: %[[XFLAT:.+]] = memref.collapse_shape %[[X]]
// PAIRS: scf.for %{{.+}} = %c0 to %c32 step %c1 iter_args(
// PAIRS: %[[XK:.+]] = memref.load %[[XFLAT]][%{{.+}}] : memref<64xf32>
// PAIRS: %[[XS:.+]] = vector.broadcast %[[XK]] : f32 to vector<16xf32>
// PAIRS: %[[VALUES:.+]] = mx.avx512.permute_f32
// PAIRS: vector.fma %[[XS]], %[[VALUES]], %{{.+}} : vector<16xf32>
// PAIRS: scf.yield
// PAIRS-NOT: memref.load
// PAIRS: %[[SCALED:.+]] = arith.mulf %{{.+}}, %{{.+}} : vector<16xf32>
// PAIRS-NEXT: vector.load
// PAIRS-NEXT: arith.addf %{{.+}}, %[[SCALED]] : vector<16xf32>
func.func @gemv_weight_only(%x: tensor<1x64xf32>, %w: !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>) -> tensor<1x256xf32> {
  %y = mx.matmul %x, %w : tensor<1x64xf32>, !mx.tensor<64x256xf4E2M1FN, block = [32, 1]> -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}

// -----

// MXINT8 x MXINT8 GEMV with AVX512-VNNI, four rows per step: their codes made
// unsigned (^ 0x80) and interleaved into one column's four rows per 32-bit
// lane, vpdpbusd with x's four codes broadcast; per K-block the i32 sums
// less 128 x the block's sum of x's codes (summed once per block, before
// the group's panels), converted and times 2^-12.
// VNNI-LABEL: func.func @gemv_int8
// VNNI: %[[XSUM:.+]] = vector.reduction <add>, %{{.+}} : vector<32xi32> into i32
// VNNI: scf.for %{{.+}} = %c0 to %c32 step %c4 iter_args(
// VNNI: %[[QUAD:.+]] = vector.load %{{.+}} : memref<64xi8>, vector<4xi8>
// VNNI: %[[WORD:.+]] = vector.bitcast %[[QUAD]] : vector<4xi8> to vector<1xi32>
// VNNI: %[[XS:.+]] = vector.bitcast %{{.+}} : vector<16xi32> to vector<64xi8>
// VNNI-COUNT-4: arith.xori %{{.+}}, %{{.+}} : vector<64xi8>
// VNNI: vector.interleave
// VNNI: %[[COLUMNS:.+]] = vector.extract_strided_slice %{{.+}} {offsets = [0], sizes = [64], strides = [1]} : vector<256xi8> to vector<64xi8>
// VNNI: mx.avx512.dot_u8s8 %{{.+}}, %[[COLUMNS]], %[[XS]] : vector<64xi8> -> vector<16xi32>
// VNNI-COUNT-15: mx.avx512.dot_u8s8
// VNNI: scf.yield
// VNNI: %[[BIAS:.+]] = arith.muli %[[XSUM]], %{{.+}} : i32
// VNNI: %[[BIASES:.+]] = vector.broadcast %[[BIAS]] : i32 to vector<16xi32>
// VNNI: %[[EXACT:.+]] = arith.subi %{{.+}}, %[[BIASES]] : vector<16xi32>
// VNNI: %[[SUM:.+]] = arith.sitofp %[[EXACT]] : vector<16xi32> to vector<16xf32>
// VNNI: arith.mulf %[[SUM]], %{{.+}} : vector<16xf32>
// BF16-LABEL: func.func @gemv_int8
// BF16-NOT: dot_u8s8
func.func @gemv_int8(%x: !mx.tensor<1x64xi8, block = [1, 32]>, %w: !mx.tensor<64x256xi8, block = [32, 1]>) -> tensor<1x256xf32> {
  %y = mx.matmul %x, %w : !mx.tensor<1x64xi8, block = [1, 32]>, !mx.tensor<64x256xi8, block = [32, 1]> -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}

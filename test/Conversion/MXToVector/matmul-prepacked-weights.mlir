// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f,+avx512bw,+avx512bf16,+avx512vnni prepack-weights=true" -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=VNNI
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f,+avx512bw,+avx512bf16 prepack-weights=true" -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=BF16
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f prepack-weights=true" -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=FMA
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f,+avx512bw,+avx512bf16,+avx512vnni" -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=PERCALL

// Constant weights (an mx.pack of constants) packed at compile time: the
// kernel reads B, its f32 scales and (integer dots) its biases from private
// constant globals, and packs only A per call.
// Integer dots (vpdpbusd): quads, rows 4s..4s+3 of a column in one 32-bit lane
// (column 1 negated); biases -128 x each K-block's column sums (0+1+2+3,
// 4+5+6+7); scales in f32.
// VNNI-DAG: memref.global "private" constant @[[BIASES:__mx_rhs_biases_[0-9a-f]+]] : memref<32xi32> = dense<[-768, 768, -768, {{.*}}, -2816, 2816, -2816, {{.*}}]> {alignment = 64 : i64}
// VNNI-DAG: memref.global "private" constant @[[PACKED:__mx_rhs_packed_[0-9a-f]+]] : memref<128xi8> = dense<"0x0001020300FFFEFD00010203{{.*}}04050607FCFBFAF904050607{{.*}}"> {alignment = 64 : i64}
// VNNI-DAG: memref.global "private" constant @[[SCALES:__mx_rhs_scales_[0-9a-f]+]] : memref<32xf32> = dense<[1.000000e+00, 2.000000e+00, {{.*}}, 5.000000e-01, {{.*}}, 2.500000e-01]> {alignment = 64 : i64}
// VNNI-LABEL: func.func @integer_dots
// VNNI-NOT: vector.interleave
// VNNI-DAG: memref.get_global @[[SCALES]] : memref<32xf32>
// VNNI-DAG: memref.get_global @[[PACKED]] : memref<128xi8>
// VNNI-DAG: memref.get_global @[[BIASES]] : memref<32xi32>
// VNNI-NOT: vector.interleave
// VNNI: mx.avx512.dot_u8s8
// VNNI-NOT: vector.interleave
// VNNI: return
// bf16 pairs at unit scale (no FP8 operand: nothing to fold), k / 64.
// BF16-DAG: memref.global "private" constant @[[PACKED:__mx_rhs_packed_[0-9a-f]+]] : memref<128xbf16> = dense<"0x0000803C000080BC{{.*}}"> {alignment = 64 : i64}
// BF16-LABEL: func.func @integer_dots
// BF16: memref.get_global @[[PACKED]] : memref<128xbf16>
// f32 values for vector.fma (row 0 zeros, then 1 / 64).
// FMA-DAG: memref.global "private" constant @[[PACKED:__mx_rhs_packed_[0-9a-f]+]] : memref<128xf32> = dense<"0x{{(00)+}}0000803C{{.*}}"> {alignment = 64 : i64}
// FMA-LABEL: func.func @integer_dots
// FMA: memref.get_global @[[PACKED]] : memref<128xf32>
// Without prepack-weights: no globals, B packed per call.
// PERCALL-NOT: memref.global
// PERCALL-LABEL: func.func @integer_dots
// PERCALL: vector.interleave
// PERCALL: mx.avx512.dot_u8s8
func.func @integer_dots(%a: !mx.tensor<2x8xi8, block = [1, 4]>) -> tensor<2x16xf32> {
  %e = arith.constant dense<[[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [2, -2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [3, -3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], [4, -4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], [5, -5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [6, -6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6], [7, -7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]]> : tensor<8x16xi8>
  %s = arith.constant dense<[[1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.25]]> : tensor<2x16xf8E8M0FNU>
  %b = mx.pack %e, %s : tensor<8x16xi8>, tensor<2x16xf8E8M0FNU> -> !mx.tensor<8x16xi8, block = [4, 1]>
  %c = mx.matmul %a, %b : !mx.tensor<2x8xi8, block = [1, 4]>, !mx.tensor<8x16xi8, block = [4, 1]> -> tensor<2x16xf32>
  return %c : tensor<2x16xf32>
}

// -----

// Two products of the same constant weights share its globals.
// VNNI-COUNT-3: memref.global
// VNNI-NOT: memref.global
// VNNI-LABEL: func.func @shared_weights
func.func @shared_weights(%a: !mx.tensor<2x8xi8, block = [1, 4]>, %a2: !mx.tensor<2x8xi8, block = [1, 4]>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
  %e = arith.constant dense<[[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [2, -2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [3, -3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], [4, -4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], [5, -5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [6, -6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6], [7, -7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]]> : tensor<8x16xi8>
  %s = arith.constant dense<[[1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.25]]> : tensor<2x16xf8E8M0FNU>
  %b = mx.pack %e, %s : tensor<8x16xi8>, tensor<2x16xf8E8M0FNU> -> !mx.tensor<8x16xi8, block = [4, 1]>
  %c = mx.matmul %a, %b : !mx.tensor<2x8xi8, block = [1, 4]>, !mx.tensor<8x16xi8, block = [4, 1]> -> tensor<2x16xf32>
  %b2 = mx.pack %e, %s : tensor<8x16xi8>, tensor<2x16xf8E8M0FNU> -> !mx.tensor<8x16xi8, block = [4, 1]>
  %c2 = mx.matmul %a2, %b2 : !mx.tensor<2x8xi8, block = [1, 4]>, !mx.tensor<8x16xi8, block = [4, 1]> -> tensor<2x16xf32>
  return %c, %c2 : tensor<2x16xf32>, tensor<2x16xf32>
}

// -----

// FP8 on vdpbf16ps: B stored times its scales (4 x 1.0, 4 x -1.0, 4 x 0.5,
// 4 x 448 as bf16 4, -4, 2, 1792); the unit-scale form is not stored: where
// A's scales rule folding out at run time, B is packed per call from its MX
// constants. B's scale range, which the run-time fold test needs, is known
// at compile time: only A's scales are scanned per call.
// BF16-DAG: memref.global "private" constant @[[FOLDED:__mx_rhs_folded_[0-9a-f]+]] : memref<128xbf16> = dense<"0x8040804080C0804000408040E0448040{{.*}}"> {alignment = 64 : i64}
// BF16-DAG: memref.global "private" constant @[[SCALES:__mx_rhs_scales_[0-9a-f]+]] : memref<32xf32> = dense<4.000000e+00> {alignment = 64 : i64}
// BF16-NOT: memref.global
// BF16-LABEL: func.func @folded
// BF16-NOT: memref<32xf8E8M0FNU>
// BF16: memref.get_global @[[FOLDED]] : memref<128xbf16>
// BF16-NOT: memref<32xf8E8M0FNU>
// BF16: scf.if
// BF16: } else {
// BF16: vector.interleave
func.func @folded(%a: !mx.tensor<2x8xf8E4M3FN, block = [1, 4]>) -> tensor<2x16xf32> {
  %e = arith.constant dense<[[1.0, -1.0, 0.5, 448.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<8x16xf8E4M3FN>
  %s = arith.constant dense<4.0> : tensor<2x16xf8E8M0FNU>
  %b = mx.pack %e, %s : tensor<8x16xf8E4M3FN>, tensor<2x16xf8E8M0FNU> -> !mx.tensor<8x16xf8E4M3FN, block = [4, 1]>
  %c = mx.matmul %a, %b : !mx.tensor<2x8xf8E4M3FN, block = [1, 4]>, !mx.tensor<8x16xf8E4M3FN, block = [4, 1]> -> tensor<2x16xf32>
  return %c : tensor<2x16xf32>
}

// -----

// B's own scales rule folding out (a NaN scale): no run-time test, B
// stored at unit scale.
// BF16-DAG: memref.global "private" constant @[[PACKED:__mx_rhs_packed_[0-9a-f]+]] : memref<128xbf16>
// BF16-LABEL: func.func @unfoldable
// BF16: memref.get_global @[[PACKED]] : memref<128xbf16>
// BF16-NOT: vector.interleave
// BF16: return
func.func @unfoldable(%a: !mx.tensor<2x8xf8E4M3FN, block = [1, 4]>) -> tensor<2x16xf32> {
  %e = arith.constant dense<[[1.0, -1.0, 0.5, 448.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<8x16xf8E4M3FN>
  %s = arith.constant dense<[[4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0], [4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 0xFF]]> : tensor<2x16xf8E8M0FNU>
  %b = mx.pack %e, %s : tensor<8x16xf8E4M3FN>, tensor<2x16xf8E8M0FNU> -> !mx.tensor<8x16xf8E4M3FN, block = [4, 1]>
  %c = mx.matmul %a, %b : !mx.tensor<2x8xf8E4M3FN, block = [1, 4]>, !mx.tensor<8x16xf8E4M3FN, block = [4, 1]> -> tensor<2x16xf32>
  return %c : tensor<2x16xf32>
}

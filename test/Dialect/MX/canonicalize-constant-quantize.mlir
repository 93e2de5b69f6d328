// RUN: mx-opt %s -canonicalize -split-input-file | FileCheck %s

// Compile-time weights: the quantize of a constant becomes mx.pack of the
// constant codes and E8M0 scales (values checked by hand: [1, -0.5] has amax
// 1, scale 2^(0-2), codes 4 and -2; [6, 100] scale 2^(6-2): 0.375 -> 0.5 and
// 6.25 -> 6; a zero block gets 2^-127; [3, 0.25] scale 2^-1: 6 and 0.5).

// CHECK-LABEL: func.func @fp4
// CHECK-DAG: %[[E:.+]] = arith.constant dense<{{\[\[}}4.000000e+00, -2.000000e+00, 5.000000e-01, 6.000000e+00], [0.000000e+00, 0.000000e+00, 6.000000e+00, 5.000000e-01]]> : tensor<2x4xf4E2M1FN>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[\[}}2.500000e-01, 1.600000e+01], [5.877470e-39, 5.000000e-01]]> : tensor<2x2xf8E8M0FNU>
// CHECK: %[[Q:.+]] = mx.pack %[[E]], %[[S]]
// CHECK-NOT: mx.quantize
// CHECK: return %[[Q]]
func.func @fp4() -> !mx.tensor<2x4xf4E2M1FN, block = [1, 2]> {
  %c = arith.constant dense<[[1.0, -0.5, 6.0, 100.0], [0.0, 0.0, 3.0, 0.25]]> : tensor<2x4xf32>
  %q = mx.quantize %c : tensor<2x4xf32> -> !mx.tensor<2x4xf4E2M1FN, block = [1, 2]>
  return %q : !mx.tensor<2x4xf4E2M1FN, block = [1, 2]>
}

// -----

// MXINT8 (k/64, two's complement), a bf16 splat, blocks along dim 0 with a
// partial last block: every block holds 1.5 = 96/64 under scale 2^0.
// CHECK-LABEL: func.func @int8_splat
// CHECK-DAG: arith.constant dense<96> : tensor<3x2xi8>
// CHECK-DAG: arith.constant dense<1.000000e+00> : tensor<2x2xf8E8M0FNU>
// CHECK: mx.pack
func.func @int8_splat() -> !mx.tensor<3x2xi8, block = [2, 1]> {
  %c = arith.constant dense<1.5> : tensor<3x2xbf16>
  %q = mx.quantize %c : tensor<3x2xbf16> -> !mx.tensor<3x2xi8, block = [2, 1]>
  return %q : !mx.tensor<3x2xi8, block = [2, 1]>
}

// -----

// Given constant scales: elements are rounded against them (2^1: 3 -> 1.5,
// 7 -> 3.5 -> 4 under rne; E2M3 has 3.5, so it stays).
// CHECK-LABEL: func.func @given_scales
// CHECK-DAG: arith.constant dense<[1.500000e+00, 3.500000e+00]> : tensor<2xf6E2M3FN>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<2.000000e+00> : tensor<1xf8E8M0FNU>
// CHECK: mx.pack {{.*}}, %[[S]]
func.func @given_scales() -> !mx.tensor<2xf6E2M3FN, block = [2]> {
  %c = arith.constant dense<[3.0, 7.0]> : tensor<2xf32>
  %s = arith.constant dense<2.0> : tensor<1xf8E8M0FNU>
  %q = mx.quantize %c scales(%s : tensor<1xf8E8M0FNU>) : tensor<2xf32> -> !mx.tensor<2xf6E2M3FN, block = [2]>
  return %q : !mx.tensor<2xf6E2M3FN, block = [2]>
}

// -----

// NaN in a block: the NaN scale (0xFF) and zero codes, as at run time.
// CHECK-LABEL: func.func @nan_block
// CHECK-DAG: arith.constant dense<0.000000e+00> : tensor<2xf8E4M3FN>
// CHECK-DAG: arith.constant dense<0x{{FF|ff}}> : tensor<1xf8E8M0FNU>
func.func @nan_block() -> !mx.tensor<2xf8E4M3FN, block = [2]> {
  %c = arith.constant dense<[0x7FC00000, 1.0]> : tensor<2xf32>
  %q = mx.quantize %c : tensor<2xf32> -> !mx.tensor<2xf8E4M3FN, block = [2]>
  return %q : !mx.tensor<2xf8E4M3FN, block = [2]>
}

// -----

// Not a constant, or constant data with non-constant scales: left alone.
// CHECK-LABEL: func.func @not_constant
// CHECK: mx.quantize %arg0
// CHECK: mx.quantize %{{.*}} scales(%arg1
func.func @not_constant(%x: tensor<2xf32>, %s: tensor<1xf8E8M0FNU>)
    -> (!mx.tensor<2xf8E4M3FN, block = [2]>, !mx.tensor<2xf8E4M3FN, block = [2]>) {
  %q = mx.quantize %x : tensor<2xf32> -> !mx.tensor<2xf8E4M3FN, block = [2]>
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %r = mx.quantize %c scales(%s : tensor<1xf8E8M0FNU>) : tensor<2xf32> -> !mx.tensor<2xf8E4M3FN, block = [2]>
  return %q, %r : !mx.tensor<2xf8E4M3FN, block = [2]>, !mx.tensor<2xf8E4M3FN, block = [2]>
}

// -----

// FP8 tiles with f32 scales (lib/Numerics/FloatScaled): quotient scales
// amax / 448 (a zero tile 1, a tile past E4M3's range 1e30 / 448), codes
// x / scale rounded once.
// CHECK-LABEL: func.func @f32_tiles_quotient
// CHECK-DAG: %[[E:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, -4.480000e+02, 0.000000e+00, 0.000000e+00], [4.480000e+02, 7.200000e+01, 4.480000e+02, 0.000000e+00]]> : tensor<2x4xf8E4M3FN>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 1.000000e+00], [0.00669642864, 2.23214295E+27]]> : tensor<2x2xf32>
// CHECK: mx.pack %[[E]], %[[S]] : tensor<2x4xf8E4M3FN>, tensor<2x2xf32>
func.func @f32_tiles_quotient() -> !mx.tensor<2x4xf8E4M3FN, block = [1, 2], scale = f32> {
  %w = arith.constant dense<[[1.0, -448.0, 0.0, 0.0], [3.0, 0.5, 1.0e30, 7.0]]> : tensor<2x4xf32>
  %q = mx.quantize %w scale_rule<quotient> : tensor<2x4xf32> -> !mx.tensor<2x4xf8E4M3FN, block = [1, 2], scale = f32>
  return %q : !mx.tensor<2x4xf8E4M3FN, block = [1, 2], scale = f32>
}

// -----

// Power-of-two tile scales on 2 x 2 tiles: 448 / 57344 -> 2^-7.
// CHECK-LABEL: func.func @f32_tiles_rceil
// CHECK-DAG: arith.constant dense<{{\[\[}}7.812500e-03, 1.93428131E+25]]> : tensor<1x2xf32>
// CHECK-DAG: arith.constant dense<{{\[\[}}1.280000e+02, -5.734400e+04, 0.000000e+00, 0.000000e+00], [3.840000e+02, 6.400000e+01, 4.915200e+04, 0.000000e+00]]> : tensor<2x4xf8E5M2>
func.func @f32_tiles_rceil() -> !mx.tensor<2x4xf8E5M2, block = [2, 2], scale = f32> {
  %w = arith.constant dense<[[1.0, -448.0, 0.0, 0.0], [3.0, 0.5, 1.0e30, 7.0]]> : tensor<2x4xf32>
  %q = mx.quantize %w scale_rule<rceil> : tensor<2x4xf32> -> !mx.tensor<2x4xf8E5M2, block = [2, 2], scale = f32>
  return %q : !mx.tensor<2x4xf8E5M2, block = [2, 2], scale = f32>
}

// -----

// Given f32 scales, or a rank-3 tensor: left to the lowering.
// CHECK-LABEL: func.func @f32_tiles_not_folded
// CHECK: mx.quantize %{{.*}} scales(%arg0
// CHECK: mx.quantize %{{.*}} scale_rule<quotient>
func.func @f32_tiles_not_folded(%s: tensor<1x1xf32>)
    -> (!mx.tensor<2x2xf8E4M3FN, block = [2, 2], scale = f32>, !mx.tensor<1x2x2xf8E4M3FN, block = [1, 1, 2], scale = f32>) {
  %c = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %q = mx.quantize %c scales(%s : tensor<1x1xf32>) : tensor<2x2xf32> -> !mx.tensor<2x2xf8E4M3FN, block = [2, 2], scale = f32>
  %d = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]]]> : tensor<1x2x2xf32>
  %r = mx.quantize %d scale_rule<quotient> : tensor<1x2x2xf32> -> !mx.tensor<1x2x2xf8E4M3FN, block = [1, 1, 2], scale = f32>
  return %q, %r : !mx.tensor<2x2xf8E4M3FN, block = [2, 2], scale = f32>, !mx.tensor<1x2x2xf8E4M3FN, block = [1, 1, 2], scale = f32>
}

// -----

// A constant's Hadamard transform, computed by lib/Numerics/Hadamard: the
// block e0 with seed 0 becomes (1/4) H16 D e0, +-1/4 in every position.
// CHECK-LABEL: func.func @hadamard_constant
// CHECK-NOT: mx.hadamard
// CHECK: %[[C:.+]] = arith.constant dense<{{.*}}2.500000e-01{{.*}}> : tensor<16xf32>
// CHECK: return %[[C]]
func.func @hadamard_constant() -> tensor<16xf32> {
  %c = arith.constant dense<[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf32>
  %y = mx.hadamard %c axis(0) : tensor<16xf32>
  return %y : tensor<16xf32>
}

// -----

// NVFP4 of a constant with its tensor scale: S = 6 / 2688 folds, the block
// scale 6 / (6 S) rounds to 448 and the elements x / (448 S) to 6, 3, -1.5,
// 0.5 and zeros (lib/Numerics/NVFP4).
// CHECK-LABEL: func.func @nvfp4_constant
// CHECK-NOT: mx.tensor_scale
// CHECK-NOT: mx.quantize
// CHECK-DAG: %[[S:.+]] = arith.constant 0.00223214296 : f32
// CHECK-DAG: %[[E:.+]] = arith.constant dense<{{\[}}[6.000000e+00, 3.000000e+00, -1.500000e+00, 5.000000e-01, 0.000000e+00, {{.*}}]]> : tensor<1x16xf4E2M1FN>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<4.480000e+02> : tensor<1x1xf8E4M3FN>
// CHECK: %[[Q:.+]] = mx.pack %[[E]], %[[B]]
// CHECK: return %[[Q]], %[[S]]
func.func @nvfp4_constant() -> (!mx.tensor<1x16xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, f32) {
  %c = arith.constant dense<[[6.0, 3.0, -1.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x16xf32>
  %s = mx.tensor_scale %c : tensor<1x16xf32>
  %q = mx.quantize %c tensor_scale(%s) scale_rule<quotient> : tensor<1x16xf32> -> !mx.tensor<1x16xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return %q, %s : !mx.tensor<1x16xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, f32
}

// -----

// A tensor scale that is an argument leaves the quantize of a constant.
// CHECK-LABEL: func.func @nvfp4_argument_scale_stays
// CHECK: mx.quantize %{{.*}} tensor_scale(%arg0)
func.func @nvfp4_argument_scale_stays(%s: f32) -> !mx.tensor<1x16xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> {
  %c = arith.constant dense<1.0> : tensor<1x16xf32>
  %q = mx.quantize %c tensor_scale(%s) scale_rule<quotient> : tensor<1x16xf32> -> !mx.tensor<1x16xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return %q : !mx.tensor<1x16xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
}

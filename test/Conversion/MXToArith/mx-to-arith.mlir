// RUN: mx-opt %s -convert-mx-to-arith -split-input-file -verify-diagnostics | FileCheck %s

// Quantize: clamp to +-max * scale (MX saturation), then upstream's op;
// a NaN scale zeroes the codes; FP4 codes are then packed two per byte.
// CHECK-LABEL: func.func @quantize
// CHECK-SAME: -> (tensor<64x16xi8>, tensor<64x1xf8E8M0FNU>)
// CHECK: linalg.generic
// CHECK: %[[S:.+]] = arith.extf %[[SCALE:.+]] : f8E8M0FNU to f32
// CHECK: %[[LIMIT:.+]] = arith.mulf %{{.*}}, %[[S]] : f32
// CHECK: arith.minimumf %{{.*}}, %[[LIMIT]] : f32
// CHECK: arith.maximumf
// CHECK: arith.scaling_truncf %{{.*}}, %[[SCALE]] : f32, f8E8M0FNU to f4E2M1FN
// CHECK: arith.bitcast %{{.*}} : f4E2M1FN to i4
// CHECK: arith.select
// CHECK: arith.ori
func.func @quantize(%x: tensor<64x32xf32>) -> !mx.tensor<64x32xf4E2M1FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<64x32xf32> -> !mx.tensor<64x32xf4E2M1FN, block = [1, 32]>
  return %q : !mx.tensor<64x32xf4E2M1FN, block = [1, 32]>
}

// -----

// nonfinite saturation: no clamp.
// CHECK-LABEL: func.func @quantize_nonfinite
// CHECK-NOT: arith.minimumf
// CHECK: arith.scaling_truncf %{{.*}}, %{{.*}} : f32, f8E8M0FNU to f8E5M2
func.func @quantize_nonfinite(%x: tensor<32xf32>) -> !mx.tensor<32xf8E5M2, block = [32]> {
  %q = mx.quantize %x saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32xf8E5M2, block = [32]>
  return %q : !mx.tensor<32xf8E5M2, block = [32]>
}

// -----

// CHECK-LABEL: func.func @dequantize
// CHECK: arith.trunci %{{.*}} : i8 to i6
// CHECK: arith.bitcast %{{.*}} : i6 to f6E3M2FN
// CHECK: arith.scaling_extf %{{.*}}, %{{.*}} : f6E3M2FN, f8E8M0FNU to f32
func.func @dequantize(%q: !mx.tensor<32xf6E3M2FN, block = [32]>) -> tensor<32xf32> {
  %d = mx.dequantize %q : !mx.tensor<32xf6E3M2FN, block = [32]> -> tensor<32xf32>
  return %d : tensor<32xf32>
}

// -----

func.func @stochastic(%x: tensor<32xf32>) -> !mx.tensor<32xf4E2M1FN, block = [32]> {
  // expected-error @+1 {{'mx.quantize' op has rounding<stochastic>, but arith.scaling_truncf rounds to nearest even only; use -convert-mx-to-linalg}}
  %q = mx.quantize %x rounding<stochastic> seed(1) : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return %q : !mx.tensor<32xf4E2M1FN, block = [32]>
}

// -----

func.func @mxint8(%q: !mx.tensor<32xi8, block = [32]>) -> tensor<32xf32> {
  // expected-error @+1 {{'mx.dequantize' op has MXINT8 elements, which arith.scaling_truncf and scaling_extf do not express; use -convert-mx-to-linalg}}
  %d = mx.dequantize %q : !mx.tensor<32xi8, block = [32]> -> tensor<32xf32>
  return %d : tensor<32xf32>
}

// -----

func.func @two_level(%x: tensor<32xf32>) -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]> {
  // expected-error @+1 {{'mx.quantize' op has two-level ('!mx.microexp<mx9>') elements, which arith.scaling_truncf and scaling_extf do not express; use -convert-mx-to-linalg}}
  %q = mx.quantize %x : tensor<32xf32> -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
  return %q : !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
}

// -----

func.func @f32_tile_scales(%q: !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>) -> tensor<4x256xf32> {
  // expected-error @+1 {{'mx.dequantize' op has 'f32' scales; the arith lowering expresses E8M0 scales only; use -convert-mx-to-linalg}}
  %d = mx.dequantize %q : !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32> -> tensor<4x256xf32>
  return %d : tensor<4x256xf32>
}

// -----

func.func @e4m3_scales(%q: !mx.tensor<4x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'mx.dequantize' op has 'f8E4M3FN' scales; the arith lowering expresses E8M0 scales only; use -convert-mx-to-linalg}}
  %d = mx.dequantize %q : !mx.tensor<4x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> -> tensor<4x64xf32>
  return %d : tensor<4x64xf32>
}

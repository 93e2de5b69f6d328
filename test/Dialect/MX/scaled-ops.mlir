// RUN: mx-opt %s | mx-opt | FileCheck %s
// RUN: mx-opt %s -mlir-print-op-generic | mx-opt | FileCheck %s
// RUN: mx-opt %s -canonicalize | FileCheck %s --check-prefix=FOLD

// The ops of !mx.scaled (MXScaledOps.td) and mx.transpose round-trip.

// CHECK-LABEL: func.func @scaled_ops
// CHECK: mx.scale %{{.*}}, %{{.*}} : tensor<4x8xf32> -> !mx.scaled<tensor<4x8xf32>>
// CHECK: mx.rescale %{{.*}} norm<l2> : !mx.scaled<tensor<4x8xf32>>
// CHECK: mx.rescale %{{.*}} : !mx.scaled<tensor<4x8xf32>>
// CHECK: mx.scaled_cast %{{.*}} rounding<stochastic> seed(3) saturation<nonfinite> : !mx.scaled<tensor<4x8xf32>> -> !mx.scaled<tensor<4x8xf8E5M2>>
// CHECK: mx.scaled_parts %{{.*}} : !mx.scaled<tensor<4x8xf8E5M2>>
// CHECK: mx.unscale %{{.*}} : !mx.scaled<tensor<4x8xf8E5M2>> -> tensor<4x8xbf16>
func.func @scaled_ops(%d: tensor<4x8xf32>, %s: f32) -> (tensor<4x8xf8E5M2>, f32, tensor<4x8xbf16>) {
  %x = mx.scale %d, %s : tensor<4x8xf32> -> !mx.scaled<tensor<4x8xf32>>
  %r = mx.rescale %x norm<l2> : !mx.scaled<tensor<4x8xf32>>
  %m = mx.rescale %r norm<max> : !mx.scaled<tensor<4x8xf32>>
  %c = mx.scaled_cast %m rounding<stochastic> seed(3) saturation<nonfinite> : !mx.scaled<tensor<4x8xf32>> -> !mx.scaled<tensor<4x8xf8E5M2>>
  %data, %scale = mx.scaled_parts %c : !mx.scaled<tensor<4x8xf8E5M2>>
  %u = mx.unscale %c : !mx.scaled<tensor<4x8xf8E5M2>> -> tensor<4x8xbf16>
  return %data, %scale, %u : tensor<4x8xf8E5M2>, f32, tensor<4x8xbf16>
}

// CHECK-LABEL: func.func @transpose
// CHECK: mx.transpose %{{.*}} [1, 0] : !mx.tensor<64x32xf4E2M1FN, block = [32, 32]> -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
func.func @transpose(%q: !mx.tensor<64x32xf4E2M1FN, block = [32, 32]>) -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]> {
  %t = mx.transpose %q [1, 0] : !mx.tensor<64x32xf4E2M1FN, block = [32, 32]> -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
  return %t : !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
}

// scaled_parts(scale(d, s)) is (d, s); unscale(scale(d, 1.0)) is d.
// FOLD-LABEL: func.func @folds
// FOLD-NOT: mx.
// FOLD: return %arg0, %arg1, %arg0
func.func @folds(%d: tensor<4xf32>, %s: f32) -> (tensor<4xf32>, f32, tensor<4xf32>) {
  %one = arith.constant 1.0 : f32
  %x = mx.scale %d, %s : tensor<4xf32> -> !mx.scaled<tensor<4xf32>>
  %data, %scale = mx.scaled_parts %x : !mx.scaled<tensor<4xf32>>
  %y = mx.scale %d, %one : tensor<4xf32> -> !mx.scaled<tensor<4xf32>>
  %u = mx.unscale %y : !mx.scaled<tensor<4xf32>> -> tensor<4xf32>
  return %data, %scale, %u : tensor<4xf32>, f32, tensor<4xf32>
}

// A scale other than 1, or a change of type, is arithmetic: it stays.
// FOLD-LABEL: func.func @no_fold
// FOLD: mx.unscale
// FOLD: mx.unscale
func.func @no_fold(%d: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf16>) {
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %x = mx.scale %d, %two : tensor<4xf32> -> !mx.scaled<tensor<4xf32>>
  %u = mx.unscale %x : !mx.scaled<tensor<4xf32>> -> tensor<4xf32>
  %y = mx.scale %d, %one : tensor<4xf32> -> !mx.scaled<tensor<4xf32>>
  %h = mx.unscale %y : !mx.scaled<tensor<4xf32>> -> tensor<4xf16>
  return %u, %h : tensor<4xf32>, tensor<4xf16>
}

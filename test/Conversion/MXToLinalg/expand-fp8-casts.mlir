// RUN: mx-opt %s -split-input-file -mx-expand-fp8-casts | FileCheck %s

// A matmul of FP8 tensors is generalized and its extf become integer
// decoding: no FP8 float op is left (integration: scaled-tensors.py).
// CHECK-LABEL: func.func @fp8_matmul
// CHECK: linalg.generic
// CHECK:   arith.bitcast %{{.*}} : f8E4M3FN to i8
// CHECK:   arith.extui
// CHECK:   arith.bitcast %{{.*}} : f8E5M2 to i8
// CHECK-NOT: arith.extf
// CHECK: linalg.yield
func.func @fp8_matmul(%a: tensor<4x8xf8E4M3FN>, %b: tensor<8x4xf8E5M2>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf8E4M3FN>, tensor<8x4xf8E5M2>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// Scalar truncf to FP8: integer rounding, then the byte as FP8.
// CHECK-LABEL: func.func @truncf
// CHECK-NOT: arith.truncf
// CHECK: %[[B:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.bitcast %[[B]] : i8 to f8E4M3FN
func.func @truncf(%x: f32) -> f8E4M3FN {
  %t = arith.truncf %x : f32 to f8E4M3FN
  return %t : f8E4M3FN
}


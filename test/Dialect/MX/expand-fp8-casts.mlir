// RUN: mx-opt %s -split-input-file -mx-expand-fp8-casts | FileCheck %s

// A matmul of FP8 tensors is generalized; each FP8 input, read K or N
// times, is decoded once into an f32 tensor (integer decoding, no extf), and
// the contraction runs on f32 (integration: scaled-tensors.py).
// CHECK-LABEL: func.func @fp8_matmul
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<4x8xf8E4M3FN>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK:   arith.bitcast %{{.*}} : f8E4M3FN to i8
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<8x4xf8E5M2>) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK:   arith.bitcast %{{.*}} : f8E5M2 to i8
// CHECK-NOT: arith.extf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[B]] : tensor<4x8xf32>, tensor<8x4xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT:   arith.mulf
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


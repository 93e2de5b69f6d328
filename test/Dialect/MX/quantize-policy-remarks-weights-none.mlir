// RUN: mx-opt %s -verify-diagnostics -mx-quantize-policy="weights=none activations=e4m3" | FileCheck %s

// A product of two weights under weights=none stays f32, and says so; a
// weight times an activation quantizes the activation only.
// CHECK-LABEL: func.func @weights_none
// CHECK: linalg.matmul
// CHECK: mx.quantize %arg0
// CHECK-NOT: mx.quantize
// CHECK: mx.matmul
func.func @weights_none(%x: tensor<4x64xf32>, %v: tensor<4x64xf32> {mx.weight},
                        %w: tensor<64x8xf32> {mx.weight}, %c: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // expected-remark @+1 {{mx-quantize-policy: left in f32: both operands are weights and weights=none}}
  %0 = linalg.matmul ins(%v, %w : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

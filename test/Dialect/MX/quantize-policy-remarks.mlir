// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-quantize-policy="weights=e2m1 activations=none" | FileCheck %s

// Each op the policy leaves in f32 says why, and how to change it.

// Weight-only mode quantizes weights only: a weight passed as an unmarked
// argument looks like an activation, so the remark names the fix.
// CHECK-LABEL: func.func @unmarked_weight
// CHECK: linalg.matmul
// CHECK: mx.matmul
func.func @unmarked_weight(%x: tensor<4x64xf32>, %w: tensor<64x8xf32>,
                           %marked: tensor<64x8xf32> {mx.weight}, %c: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // expected-remark @+1 {{mx-quantize-policy: left in f32: neither operand is a weight (a constant, or a function argument marked {mx.weight}) and activations=none; mark the weight argument {mx.weight} to quantize it}}
  %0 = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = linalg.matmul ins(%x, %marked : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Convolutions (1x1 included) are not rewritten.
// CHECK-LABEL: func.func @convolutions
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK: linalg.conv_2d_nchw_fchw
func.func @convolutions(%x: tensor<1x8x8x64xf32>, %w: tensor<1x1x64x16xf32>, %c: tensor<1x8x8x16xf32>,
                        %y: tensor<1x64x8x8xf32>, %v: tensor<16x64x3x3xf32>, %d: tensor<1x16x6x6xf32>)
    -> (tensor<1x8x8x16xf32>, tensor<1x16x6x6xf32>) {
  // expected-remark @+1 {{mx-quantize-policy: left in f32: convolutions are not quantized; a 1x1 convolution is a matrix product: written as linalg.matmul or a contraction linalg.generic, it is}}
  %0 = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x64xf32>, tensor<1x1x64x16xf32>) outs(%c : tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
  // expected-remark @+1 {{convolutions are not quantized}}
  %1 = linalg.conv_2d_nchw_fchw ins(%y, %v : tensor<1x64x8x8xf32>, tensor<16x64x3x3xf32>) outs(%d : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  return %0, %1 : tensor<1x8x8x16xf32>, tensor<1x16x6x6xf32>
}

// -----

// TOSA given without upstream's TOSA-to-linalg passes: a warning, not silence.
// CHECK-LABEL: func.func @tosa_unconverted
// CHECK: tosa.matmul
func.func @tosa_unconverted(%x: tensor<1x16x64xf32>) -> tensor<1x16x8xf32> {
  %w = "tosa.const"() <{values = dense<0.25> : tensor<1x64x8xf32>}> : () -> tensor<1x64x8xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  // expected-warning @+1 {{mx-quantize-policy: TOSA ops are not rewritten; run tosa-to-linalg-named (and tosa-to-linalg, tosa-to-tensor, tosa-to-arith) before this pass}}
  %y = tosa.matmul %x, %w, %zp, %zp : (tensor<1x16x64xf32>, tensor<1x64x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  return %y : tensor<1x16x8xf32>
}

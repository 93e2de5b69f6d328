// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// Decoding multiplies exact powers of two built from bits: no runtime call,
// no narrow-float extf.
// CHECK-LABEL: func.func @dequantize
// CHECK-SAME: (%[[C:.+]]: tensor<40x3xi8>, %[[S:.+]]: tensor<2x3xf8E8M0FNU>) -> tensor<40x3xf32>
// CHECK: %[[P:.+]] = tensor.pad %[[C]] low[0, 0] high[24, 0]
// CHECK: %[[B:.+]] = tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 32, 3, 1]
// CHECK: %[[V:.+]] = linalg.generic {{.*}} ins(%[[B]], %[[S]] : tensor<2x32x3x1xi8>, tensor<2x3xf8E8M0FNU>) outs(%{{.*}} : tensor<2x32x3x1xf32>)
// CHECK: arith.uitofp
// CHECK: arith.mulf
// CHECK-NOT: arith.extf
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [40, 3] [1, 1]
func.func @dequantize(%q: !mx.tensor<40x3xf6E3M2FN, block = [32, 1]>) -> tensor<40x3xf32> {
  %d = mx.dequantize %q : !mx.tensor<40x3xf6E3M2FN, block = [32, 1]> -> tensor<40x3xf32>
  return %d : tensor<40x3xf32>
}

// -----

// A bf16 result is the exact f32 value rounded once.
// CHECK-LABEL: func.func @dequantize_bf16
// CHECK: arith.sitofp
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: tensor.pad
func.func @dequantize_bf16(%q: !mx.tensor<64xi8, block = [32]>) -> tensor<64xbf16> {
  %d = mx.dequantize %q : !mx.tensor<64xi8, block = [32]> -> tensor<64xbf16>
  return %d : tensor<64xbf16>
}

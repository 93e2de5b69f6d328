// RUN: mx-opt %s --pass-pipeline="builtin.module(func.func(tosa-to-linalg-named),mx-quantize-policy{weights=e2m1 activations=e4m3})" | FileCheck %s

// TOSA models come in through upstream's tosa-to-linalg-named: tosa.matmul
// is a linalg.batch_matmul with a unit batch, which the policy reshapes away
// (the weight stays a constant, so it quantizes at compile time).
// CHECK-LABEL: func.func @tosa_matmul
// CHECK-NOT: tosa.matmul
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: scf.for
// CHECK-DAG: %[[W:.+]] = arith.constant dense<2.500000e-01> : tensor<64x8xf32>
// CHECK-DAG: %[[X:.+]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<1x16x64xf32> into tensor<16x64xf32>
// CHECK: mx.quantize %[[X]] : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
// CHECK: mx.quantize %[[W]] : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
// CHECK: %[[Y:.+]] = mx.matmul
// CHECK: tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [1, 16, 8] : tensor<16x8xf32> into tensor<1x16x8xf32>
func.func @tosa_matmul(%x: tensor<1x16x64xf32>) -> tensor<1x16x8xf32> {
  %w = "tosa.const"() <{values = dense<0.25> : tensor<1x64x8xf32>}> : () -> tensor<1x64x8xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.matmul %x, %w, %zp, %zp : (tensor<1x16x64xf32>, tensor<1x64x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  return %y : tensor<1x16x8xf32>
}

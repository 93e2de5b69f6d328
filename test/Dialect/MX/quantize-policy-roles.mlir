// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=e2m1 activations=e4m3" 2>/dev/null | FileCheck %s
// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-quantize-policy="weights=e2m1 activations=e4m3 activation-products=false" | FileCheck %s --check-prefix=KEEP

// A weight written as a constant followed by a transpose (how torch-mlir
// exports nn.Linear) or a reshape is still a weight: it gets the weight
// format, and is laid out at compile time (the transposed constant), so
// that its quantization folds too; the dead layout ops go at the next
// canonicalization.
// CHECK-LABEL: func.func @transposed_constant
// CHECK: %[[W:.*]] = arith.constant dense<"0x0000003F0000803F{{.*}}"> : tensor<64x8xf32>
// CHECK: mx.quantize %[[W]] : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
// KEEP-LABEL: func.func @transposed_constant
// KEEP: mx.matmul
func.func @transposed_constant(%x: tensor<16x64xf32>) -> tensor<16x8xf32> {
  %w = arith.constant dense<[[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]]> : tensor<1x8xf32>
  %wb = tensor.collapse_shape %w [[0, 1]] : tensor<1x8xf32> into tensor<8xf32>
  %e0 = tensor.empty() : tensor<8x64xf32>
  %wide = linalg.broadcast ins(%wb : tensor<8xf32>) outs(%e0 : tensor<8x64xf32>) dimensions = [1]
  %e = tensor.empty() : tensor<64x8xf32>
  %wt = linalg.transpose ins(%wide : tensor<8x64xf32>) outs(%e : tensor<64x8xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<16x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x8xf32>) -> tensor<16x8xf32>
  %y = linalg.matmul ins(%x, %wt : tensor<16x64xf32>, tensor<64x8xf32>) outs(%z : tensor<16x8xf32>) -> tensor<16x8xf32>
  return %y : tensor<16x8xf32>
}

// -----

// Two activations (attention's Q K^T): quantized by default, kept in f32
// with activation-products=false.
// CHECK-LABEL: func.func @activations
// CHECK: mx.matmul {{.*}} : !mx.tensor<16x32xf8E4M3FN, block = [1, 32]>, !mx.tensor<32x16xf8E4M3FN, block = [32, 1]>
// KEEP-LABEL: func.func @activations
// KEEP-NOT: mx.
// KEEP: linalg.matmul
func.func @activations(%q: tensor<16x32xf32>, %k: tensor<32x16xf32>) -> tensor<16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<16x16xf32>) -> tensor<16x16xf32>
  // expected-remark @below {{mx-quantize-policy: kept in f32 by the policy (activation-products=false: neither operand is a weight)}}
  %y = linalg.matmul ins(%q, %k : tensor<16x32xf32>, tensor<32x16xf32>) outs(%z : tensor<16x16xf32>) -> tensor<16x16xf32>
  return %y : tensor<16x16xf32>
}

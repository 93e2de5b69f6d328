// RUN: mx-opt %s -mx-expand-casts | FileCheck %s
// RUN: mx-opt %s -pass-pipeline="builtin.module(func.func(mx-expand-casts))" | FileCheck %s

// CHECK-LABEL: func.func @cast_defaults
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>)
// CHECK: %[[F:.+]] = mx.dequantize %[[Q]] : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> tensor<64x128xf32>
// CHECK: %[[R:.+]] = mx.quantize %[[F]] : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [32, 32]>
// CHECK-NOT: mx.cast
// CHECK: return %[[R]]
func.func @cast_defaults(%q: !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>) -> !mx.tensor<64x128xf4E2M1FN, block = [32, 32]> {
  %r = mx.cast %q : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x128xf4E2M1FN, block = [32, 32]>
  return %r : !mx.tensor<64x128xf4E2M1FN, block = [32, 32]>
}

// Every rounding attribute carries over.
// CHECK-LABEL: func.func @cast_attributes
// CHECK: %[[F:.+]] = mx.dequantize %{{.*}} -> tensor<?x64xf32>
// CHECK: mx.quantize %[[F]] scale_rule<rceil> rounding<stochastic> seed(11) saturation<nonfinite> : tensor<?x64xf32> -> !mx.tensor<?x64xf8E5M2, block = [1, 32]>
func.func @cast_attributes(%q: !mx.tensor<?x64xi8, block = [1, 32]>) -> !mx.tensor<?x64xf8E5M2, block = [1, 32]> {
  %r = mx.cast %q scale_rule<rceil> rounding<stochastic> seed(11) saturation<nonfinite> : !mx.tensor<?x64xi8, block = [1, 32]> -> !mx.tensor<?x64xf8E5M2, block = [1, 32]>
  return %r : !mx.tensor<?x64xf8E5M2, block = [1, 32]>
}

// The pass expands; folding a same-type cast is -canonicalize's job.
// CHECK-LABEL: func.func @cast_same_type
// CHECK: mx.dequantize
// CHECK: mx.quantize
func.func @cast_same_type(%q: !mx.tensor<32xf8E4M3FN, block = [32]>) -> !mx.tensor<32xf8E4M3FN, block = [32]> {
  %r = mx.cast %q : !mx.tensor<32xf8E4M3FN, block = [32]> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return %r : !mx.tensor<32xf8E4M3FN, block = [32]>
}

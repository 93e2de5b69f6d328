// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-prepare-weights | FileCheck %s

// The weights' layout ops and quantizes move to @f_prepare; @f_prepared
// takes their results; @f stays. A weight argument still used otherwise (%w
// is returned) stays an argument of @f_prepared; %v, used only through its
// quantize, is gone. The bias (no {mx.weight}) is not touched. Every
// argument of both functions that was @f's records its position there.
// CHECK-LABEL: func.func @f(
// CHECK: mx.quantize
// CHECK-LABEL: func.func @f_prepare(
// CHECK-SAME: %[[W:.+]]: tensor<8x64xf32> {mx.argument = 1 : i64, mx.weight}, %[[V:.+]]: tensor<64x8xf32> {mx.argument = 3 : i64, mx.weight})
// CHECK-SAME: -> (!mx.tensor<64x8xf4E2M1FN, block = [32, 1]>, !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<64x8xf32>
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[W]] : tensor<8x64xf32>) outs(%[[E]]
// CHECK: %[[QT:.+]] = mx.quantize %[[T]]
// CHECK: %[[QV:.+]] = mx.quantize %[[V]]
// CHECK: return %[[QT]], %[[QV]]
// CHECK-LABEL: func.func @f_prepared(
// CHECK-SAME: %[[X:[^:]+]]: tensor<1x64xf32> {mx.argument = 0 : i64}, %[[W2:[^:]+]]: tensor<8x64xf32> {mx.argument = 1 : i64, mx.weight}, %[[B:[^:]+]]: tensor<1x8xf32> {mx.argument = 2 : i64},
// CHECK-SAME: %[[P0:[^:]+]]: !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> {mx.prepared_weight = 0 : i64},
// CHECK-SAME: %[[P1:[^:]+]]: !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> {mx.prepared_weight = 1 : i64})
// CHECK-NOT: mx.quantize
// CHECK-NOT: linalg.transpose
// CHECK: mx.matmul %[[X]], %[[P0]]
// CHECK: mx.matmul %[[X]], %[[P1]]
// CHECK: return %{{.+}}, %[[W2]]
func.func @f(%x: tensor<1x64xf32>, %w: tensor<8x64xf32> {mx.weight}, %b: tensor<1x8xf32>,
             %v: tensor<64x8xf32> {mx.weight}) -> (tensor<1x8xf32>, tensor<8x64xf32>) {
  %e = tensor.empty() : tensor<64x8xf32>
  %t = linalg.transpose ins(%w : tensor<8x64xf32>) outs(%e : tensor<64x8xf32>) permutation = [1, 0]
  %qt = mx.quantize %t : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
  %y = mx.matmul %x, %qt : tensor<1x64xf32>, !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> -> tensor<1x8xf32>
  %qv = mx.quantize %v : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
  %z = mx.matmul %x, %qv : tensor<1x64xf32>, !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> -> tensor<1x8xf32>
  %s = arith.addf %y, %z : tensor<1x8xf32>
  %r = arith.addf %s, %b : tensor<1x8xf32>
  return %r, %w : tensor<1x8xf32>, tensor<8x64xf32>
}

// -----

// A weight stored N x K, quantized in row blocks and then transposed (what
// mx-quantize-policy makes of a weight used transposed): the prepare
// function returns the transposed operand, which the quantize alone only
// fed; a quantize also read elsewhere is returned beside its transpose.
// CHECK-LABEL: func.func @transposed_prepare(
// CHECK-SAME: -> (!mx.tensor<64x8xf8E4M3FN, block = [32, 1]>, !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>)
// CHECK: %[[Q:.+]] = mx.quantize %arg0
// CHECK: %[[T:.+]] = mx.transpose %[[Q]] [1, 0]
// CHECK: %[[R:.+]] = mx.quantize %arg1
// CHECK: %[[U:.+]] = mx.transpose %[[R]] [1, 0]
// CHECK: return %[[T]], %[[R]], %[[U]]
// CHECK-LABEL: func.func @transposed_prepared(
// CHECK-SAME: %{{[^:]+}}: tensor<1x64xf32> {mx.argument = 0 : i64},
// CHECK-SAME: {mx.prepared_weight = 0 : i64}
// CHECK-SAME: {mx.prepared_weight = 1 : i64}
// CHECK-SAME: {mx.prepared_weight = 2 : i64})
// CHECK-NOT: mx.transpose
// CHECK-NOT: mx.quantize
// CHECK: return
func.func @transposed(%x: tensor<1x64xf32>, %w: tensor<8x64xf32> {mx.weight}, %v: tensor<8x64xf32> {mx.weight})
    -> (tensor<1x8xf32>, tensor<1x8xf32>, !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>) {
  %q = mx.quantize %w : tensor<8x64xf32> -> !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>
  %t = mx.transpose %q [1, 0] : !mx.tensor<8x64xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
  %y = mx.matmul %x, %t : tensor<1x64xf32>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<1x8xf32>
  %r = mx.quantize %v : tensor<8x64xf32> -> !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>
  %u = mx.transpose %r [1, 0] : !mx.tensor<8x64xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
  %z = mx.matmul %x, %u : tensor<1x64xf32>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<1x8xf32>
  return %y, %z, %r : tensor<1x8xf32>, tensor<1x8xf32>, !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>
}

// -----

// A weight that is mixed with an activation before its quantize is not a
// weight alone; a quantize inside a loop stays. Nothing to prepare: a remark.
// CHECK-LABEL: func.func @nothing
// CHECK-NOT: func.func @nothing_prepare
// expected-remark @+1 {{mx-prepare-weights: no quantize of {mx.weight} arguments at the function's top level; nothing to prepare}}
func.func @nothing(%x: tensor<64x8xf32>, %w: tensor<64x8xf32> {mx.weight}) -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> {
  %s = arith.addf %x, %w : tensor<64x8xf32>
  %q = mx.quantize %s : tensor<64x8xf32> -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
  return %q : !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
}

// Functions without weight arguments are left alone, silently.
// CHECK-LABEL: func.func @no_weights
// CHECK-NOT: func.func @no_weights_prepare
func.func @no_weights(%x: tensor<64x8xf32>) -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> {
  %q = mx.quantize %x : tensor<64x8xf32> -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
  return %q : !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
}

// -----

func.func private @g_prepare()

// expected-error @+1 {{mx-prepare-weights: the module already has a symbol named 'g_prepare'}}
func.func @g(%w: tensor<64x8xf32> {mx.weight}) -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> {
  %q = mx.quantize %w : tensor<64x8xf32> -> !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
  return %q : !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>
}

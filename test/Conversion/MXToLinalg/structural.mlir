// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// Function signatures, calls and returns carry both halves (1:N).
// CHECK-LABEL: func.func @callee
// CHECK-SAME: (%[[C:.+]]: tensor<64xi8>, %[[S:.+]]: tensor<2xf8E8M0FNU>) -> (tensor<64xi8>, tensor<2xf8E8M0FNU>)
// CHECK-NEXT: return %[[C]], %[[S]]
func.func @callee(%q: !mx.tensor<64xf8E5M2, block = [32]>) -> !mx.tensor<64xf8E5M2, block = [32]> {
  return %q : !mx.tensor<64xf8E5M2, block = [32]>
}
// CHECK-LABEL: func.func @caller
// CHECK: %[[R:.+]]:2 = call @callee(%{{.*}}, %{{.*}}) : (tensor<64xi8>, tensor<2xf8E8M0FNU>) -> (tensor<64xi8>, tensor<2xf8E8M0FNU>)
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @caller(%q: !mx.tensor<64xf8E5M2, block = [32]>) -> !mx.tensor<64xf8E5M2, block = [32]> {
  %r = call @callee(%q) : (!mx.tensor<64xf8E5M2, block = [32]>) -> !mx.tensor<64xf8E5M2, block = [32]>
  return %r : !mx.tensor<64xf8E5M2, block = [32]>
}

// -----

// pack/unpack convert between builtin narrow types and i8 codes.
// CHECK-LABEL: func.func @pack_unpack
// CHECK-SAME: -> tensor<8x32xf4E2M1FN>
// CHECK: linalg.generic
// CHECK: arith.bitcast %{{.*}} : f4E2M1FN to i4
// CHECK: arith.extui %{{.*}} : i4 to i8
// CHECK: linalg.generic
// CHECK: arith.trunci %{{.*}} : i8 to i4
// CHECK: arith.bitcast %{{.*}} : i4 to f4E2M1FN
func.func @pack_unpack(%e: tensor<8x32xf4E2M1FN>, %s: tensor<8x1xf8E8M0FNU>) -> tensor<8x32xf4E2M1FN> {
  %p = mx.pack %e, %s : tensor<8x32xf4E2M1FN>, tensor<8x1xf8E8M0FNU> -> !mx.tensor<8x32xf4E2M1FN, block = [1, 32]>
  %l = mx.ldexp %p, 1 : !mx.tensor<8x32xf4E2M1FN, block = [1, 32]>
  %e2, %s2 = mx.unpack %l : !mx.tensor<8x32xf4E2M1FN, block = [1, 32]> -> tensor<8x32xf4E2M1FN>, tensor<8x1xf8E8M0FNU>
  return %e2 : tensor<8x32xf4E2M1FN>
}

// -----

// FP4 codes are stored two per byte along the innermost dimension (an odd
// extent gets a zero high nibble); FP6 and FP8 one per byte.
// CHECK-LABEL: func.func @fp4_storage
// CHECK-SAME: (%{{.*}}: tensor<3x33xf32>) -> (tensor<3x17xi8>, tensor<3x2xf8E8M0FNU>, tensor<3x33xi8>, tensor<3x2xf8E8M0FNU>)
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 1]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [3, 17, 2] : tensor<3x34xi8> into tensor<3x17x2xi8>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.shli
// CHECK: arith.ori
func.func @fp4_storage(%x: tensor<3x33xf32>) -> (!mx.tensor<3x33xf4E2M1FN, block = [1, 32]>, !mx.tensor<3x33xf6E2M3FN, block = [1, 32]>) {
  %a = mx.quantize %x : tensor<3x33xf32> -> !mx.tensor<3x33xf4E2M1FN, block = [1, 32]>
  %b = mx.quantize %x : tensor<3x33xf32> -> !mx.tensor<3x33xf6E2M3FN, block = [1, 32]>
  return %a, %b : !mx.tensor<3x33xf4E2M1FN, block = [1, 32]>, !mx.tensor<3x33xf6E2M3FN, block = [1, 32]>
}

// -----

// ldexp touches only the scales; out of range gives the NaN code 255.
// CHECK-LABEL: func.func @ldexp
// CHECK-SAME: (%[[C:.+]]: tensor<64xi8>, %[[S:.+]]: tensor<2xf8E8M0FNU>)
// CHECK: %[[NEW:.+]] = linalg.generic {{.*}} ins(%[[S]] : tensor<2xf8E8M0FNU>)
// CHECK: arith.addi %{{.*}}, %c-3_i32
// CHECK: arith.select %{{.*}}, %c255_i32
// CHECK: return %[[C]], %[[NEW]]
func.func @ldexp(%q: !mx.tensor<64xi8, block = [32]>) -> !mx.tensor<64xi8, block = [32]> {
  %r = mx.ldexp %q, -3 : !mx.tensor<64xi8, block = [32]>
  return %r : !mx.tensor<64xi8, block = [32]>
}

// -----

// A cast is expanded and lowered like its definition.
// CHECK-LABEL: func.func @cast
// CHECK-NOT: mx.
// CHECK: return
func.func @cast(%q: !mx.tensor<64xi8, block = [32]>) -> !mx.tensor<64xf4E2M1FN, block = [32]> {
  %r = mx.cast %q scale_rule<rceil> : !mx.tensor<64xi8, block = [32]> -> !mx.tensor<64xf4E2M1FN, block = [32]>
  return %r : !mx.tensor<64xf4E2M1FN, block = [32]>
}

// -----

// Argument and result attributes stay with their values: both parts of a
// split !mx.tensor get its attributes, and a later argument keeps its own.
// CHECK-LABEL: func.func @attributes
// CHECK-SAME: (%{{.*}}: tensor<2x32xi8> {mx.weight}, %{{.*}}: tensor<2x1xf8E8M0FNU> {mx.weight}, %{{.*}}: tensor<2x32xf32> {bufferization.writable = false})
// CHECK-SAME: -> (tensor<2x32xi8> {test.result}, tensor<2x1xf8E8M0FNU> {test.result}, tensor<2x32xf32>)
func.func @attributes(%q: !mx.tensor<2x32xi8, block = [1, 32]> {mx.weight}, %t: tensor<2x32xf32> {bufferization.writable = false})
    -> (!mx.tensor<2x32xi8, block = [1, 32]> {test.result}, tensor<2x32xf32>) {
  return %q, %t : !mx.tensor<2x32xi8, block = [1, 32]>, tensor<2x32xf32>
}

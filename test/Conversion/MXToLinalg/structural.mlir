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

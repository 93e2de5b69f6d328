// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// Packing constant elements happens at compile time: the storage is a
// constant, FP4 two codes per byte (element 2i in the low nibble; an odd
// row leaves the last high nibble zero), and no packing code remains.

// Codes: 4.0 -> 6, -2.0 -> 0xC, 0.5 -> 1, 6.0 -> 7, 1.0 -> 2.
// CHECK-LABEL: func.func @fp4_odd_rows
// CHECK-SAME: -> (tensor<2x2xi8>, tensor<2x1xf8E8M0FNU>)
// CHECK-DAG: %[[STORAGE:.+]] = arith.constant dense<{{\[\[}}-58, 1], [23, 2]]> : tensor<2x2xi8>
// CHECK-DAG: %[[SCALES:.+]] = arith.constant dense<1.000000e+00> : tensor<2x1xf8E8M0FNU>
// CHECK-NOT: linalg.generic
// CHECK: return %[[STORAGE]], %[[SCALES]]
func.func @fp4_odd_rows() -> !mx.tensor<2x3xf4E2M1FN, block = [1, 3]> {
  %e = arith.constant dense<[[4.0, -2.0, 0.5], [6.0, 0.5, 1.0]]> : tensor<2x3xf4E2M1FN>
  %s = arith.constant dense<1.0> : tensor<2x1xf8E8M0FNU>
  %q = mx.pack %e, %s : tensor<2x3xf4E2M1FN>, tensor<2x1xf8E8M0FNU> -> !mx.tensor<2x3xf4E2M1FN, block = [1, 3]>
  return %q : !mx.tensor<2x3xf4E2M1FN, block = [1, 3]>
}

// -----

// One byte per code otherwise: E4M3 1.0 = 0x38, -448 = 0xFE; a splat stays one.
// CHECK-LABEL: func.func @fp8
// CHECK-DAG: arith.constant dense<[56, -2]> : tensor<2xi8>
// CHECK-DAG: arith.constant dense<7> : tensor<4xi8>
// CHECK-NOT: linalg.generic
func.func @fp8() -> (!mx.tensor<2xf8E4M3FN, block = [2]>, !mx.tensor<4xf6E3M2FN, block = [4]>) {
  %e = arith.constant dense<[1.0, -448.0]> : tensor<2xf8E4M3FN>
  %s = arith.constant dense<1.0> : tensor<1xf8E8M0FNU>
  %q = mx.pack %e, %s : tensor<2xf8E4M3FN>, tensor<1xf8E8M0FNU> -> !mx.tensor<2xf8E4M3FN, block = [2]>
  %e6 = arith.constant dense<0.4375> : tensor<4xf6E3M2FN>
  %q6 = mx.pack %e6, %s : tensor<4xf6E3M2FN>, tensor<1xf8E8M0FNU> -> !mx.tensor<4xf6E3M2FN, block = [4]>
  return %q, %q6 : !mx.tensor<2xf8E4M3FN, block = [2]>, !mx.tensor<4xf6E3M2FN, block = [4]>
}

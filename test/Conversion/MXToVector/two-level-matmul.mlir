// RUN: mx-opt %s -convert-mx-to-vector -split-input-file | FileCheck %s

// MX6 x MX4: both operands are exactly the MXINT8 tensors of their blocks,
// so the product runs on the packed integer kernel (vpdpbusd).
// CHECK-LABEL: func.func @mx6_mx4
// CHECK: mx.avx512.dot_u8s8
// CHECK-NOT: mx.matmul
func.func @mx6_mx4(%a: !mx.tensor<32x64x!mx.microexp<mx6>, block = [1, 16]>, %b: !mx.tensor<64x32x!mx.microexp<mx4>, block = [16, 1]>) -> tensor<32x32xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<32x64x!mx.microexp<mx6>, block = [1, 16]>, !mx.tensor<64x32x!mx.microexp<mx4>, block = [16, 1]> -> tensor<32x32xf32>
  return %c : tensor<32x32xf32>
}

// -----

// An MX9 lhs (m = 7: its values need 8 bits) enters as its f32 values:
// the weight-only kernel's f32 FMA on the MXINT8 rhs.
// CHECK-LABEL: func.func @mx9_mx4
// CHECK-NOT: mx.avx512.dot_u8s8
// CHECK: vector.fma
func.func @mx9_mx4(%a: !mx.tensor<32x64x!mx.microexp<mx9>, block = [1, 16]>, %b: !mx.tensor<64x32x!mx.microexp<mx4>, block = [16, 1]>) -> tensor<32x32xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<32x64x!mx.microexp<mx9>, block = [1, 16]>, !mx.tensor<64x32x!mx.microexp<mx4>, block = [16, 1]> -> tensor<32x32xf32>
  return %c : tensor<32x32xf32>
}

// -----

// An MX9 rhs, or two-bit microexponents, have no kernel form: the linalg
// lowering, and no operand rewritten.
// CHECK-LABEL: func.func @no_kernel_form
// CHECK-NOT: mx.avx512
// CHECK-NOT: vector.fma
// CHECK: linalg.generic
func.func @no_kernel_form(%a: !mx.tensor<32x64x!mx.microexp<mx4>, block = [1, 16]>, %b: !mx.tensor<64x32x!mx.microexp<mx9>, block = [16, 1]>, %c: !mx.tensor<32x64x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [1, 16]>, %d: !mx.tensor<64x32x!mx.microexp<mx6>, block = [16, 1]>) -> (tensor<32x32xf32>, tensor<32x32xf32>) {
  %x = mx.matmul %a, %b : !mx.tensor<32x64x!mx.microexp<mx4>, block = [1, 16]>, !mx.tensor<64x32x!mx.microexp<mx9>, block = [16, 1]> -> tensor<32x32xf32>
  %y = mx.matmul %c, %d : !mx.tensor<32x64x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [1, 16]>, !mx.tensor<64x32x!mx.microexp<mx6>, block = [16, 1]> -> tensor<32x32xf32>
  return %x, %y : tensor<32x32xf32>, tensor<32x32xf32>
}

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

// An MX9 rhs (no MXINT8 blocks) is decoded by the packer: 16 blocks of 16
// adjacent columns, transposed by lane shuffles, into f32 panels; the MX9
// lhs enters as its f32 values (the two-level dequantize kernel). N = 40 is
// widened to 48 and sliced back.
// CHECK-LABEL: func.func @mx9_rhs
// CHECK-NOT: linalg.generic
// CHECK: vector.shuffle
// CHECK: vector.fma
// CHECK: tensor.extract_slice {{.*}}[0, 0] [32, 40] [1, 1] : tensor<32x48xf32> to tensor<32x40xf32>
// CHECK-NOT: mx.matmul
func.func @mx9_rhs(%a: !mx.tensor<32x64x!mx.microexp<mx9>, block = [1, 16]>, %b: !mx.tensor<64x40x!mx.microexp<mx9>, block = [16, 1]>) -> tensor<32x40xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<32x64x!mx.microexp<mx9>, block = [1, 16]>, !mx.tensor<64x40x!mx.microexp<mx9>, block = [16, 1]> -> tensor<32x40xf32>
  return %c : tensor<32x40xf32>
}

// -----

// Two-bit microexponents in the rhs: decoded the same way, whatever the lhs
// (MX6 here, as its f32 values, not as MXINT8).
// CHECK-LABEL: func.func @two_bit_rhs
// CHECK-NOT: mx.avx512.dot_u8s8
// CHECK: vector.fma
// CHECK-NOT: tensor.extract_slice
func.func @two_bit_rhs(%a: !mx.tensor<32x64x!mx.microexp<mx6>, block = [1, 16]>, %b: !mx.tensor<64x32x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [16, 1]>) -> tensor<32x32xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<32x64x!mx.microexp<mx6>, block = [1, 16]>, !mx.tensor<64x32x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [16, 1]> -> tensor<32x32xf32>
  return %c : tensor<32x32xf32>
}

// -----

// Blocks of 32 along K have no kernel form (a block is one vector of 16):
// the linalg lowering, and no operand rewritten.
// CHECK-LABEL: func.func @no_kernel_form
// CHECK-NOT: mx.avx512
// CHECK-NOT: vector.fma
// CHECK: linalg.generic
func.func @no_kernel_form(%a: !mx.tensor<32x64x!mx.microexp<mx9>, block = [1, 32]>, %b: !mx.tensor<64x32x!mx.microexp<mx9>, block = [32, 1]>) -> tensor<32x32xf32> {
  %x = mx.matmul %a, %b : !mx.tensor<32x64x!mx.microexp<mx9>, block = [1, 32]>, !mx.tensor<64x32x!mx.microexp<mx9>, block = [32, 1]> -> tensor<32x32xf32>
  return %x : tensor<32x32xf32>
}

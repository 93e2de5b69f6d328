// RUN: mx-opt %s -convert-mx-to-vector=prepack-weights=true | FileCheck %s --check-prefix=PREPACKED
// RUN: mx-opt %s -convert-mx-to-vector | FileCheck %s --check-prefix=PER-CALL

// Constant MX9 weights (mx.from_storage of a constant): with
// prepack-weights their exact f32 values are stored in the FMA kernel's
// panels at compile time (32 x 16 values; every block here has E = 1, so
// the values are multiples of 2^-133, f32 subnormals); without, the packer
// decodes the blocks on every call (16 blocks per step, a 16 x 16
// transpose by lane shuffles).
// PREPACKED: memref.global "private" constant @__mx_rhs_packed_{{[0-9a-f]+}} : memref<512xf32> = dense<"0x00000100
// PREPACKED-LABEL: func.func @constant_mx9
// PREPACKED-NOT: vector.shuffle
// PREPACKED: memref.get_global @__mx_rhs_packed_{{[0-9a-f]+}} : memref<512xf32>
// PREPACKED: vector.fma
// PER-CALL-NOT: memref.global
// PER-CALL-LABEL: func.func @constant_mx9
// PER-CALL: vector.shuffle
// PER-CALL: vector.fma
func.func @constant_mx9(%x: tensor<4x32xf32>) -> tensor<4x16xf32> {
  %s = arith.constant dense<1> : tensor<2x16x18xi8>
  %w = mx.from_storage %s : tensor<2x16x18xi8> -> !mx.tensor<32x16x!mx.microexp<mx9>, block = [16, 1]>
  %c = mx.matmul %x, %w : tensor<4x32xf32>, !mx.tensor<32x16x!mx.microexp<mx9>, block = [16, 1]> -> tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}

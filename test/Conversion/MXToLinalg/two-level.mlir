// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// A two-level tensor is one tensor of packed blocks (grid x bytes: 18 per
// MX9 block). Quantize pads to whole blocks, splits the axis into (block,
// sub-block, element), reduces sub-block and block maxima, derives E, the
// microexponents and the codes, and bit-packs them.
// CHECK-LABEL: func.func @quantize
// CHECK-SAME: (%[[X:.+]]: tensor<3x20xf32>) -> tensor<3x2x18xi8>
// CHECK: %[[P:.+]] = tensor.pad %[[X]] low[0, 0] high[0, 12]
// CHECK: %[[S:.+]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1, 2, 3]] output_shape [3, 2, 8, 2]
// CHECK: %[[SUB:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[S]] : tensor<3x2x8x2xf32>) outs(%{{.*}} : tensor<3x2x8xf32>)
// CHECK: %[[BLK:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[SUB]] : tensor<3x2x8xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: %[[E:.+]] = linalg.generic {{.*}} ins(%[[BLK]] : tensor<3x2xf32>) outs(%{{.*}} : tensor<3x2xi32>)
// CHECK: %[[MU:.+]] = linalg.generic {{.*}} ins(%[[SUB]], %[[E]] : tensor<3x2x8xf32>, tensor<3x2xi32>) outs(%{{.*}} : tensor<3x2x8xi32>)
// CHECK: %[[CODES:.+]] = linalg.generic {{.*}} ins(%[[S]], %[[E]], %[[MU]] : tensor<3x2x8x2xf32>, tensor<3x2xi32>, tensor<3x2x8xi32>) outs(%{{.*}} : tensor<3x2x8x2xi32>)
// CHECK: math.roundeven %{{.*}} : f64
// CHECK: %[[PACKED:.+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<3x2x18xi8>)
// CHECK: return %[[PACKED]] : tensor<3x2x18xi8>
func.func @quantize(%x: tensor<3x20xf32>) -> !mx.tensor<3x20x!mx.microexp<mx9>, block = [1, 16]> {
  %q = mx.quantize %x : tensor<3x20xf32> -> !mx.tensor<3x20x!mx.microexp<mx9>, block = [1, 16]>
  return %q : !mx.tensor<3x20x!mx.microexp<mx9>, block = [1, 16]>
}

// -----

// Round toward zero is the truncation of fptoui: no roundeven.
// CHECK-LABEL: func.func @quantize_rtz
// CHECK-SAME: -> tensor<2x8xi8>
// CHECK-NOT: math.roundeven
// CHECK: arith.fptoui
func.func @quantize_rtz(%x: tensor<32xf16>) -> !mx.tensor<32x!mx.microexp<mx4>, block = [16]> {
  %q = mx.quantize %x rounding<rtz> : tensor<32xf16> -> !mx.tensor<32x!mx.microexp<mx4>, block = [16]>
  return %q : !mx.tensor<32x!mx.microexp<mx4>, block = [16]>
}

// -----

// Dequantize reads each element's bits from its block; blocks along the
// first axis give a grid of 2 x 3 blocks of 19 bytes.
// CHECK-LABEL: func.func @dequantize
// CHECK-SAME: (%[[B:.+]]: tensor<2x3x19xi8>) -> tensor<40x3xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<40x3xf32>)
// CHECK: tensor.extract %[[B]]
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @dequantize(%q: !mx.tensor<40x3x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [32, 1]>) -> tensor<40x3xf32> {
  %d = mx.dequantize %q : !mx.tensor<40x3x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [32, 1]> -> tensor<40x3xf32>
  return %d : tensor<40x3xf32>
}

// -----

// A two-level matmul operand enters as its exact f32 values.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%{{.*}}: tensor<4x2x12xi8>, %{{.*}}: tensor<32x8xi8>, %{{.*}}: tensor<2x8xf8E8M0FNU>) -> tensor<4x8xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x32xf32>)
// CHECK: scf.for
func.func @matmul(%a: !mx.tensor<4x32x!mx.microexp<mx6>, block = [1, 16]>, %b: !mx.tensor<32x8xf8E4M3FN, block = [16, 1]>) -> tensor<4x8xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<4x32x!mx.microexp<mx6>, block = [1, 16]>, !mx.tensor<32x8xf8E4M3FN, block = [16, 1]> -> tensor<4x8xf32>
  return %c : tensor<4x8xf32>
}

// -----

// Storage in and out is the converted value itself.
// CHECK-LABEL: func.func @storage
// CHECK-SAME: (%[[B:.+]]: tensor<2x3x19xi8>) -> tensor<2x3x19xi8>
// CHECK-NEXT: return %[[B]]
func.func @storage(%b: tensor<2x3x19xi8>) -> !mx.tensor<40x3x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [32, 1]> {
  %q = mx.from_storage %b : tensor<2x3x19xi8> -> !mx.tensor<40x3x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [32, 1]>
  return %q : !mx.tensor<40x3x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [32, 1]>
}

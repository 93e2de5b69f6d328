// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// The MX result becomes (codes, scales); the element conversion is one
// elementwise linalg.generic over the blocked view, with the block's scale as
// a broadcast operand, and integer ops on the f32 bits.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[GRID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
// CHECK-LABEL: func.func @quantize
// CHECK-SAME: (%[[X:.+]]: tensor<4x40xf32>) -> (tensor<4x40xi8>, tensor<4x2xf8E8M0FNU>)
// CHECK: %[[SCALES:.+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x2xf8E8M0FNU>)
// CHECK: %[[PAD:.+]] = tensor.pad %[[X]] low[0, 0] high[0, 24]
// CHECK: %[[XB:.+]] = tensor.expand_shape %[[PAD]] {{\[\[}}0, 1], [2, 3]] output_shape [4, 1, 2, 32]
// CHECK: %[[CB:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[GRID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[XB]], %[[SCALES]] : tensor<4x1x2x32xf32>, tensor<4x2xf8E8M0FNU>) outs(%{{.*}} : tensor<4x1x2x32xi8>)
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.uitofp %{{.*}} : i32 to f32
// CHECK-NOT: arith.divf
// CHECK-NOT: arith.truncf
// CHECK-NOT: func.call
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: %[[COLLAPSED:.+]] = tensor.collapse_shape %[[CB]] {{\[\[}}0, 1], [2, 3]] : tensor<4x1x2x32xi8> into tensor<4x64xi8>
// CHECK: %[[CODES:.+]] = tensor.extract_slice %[[COLLAPSED]][0, 0] [4, 40] [1, 1]
// CHECK: return %[[CODES]], %[[SCALES]] : tensor<4x40xi8>, tensor<4x2xf8E8M0FNU>
func.func @quantize(%x: tensor<4x40xf32>) -> !mx.tensor<4x40xf8E4M3FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<4x40xf32> -> !mx.tensor<4x40xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<4x40xf8E4M3FN, block = [1, 32]>
}

// -----

// Stochastic rounding: Philox from the element's linear index (linalg.index,
// row-major in the unpadded tensor) and the seed, all in i64 vector-friendly ops.
// CHECK-LABEL: func.func @quantize_stochastic
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.muli %{{.*}}, %{{.*}} : i64
// CHECK: arith.constant 3528531795 : i64
// CHECK: arith.trunci %{{.*}} : i64 to i32
func.func @quantize_stochastic(%x: tensor<64xbf16>) -> !mx.tensor<64xf4E2M1FN, block = [32]> {
  %q = mx.quantize %x rounding<stochastic> seed(42) : tensor<64xbf16> -> !mx.tensor<64xf4E2M1FN, block = [32]>
  return %q : !mx.tensor<64xf4E2M1FN, block = [32]>
}

// -----

// Given scales are used as they are: no amax, no scale rule.
// CHECK-LABEL: func.func @quantize_given_scales
// CHECK-SAME: (%[[X:.+]]: tensor<64x64xf32>, %[[S:.+]]: tensor<2x2xf8E8M0FNU>)
// CHECK-NOT: arith.maximumf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : tensor<2x32x2x32xf32>, tensor<2x2xf8E8M0FNU>)
// CHECK: return %{{.*}}, %[[S]]
func.func @quantize_given_scales(%x: tensor<64x64xf32>, %s: tensor<2x2xf8E8M0FNU>) -> !mx.tensor<64x64xi8, block = [32, 32]> {
  %q = mx.quantize %x scales(%s : tensor<2x2xf8E8M0FNU>) : tensor<64x64xf32> -> !mx.tensor<64x64xi8, block = [32, 32]>
  return %q : !mx.tensor<64x64xi8, block = [32, 32]>
}

// -----

// A block longer than its dimension is one partial block, viewed with the
// dimension's length: no padding (to 2^40 elements here).
// CHECK-LABEL: func.func @block_past_the_dimension
// CHECK-NOT: tensor.pad
// CHECK: tensor.expand_shape %{{.*}} output_shape [4, 1, 1, 40] : tensor<4x40xf32> into tensor<4x1x1x40xf32>
// CHECK-NOT: tensor.pad
// CHECK: return %{{.*}}, %{{.*}} : tensor<4x40xi8>, tensor<4x1xf8E8M0FNU>
func.func @block_past_the_dimension(%x: tensor<4x40xf32>) -> !mx.tensor<4x40xf8E4M3FN, block = [1, 1099511627776]> {
  %q = mx.quantize %x : tensor<4x40xf32> -> !mx.tensor<4x40xf8E4M3FN, block = [1, 1099511627776]>
  return %q : !mx.tensor<4x40xf8E4M3FN, block = [1, 1099511627776]>
}

// RUN: mx-opt %s -convert-mx-to-linalg | FileCheck %s

// Per K-block dots of unscaled elements (K = 80: two full blocks and a
// partial one, padded with zero codes), then block scales and the sum over
// blocks. Scales are expanded to one f32 factor per row (lhs) and per column
// (rhs) by reshapes, so every indexing map stays a projected permutation.
// The products run one row of C and 32 columns at a time: the tile's block
// dots (1 x 3 x 32 f32) feed its scaled sum, and no f32 buffer the size of
// an operand or of all block dots (16 x 3 x 64) is made; the rhs column
// tile is decoded once for all rows.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
// CHECK-DAG: #[[S:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[SBLK:.+]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[XA:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[XB:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[CMAP:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[AC:.+]]: tensor<16x40xi8>, %[[AS:.+]]: tensor<16x3xf8E8M0FNU>, %[[BC:.+]]: tensor<80x64xi8>, %[[BS:.+]]: tensor<3x2xf8E8M0FNU>)
// FP4 codes are stored two per byte: unpack the nibbles first.
// CHECK: %[[NIB:.+]] = linalg.generic {{.*}} ins(%[[AC]] : tensor<16x40xi8>) outs(%{{.*}} : tensor<16x40x2xi8>)
// CHECK: arith.shrui
// CHECK: %[[CODES:.+]] = tensor.collapse_shape %[[NIB]] {{\[\[}}0], [1, 2]] : tensor<16x40x2xi8> into tensor<16x80xi8>
// CHECK: %[[AP:.+]] = tensor.pad %[[CODES]] low[0, 0] high[0, 16]
// CHECK: %[[AB:.+]] = tensor.expand_shape %[[AP]] {{\[\[}}0], [1, 2]] output_shape [16, 3, 32]
// CHECK: %[[BP:.+]] = tensor.pad %[[BC]] low[0, 0] high[16, 0]
// CHECK: %[[BB:.+]] = tensor.expand_shape %[[BP]] {{\[\[}}0, 1], [2]] output_shape [3, 32, 64]
// CHECK: linalg.generic {{.*}} ins(%[[AS]] : tensor<16x3xf8E8M0FNU>) outs(%{{.*}} : tensor<16x1x3xf32>)
// CHECK: %[[XAV:.+]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<16x1x3xf32> into tensor<16x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[BS]] : tensor<3x2xf8E8M0FNU>) outs(%{{.*}} : tensor<3x2x32xf32>)
// CHECK: %[[XBV:.+]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<3x2x32xf32> into tensor<3x64xf32>
// CHECK-NOT: tensor<16x3x64xf32>
// Columns outside: the rhs column tile is decoded once (3 x 32 x 32 f32).
// CHECK: %[[RES:.+]] = scf.for %[[N:.+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<16x64xf32>)
// CHECK: %[[BT:.+]] = tensor.extract_slice %[[BB]][0, 0, %[[N]]] [3, 32, 32] [1, 1, 1] : tensor<3x32x64xi8> to tensor<3x32x32xi8>
// CHECK: %[[BV:.+]] = linalg.generic {{.*}} ins(%[[BT]] : tensor<3x32x32xi8>) outs(%{{.*}} : tensor<3x32x32xf32>)
// CHECK: %[[XBT:.+]] = tensor.extract_slice %[[XBV]][0, %[[N]]] [3, 32] [1, 1] : tensor<3x64xf32> to tensor<3x32xf32>
// Rows inside.
// CHECK: scf.for %[[M:.+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.+]] = %{{.*}}) -> (tensor<16x64xf32>)
// CHECK: %[[AT:.+]] = tensor.extract_slice %[[AB]][%[[M]], 0, 0] [1, 3, 32] [1, 1, 1] : tensor<16x3x32xi8> to tensor<1x3x32xi8>
// CHECK: %[[DOTS:.+]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[AT]], %[[BV]] : tensor<1x3x32xi8>, tensor<3x32x32xf32>) outs(%{{.*}} : tensor<1x3x32xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[XAT:.+]] = tensor.extract_slice %[[XAV]][%[[M]], 0] [1, 3] [1, 1] : tensor<16x3xf32> to tensor<1x3xf32>
// CHECK: %[[TILE:.+]] = linalg.generic {indexing_maps = [#[[SBLK]], #[[XA]], #[[XB]], #[[CMAP]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[DOTS]], %[[XAT]], %[[XBT]] : tensor<1x3x32xf32>, tensor<1x3xf32>, tensor<3x32xf32>) outs(%{{.*}} : tensor<1x32xf32>)
// CHECK: tensor.insert_slice %[[TILE]] into %[[ACC]][%[[M]], %[[N]]] [1, 32] [1, 1]
// CHECK: return %[[RES]] : tensor<16x64xf32>
func.func @matmul(%a: !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>,
                  %b: !mx.tensor<80x64xf8E4M3FN, block = [32, 32]>) -> tensor<16x64xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>, !mx.tensor<80x64xf8E4M3FN, block = [32, 32]> -> tensor<16x64xf32>
  return %c : tensor<16x64xf32>
}

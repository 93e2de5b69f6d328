// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse | FileCheck %s

// Blocks of 32 down columns, 32 columns: a parallel loop over block-rows x
// groups of 16 columns (2 x 2). An iteration loads the block-row's 32 rows
// of 16 adjacent columns (contiguous), keeps their magnitude bits' lane-wise
// maximum (the 16 amaxes, no horizontal reduction), stores the 16 scales
// contiguously at (block-row, column) and then each row's 16 codes.
// CHECK-LABEL: func.func @column_blocks
// CHECK: scf.parallel (%[[I:.+]]) = (%{{.*}}) to (%c4) step
// CHECK: %[[ROW:.+]] = arith.divui %[[I]], %c2 : index
// CHECK: %[[GROUP:.+]] = arith.remui %[[I]], %c2 : index
// CHECK-COUNT-32: vector.load %{{.*}} : memref<2048xf32>, vector<16xf32>
// CHECK: arith.maxui %{{.*}} : vector<16xi32>
// CHECK-NOT: vector.reduction
// CHECK: vector.store %{{.*}} : memref<64xf8E8M0FNU>, vector<16xf8E8M0FNU>
// CHECK-COUNT-32: vector.store %{{.*}} : memref<2048xi8>, vector<16xi8>
// CHECK-NOT: linalg.generic
func.func @column_blocks(%w: tensor<64x32xf32>) -> !mx.tensor<64x32xf8E4M3FN, block = [32, 1]> {
  %q = mx.quantize %w scale_rule<rceil> : tensor<64x32xf32> -> !mx.tensor<64x32xf8E4M3FN, block = [32, 1]>
  return %q : !mx.tensor<64x32xf8E4M3FN, block = [32, 1]>
}

// FP4: each row's 16 codes packed into 8 bytes at half the element index.
// CHECK-LABEL: func.func @column_blocks_fp4
// CHECK: scf.parallel
// CHECK-COUNT-32: vector.store %{{.*}} : memref<1024xi8>, vector<8xi8>
func.func @column_blocks_fp4(%w: tensor<64x32xf32>) -> !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> {
  %q = mx.quantize %w : tensor<64x32xf32> -> !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>
  return %q : !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>
}

// Columns not in whole groups of 16, or a partial block-row: the linalg
// lowering.
// CHECK-LABEL: func.func @not_whole
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
func.func @not_whole(%w: tensor<64x24xf32>, %v: tensor<48x32xf32>)
    -> (!mx.tensor<64x24xf8E4M3FN, block = [32, 1]>, !mx.tensor<48x32xf8E4M3FN, block = [32, 1]>) {
  %q = mx.quantize %w : tensor<64x24xf32> -> !mx.tensor<64x24xf8E4M3FN, block = [32, 1]>
  %r = mx.quantize %v : tensor<48x32xf32> -> !mx.tensor<48x32xf8E4M3FN, block = [32, 1]>
  return %q, %r : !mx.tensor<64x24xf8E4M3FN, block = [32, 1]>, !mx.tensor<48x32xf8E4M3FN, block = [32, 1]>
}

// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// The axis splits into (block, j); one generic reads the block's 16 inputs
// through maps with a constant at j and computes output j as the tree of
// butterflies that reaches it: level L takes a - b where bit L of j is set.
// CHECK-DAG: #[[IN0:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, d3)>
// CHECK-DAG: #[[IN15:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, 15, d3)>
// CHECK-LABEL: func.func @middle_axis
// CHECK-SAME: (%[[X:.+]]: tensor<2x32x3xf32>) -> tensor<2x32x3xf32>
// CHECK: %[[B:.+]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2], [3]] output_shape [2, 2, 16, 3]
// CHECK: %[[G:.+]] = linalg.generic {indexing_maps = [#[[IN0]], {{.*}}, #[[IN15]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[B]], {{.*}} : tensor<2x2x16x3xf32>, {{.*}}) outs(%{{.*}} : tensor<2x2x16x3xf32>)
// CHECK: linalg.index 2 : index
// CHECK-COUNT-15: arith.subf
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[Y:.+]] = tensor.collapse_shape %[[G]] {{\[\[}}0], [1, 2], [3]]
// CHECK: return %[[Y]]
func.func @middle_axis(%x: tensor<2x32x3xf32>) -> tensor<2x32x3xf32> {
  %y = mx.hadamard %x axis(1) seed(1) : tensor<2x32x3xf32>
  return %y : tensor<2x32x3xf32>
}

// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse -split-input-file | FileCheck %s

// Along the last axis each block of 16 is one vector: D, then per stage h
// one shuffle to the partner lanes (i xor h), the sum and the difference
// (partner - lane), selected by bit h of the lane; then 1/4.
// CHECK-LABEL: func.func @forward
// CHECK: scf.parallel
// CHECK: %[[V:.+]] = vector.load %{{.*}} : memref<128xf32>, vector<16xf32>
// CHECK: %[[D:.+]] = arith.mulf %[[V]], %{{.*}} : vector<16xf32>
// CHECK: %[[P1:.+]] = vector.shuffle %[[D]], %[[D]] [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]
// CHECK: %[[S1:.+]] = arith.addf %[[D]], %[[P1]]
// CHECK: %[[M1:.+]] = arith.subf %[[P1]], %[[D]]
// CHECK: %[[H1:.+]] = arith.select %{{.*}}, %[[M1]], %[[S1]]
// CHECK: vector.shuffle %[[H1]], %[[H1]] [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13]
// CHECK: vector.shuffle %{{.*}} [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11]
// CHECK: vector.shuffle %{{.*}} [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]
// CHECK: %[[Q:.+]] = arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.store %[[Q]], %{{.*}} : memref<128xf32>, vector<16xf32>
func.func @forward(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %y = mx.hadamard %x axis(1) seed(7) : tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// The inverse applies D after the 1/4.
// CHECK-LABEL: func.func @inverse
// CHECK: vector.shuffle %{{.*}} [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]
// CHECK: arith.select
// CHECK: %[[Q:.+]] = arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: %[[R:.+]] = arith.mulf %[[Q]], %{{.*}} : vector<16xf32>
// CHECK: vector.store %[[R]]
func.func @inverse(%x: tensor<16xf32>) -> tensor<16xf32> {
  %y = mx.hadamard %x axis(0) seed(7) inverse : tensor<16xf32>
  return %y : tensor<16xf32>
}

// -----

// Along another axis: the linalg lowering.
// CHECK-LABEL: func.func @first_axis
// CHECK-NOT: vector.shuffle
// CHECK: linalg.generic
func.func @first_axis(%x: tensor<32x4xf32>) -> tensor<32x4xf32> {
  %y = mx.hadamard %x axis(0) : tensor<32x4xf32>
  return %y : tensor<32x4xf32>
}

// RUN: mx-opt %s -mx-training-step="master=bf16 master-rounding=stochastic loss-scaling=dynamic growth-interval=7 seed=5" | FileCheck %s
// RUN: mx-opt %s -mx-training-step="optimizer=adamw weight-decay=0.01 loss-scaling=static loss-scale=256.0" | FileCheck %s --check-prefix=ADAMW
// RUN: mx-opt %s -mx-training-step="keep-forward=false" | FileCheck %s --check-prefix=STEP-ONLY

// keep-forward=false: the loss function is gone, and the step no longer
// names it.
// STEP-ONLY-NOT: func.func @loss(
// STEP-ONLY: func.func @loss_step(
// STEP-ONLY-SAME: attributes {mx.training_step = {data = 1 : i64, loss_scaling = "none", moments = 2 : i64, optimizer = "sgd", params = 2 : i64}}
// STEP-ONLY-NOT: func.func @loss(

// The step mx-training-step builds around a loss: its state in and out as
// function arguments and results. Its numbers are checked against PyTorch
// and by forced overflows in test/Integration/CPU/training-*.py.

// CHECK-LABEL: func.func @loss_step(
// CHECK-SAME: %[[X:[^:]*]]: tensor<8x64xf32>, %[[W:[^:]*]]: tensor<64x32xbf16> {mx.weight}, %[[V:[^:]*]]: tensor<32x16xbf16> {mx.weight},
// CHECK-SAME: %[[MW:[^:]*]]: tensor<64x32xf32>, %[[MV:[^:]*]]: tensor<32x16xf32>, %[[STEP:[^:]*]]: i64, %[[LR:[^:]*]]: f32, %[[SCALE:[^:]*]]: f32, %[[GOOD:[^:]*]]: i64)
// CHECK-SAME: -> (tensor<f32>, tensor<64x32xbf16>, tensor<32x16xbf16>, tensor<64x32xf32>, tensor<32x16xf32>, i64, f32, i64, i1)
// CHECK-SAME: attributes {mx.training_step = {data = 1 : i64, forward = @loss, loss_scaling = "dynamic", moments = 2 : i64, optimizer = "sgd", params = 2 : i64}}
// The forward pass on the f32 view of the bf16 master weights.
// CHECK: %[[W32:.*]] = arith.extf %[[W]] : tensor<64x32xbf16> to tensor<64x32xf32>
// CHECK: linalg.matmul ins(%[[X]], %[[W32]]
// The backward pass is seeded with the loss scale, its gradients unscaled.
// CHECK: tensor.splat %[[SCALE]] : tensor<f32>
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[SCALE]] : f32
// CHECK: tensor.splat %[[INV]] : tensor<64x32xf32>
// Every gradient finite: sum(g * 0) == 0.
// CHECK: %[[FINITE:.*]] = arith.cmpf oeq, %{{.*}}, %{{.*}} : f32
// CHECK: %[[NEXT:.*]] = arith.addi %[[STEP]], %{{.*}} : i64
// SGD with momentum: v' = 0.9 v + g, w' = w - lr v'.
// CHECK: arith.mulf %[[MW]], %{{.*}} : tensor<64x32xf32>
// CHECK: tensor.splat %[[LR]] : tensor<64x32xf32>
// Stochastic rounding to bf16: 16 Philox bits added below bf16's mantissa.
// CHECK: linalg.generic
// CHECK: arith.shli %[[NEXT]], %{{.*}} : i64
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.andi %{{.*}}, %{{.*}} : i32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: -> tensor<64x32xbf16>
// An overflowing step keeps the old state and halves the scale.
// CHECK: %[[NEWW:.*]] = arith.select %[[FINITE]], %{{.*}}, %[[W]] : tensor<64x32xbf16>
// CHECK: arith.select %[[FINITE]], %[[NEXT]], %[[STEP]] : i64
// CHECK: arith.cmpi sge, %{{.*}}, %{{.*}} : i64
// CHECK: return %{{.*}}, %[[NEWW]], {{.*}} : tensor<f32>, tensor<64x32xbf16>, tensor<32x16xbf16>, tensor<64x32xf32>, tensor<32x16xf32>, i64, f32, i64, i1

// AdamW with f32 master weights: two moments per parameter, the bias
// corrections from the step count, decoupled weight decay, a static scale.
// ADAMW-LABEL: func.func @loss_step(
// ADAMW-SAME: %{{[^:]*}}: tensor<8x64xf32>, %[[W:[^:]*]]: tensor<64x32xf32> {mx.weight}, %{{[^:]*}}: tensor<32x16xf32> {mx.weight},
// ADAMW-SAME: %{{[^:]*}}: tensor<64x32xf32>, %{{[^:]*}}: tensor<32x16xf32>, %{{[^:]*}}: tensor<64x32xf32>, %{{[^:]*}}: tensor<32x16xf32>, %{{[^:]*}}: i64, %{{[^:]*}}: f32)
// ADAMW-SAME: -> (tensor<f32>, tensor<64x32xf32>, tensor<32x16xf32>, tensor<64x32xf32>, tensor<32x16xf32>, tensor<64x32xf32>, tensor<32x16xf32>, i64)
// ADAMW-NOT: arith.extf
// ADAMW: arith.constant 2.560000e+02 : f32
// ADAMW: math.powf
// ADAMW: math.sqrt %{{.*}} : tensor<64x32xf32>
// ADAMW-NOT: arith.select
// ADAMW: return
func.func @loss(%x: tensor<8x64xf32>, %w: tensor<64x32xf32> {mx.wrt, mx.weight}, %v: tensor<32x16xf32> {mx.wrt, mx.weight}) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %h = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>) outs(%z : tensor<8x32xf32>) -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = linalg.matmul ins(%h, %v : tensor<8x32xf32>, tensor<32x16xf32>) outs(%z2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %sq = arith.mulf %y, %y : tensor<8x16xf32>
  %s0 = tensor.empty() : tensor<f32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%sq : tensor<8x16xf32>) outs(%s1 : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}

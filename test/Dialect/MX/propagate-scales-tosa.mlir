// RUN: mx-opt %s --pass-pipeline="builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,tosa-to-tensor),canonicalize,func.func(mx-propagate-scales),canonicalize,cse)" | FileCheck %s

// TOSA after tosa-to-linalg: tosa.matmul is a linalg.batch_matmul (FP8
// operands, scales multiplied, unit-scaled by 2^floor(log2 sqrt 64) = 8),
// tosa.add an elementwise linalg.generic with a broadcast operand (common
// scale), tosa.clamp(0, FLT_MAX) a generic of min/max with scale-free
// constants (the scale passes through).

// CHECK-LABEL: func.func @block
// CHECK-DAG: %[[EIGHT:.*]] = arith.constant 8.0
// CHECK: %[[X:.*]], %[[SX:.*]] = mx.scaled_parts
// CHECK: %[[W:.*]], %[[SW:.*]] = mx.scaled_parts
// CHECK: %[[B:.*]], %[[SB:.*]] = mx.scaled_parts
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<1x8x64xf8E4M3FN>, tensor<1x64x16xf8E4M3FN>) outs(%{{.*}} : tensor<1x8x16xf32>)
// CHECK: %[[P:.*]] = arith.mulf %[[SX]], %[[SW]] : f32
// CHECK: %[[SM:.*]] = arith.mulf %[[P]], %[[EIGHT]] : f32
// CHECK: %[[S:.*]] = arith.maximumf %[[SM]], %[[SB]] : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} : tensor<1x8x16xf32>, tensor<1x1x16xf32>)
// CHECK:   arith.addf
// CHECK: %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[SUM]]
// CHECK:   arith.minimumf
// CHECK:   arith.maximumf
// CHECK: mx.scale %[[RELU]], %[[S]]
func.func @block(%x: tensor<1x8x64xf32>, %w: tensor<1x64x16xf32>, %b: tensor<1x1x16xf32>) -> tensor<1x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %x, %w, %zp, %zp : (tensor<1x8x64xf32>, tensor<1x64x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x16xf32>
  %a = tosa.add %m, %b : (tensor<1x8x16xf32>, tensor<1x1x16xf32>) -> tensor<1x8x16xf32>
  %r = tosa.clamp %a {min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32} : (tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %r : tensor<1x8x16xf32>
}

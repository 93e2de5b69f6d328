// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// NVFP4: the tensor scale is one reduction of the finite magnitudes, then
// amax / 2688 (at least the least subnormal, 1 for none); the E4M3 block
// scales divide amax by 6 S in f64 (NaN code 0x7F for a non-finite block);
// an element's code counts the E2M1 midpoints times the exact f64 step
// bs * S that |x| passes (lib/Numerics/NVFP4), without a division: each
// threshold rounded to f32 toward the side that keeps the f32 comparison
// exact (down for > at even codes, up for >= at odd ones).

!q = !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>

// CHECK-LABEL: func.func @quantize
// CHECK-SAME: (%[[X:.+]]: tensor<4x32xf32>) -> (tensor<4x16xi8>, tensor<4x2xf8E4M3FN>, f32)
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]{{.*}} ins(%[[X]] : tensor<4x32xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK:   math.absf
// CHECK:   arith.cmpf olt
// CHECK:   arith.maximumf
// CHECK: %[[AMAX:.+]] = tensor.extract %[[MAX]][] : tensor<f32>
// CHECK: %[[Q:.+]] = arith.divf %[[AMAX]], %{{.*}} : f32
// CHECK: %[[FLOOR:.+]] = arith.maximumf %[[Q]], %{{.*}} : f32
// CHECK: %[[ZERO:.+]] = arith.cmpf oeq, %[[AMAX]]
// CHECK: %[[S:.+]] = arith.select %[[ZERO]], %{{.*}}, %[[FLOOR]] : f32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x2xf32>)
// CHECK: %[[BS:.+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4x2xf32>) outs(%{{.*}} : tensor<4x2xf8E4M3FN>)
// CHECK:   %[[S64:.+]] = arith.extf %[[S]] : f32 to f64
// CHECK:   %[[SIX:.+]] = arith.mulf %[[S64]], %{{.*}} : f64
// CHECK:   arith.divf %{{.*}}, %[[SIX]] : f64
// CHECK:   arith.select %{{.*}}, %{{.*}}, %c127_i32 : i32
// CHECK:   arith.bitcast %{{.*}} : i8 to f8E4M3FN
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[BS]] : tensor<4x1x2x16xf32>, tensor<4x2xf8E4M3FN>) outs(%{{.*}} : tensor<4x1x2x16xi8>)
// CHECK:   %[[STEP:.+]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK-NOT: arith.divf
// CHECK:   %[[T0:.+]] = arith.mulf %[[STEP]], %{{.*}} : f64
// CHECK:   %[[N0:.+]] = arith.truncf %[[T0]] : f64 to f32
// CHECK:   %[[B0:.+]] = arith.extf %[[N0]] : f32 to f64
// CHECK:   %[[W0:.+]] = arith.cmpf ogt, %[[B0]], %[[T0]] : f64
// CHECK:   %[[D0:.+]] = arith.subi %{{.*}}, %c1_i32{{.*}} : i32
// CHECK:   arith.select %[[W0]], %[[D0]], %{{.*}} : i32
// CHECK:   %[[T1:.+]] = arith.mulf %[[STEP]], %{{.*}} : f64
// CHECK:   %[[N1:.+]] = arith.truncf %[[T1]] : f64 to f32
// CHECK:   %[[B1:.+]] = arith.extf %[[N1]] : f32 to f64
// CHECK:   %[[W1:.+]] = arith.cmpf olt, %[[B1]], %[[T1]] : f64
// CHECK:   %[[U1:.+]] = arith.addi %{{.*}}, %c1_i32{{.*}} : i32
// CHECK:   arith.select %[[W1]], %[[U1]], %{{.*}} : i32
// CHECK:   math.absf %{{.*}} : f32
// CHECK:   arith.cmpf ogt, %{{.*}}, %{{.*}} : f32
// CHECK:   arith.cmpf oge, %{{.*}}, %{{.*}} : f32
// CHECK: return %{{.*}}, %[[BS]], %[[S]] : tensor<4x16xi8>, tensor<4x2xf8E4M3FN>, f32
func.func @quantize(%x: tensor<4x32xf32>) -> (!q, f32) {
  %s = mx.tensor_scale %x : tensor<4x32xf32>
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : tensor<4x32xf32> -> !q
  return %q, %s : !q, f32
}

// -----

!q = !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>

// element * block scale in f32 (exact), times the tensor scale: one rounding.
// CHECK-LABEL: func.func @dequantize
// CHECK-SAME: (%{{.*}}: tensor<4x16xi8>, %{{.*}}: tensor<4x2xf8E4M3FN>, %[[S:.+]]: f32) -> tensor<4x32xf32>
// CHECK: linalg.generic
// CHECK:   %[[V:.+]] = arith.mulf %{{.*}}, %[[S]] : f32
// CHECK-NEXT: linalg.yield %[[V]] : f32
func.func @dequantize(%q: !q, %s: f32) -> tensor<4x32xf32> {
  %x = mx.dequantize %q tensor_scale(%s) : !q -> tensor<4x32xf32>
  return %x : tensor<4x32xf32>
}

// -----

!a = !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
!b = !mx.tensor<32x8xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>

// alpha multiplies the product once the sum is done.
// CHECK-LABEL: func.func @matmul_alpha
// CHECK-SAME: %[[ALPHA:[^:]+]]: f32) -> tensor<4x8xf32>
// CHECK: %[[R:.+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4x8xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK:   arith.mulf %{{.*}}, %[[ALPHA]] : f32
// CHECK: return %[[R]]
func.func @matmul_alpha(%a: !a, %b: !b, %alpha: f32) -> tensor<4x8xf32> {
  %c = mx.matmul %a, %b alpha(%alpha) : !a, !b -> tensor<4x8xf32>
  return %c : tensor<4x8xf32>
}

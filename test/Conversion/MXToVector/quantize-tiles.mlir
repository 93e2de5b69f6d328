// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse -split-input-file | FileCheck %s

// FP8 with an f32 scale per 1 x 128 tile along the last axis: one parallel
// loop over tiles; the tile loaded once, its amax an unsigned max over the
// magnitude bits (NaN and Inf win), the scale from it (stored as an f32),
// then the f32 quotient, its exact remainder by fma (the quotient rounded
// to odd), and the codes.
// CHECK-LABEL: func.func @tiles
// CHECK-SAME: -> (tensor<4x256xi8>, tensor<4x2xf32>)
// CHECK: scf.parallel
// CHECK: %[[X:.+]] = vector.load %{{.*}} : memref<1024xf32>, vector<128xf32>
// CHECK: %[[BITS:.+]] = arith.bitcast %[[X]] : vector<128xf32> to vector<128xi32>
// CHECK: %[[MAG:.+]] = arith.andi %[[BITS]], %{{.*}} : vector<128xi32>
// CHECK: %[[MAX:.+]] = vector.reduction <maxui>, %[[MAG]] : vector<128xi32> into i32
// CHECK: %[[AMAX:.+]] = arith.bitcast %[[MAX]] : i32 to f32
// CHECK: arith.divf %[[AMAX]], %{{.*}} : f32
// CHECK: memref.store %{{.*}}, %{{.*}} : memref<8xf32>
// CHECK: arith.divf %{{.*}}, %{{.*}} : vector<128xf32>
// CHECK: math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<128xf32>
// CHECK: vector.store %{{.*}}, %{{.*}} : memref<1024xi8>, vector<128xi8>
// CHECK-NOT: f64
func.func @tiles(%x: tensor<4x256xf32>) -> !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32> {
  %q = mx.quantize %x scale_rule<quotient> : tensor<4x256xf32> -> !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>
  return %q : !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>
}

// -----

// 128 x 128 weight blocks (and tiles that are not whole along the last
// axis) take the linalg lowering.
// CHECK-LABEL: func.func @weight_blocks
// CHECK-NOT: math.fma
// CHECK: linalg.generic
func.func @weight_blocks(%x: tensor<256x256xf32>) -> !mx.tensor<256x256xf8E4M3FN, block = [128, 128], scale = f32> {
  %q = mx.quantize %x scale_rule<rceil> : tensor<256x256xf32> -> !mx.tensor<256x256xf8E4M3FN, block = [128, 128], scale = f32>
  return %q : !mx.tensor<256x256xf8E4M3FN, block = [128, 128], scale = f32>
}

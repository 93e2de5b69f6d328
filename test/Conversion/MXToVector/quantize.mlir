// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse -split-input-file | FileCheck %s

// Blocks along the last axis: one parallel loop over the 8 blocks, each read
// once as a vector; amax, scale and codes in the same iteration. FP4 codes
// leave as 16 bytes per block of 32.
// CHECK-LABEL: func.func @fp4
// CHECK-SAME: (%[[X:.+]]: tensor<4x64xf32>) -> (tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>)
// CHECK: %[[XB:.+]] = bufferization.to_buffer %[[X]] read_only : tensor<4x64xf32> to memref<4x64xf32>
// CHECK: %[[XF:.+]] = memref.collapse_shape %[[XB]] {{\[\[}}0, 1]] : memref<4x64xf32> into memref<256xf32>
// CHECK: %[[CA:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4x32xi8>
// CHECK: %[[CT:.+]] = bufferization.to_tensor %[[CA]] restrict writable
// CHECK: %[[CF:.+]] = memref.collapse_shape %[[CA]] {{\[\[}}0, 1]] : memref<4x32xi8> into memref<128xi8>
// CHECK: %[[SA:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4x2xf8E8M0FNU>
// CHECK: %[[ST:.+]] = bufferization.to_tensor %[[SA]] restrict writable
// CHECK: %[[SF:.+]] = memref.collapse_shape %[[SA]]
// CHECK: scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%c8) step
// CHECK: %[[FIRST:.+]] = arith.muli %[[I]], %c32
// CHECK: %[[V:.+]] = vector.load %[[XF]][%[[FIRST]]] : memref<256xf32>, vector<32xf32>
// CHECK: %[[VB:.+]] = arith.bitcast %[[V]] : vector<32xf32> to vector<32xi32>
// CHECK: %[[MAG:.+]] = arith.andi %[[VB]], %{{.+}} : vector<32xi32>
// CHECK: vector.reduction <maxui>, %[[MAG]] : vector<32xi32> into i32
// CHECK: memref.store %{{.+}}, %[[SF]][%[[I]]] : memref<8xf8E8M0FNU>
// CHECK: %[[CODES:.+]] = arith.trunci %{{.+}} : vector<32xi32> to vector<32xi8>
// CHECK: %[[EVEN:.+]], %[[ODD:.+]] = vector.deinterleave %[[CODES]] : vector<32xi8> -> vector<16xi8>
// CHECK: %[[LO:.+]] = arith.andi %[[EVEN]]
// CHECK: %[[HI:.+]] = arith.shli %[[ODD]]
// CHECK: %[[PAIR:.+]] = arith.ori %[[LO]], %[[HI]]
// CHECK: %[[HALF:.+]] = arith.muli %[[I]], %c16
// CHECK: vector.store %[[PAIR]], %[[CF]][%[[HALF]]] : memref<128xi8>, vector<16xi8>
// CHECK: return %[[CT]], %[[ST]]
func.func @fp4(%x: tensor<4x64xf32>) -> !mx.tensor<4x64xf4E2M1FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
  return %q : !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
}

// -----

// A multiple of 16 blocks (here 32 of 64): 16 blocks per iteration. Each
// block's 64 magnitudes fold to 16 lanes, a four-level shuffle-and-max tree
// (8 + 4 + 2 + 1 pairs) puts the 16 amaxes in one vector, the scale rule
// runs once on vector<16xf32>, and each block's encode takes its lane.
// CHECK-LABEL: func.func @sixteen_blocks
// CHECK: scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%c2) step
// CHECK-COUNT-16: vector.load %{{.+}} : memref<2048xf32>, vector<64xf32>
// CHECK-COUNT-16: vector.extract_strided_slice %{{.+}} {offsets = [48], sizes = [16], strides = [1]} : vector<64xi32> to vector<16xi32>
// CHECK-COUNT-30: vector.shuffle %{{.+}}, %{{.+}} [{{.+}}] : vector<16xi32>, vector<16xi32>
// CHECK: %[[AMAX:.+]] = arith.maxui %{{.+}} : vector<16xi32>
// CHECK: arith.bitcast %[[AMAX]] : vector<16xi32> to vector<16xf32>
// CHECK: vector.store %{{.+}}, %{{.+}}[%{{.+}}] : memref<32xf8E8M0FNU>, vector<16xf8E8M0FNU>
// CHECK-NOT: vector.reduction
// CHECK-COUNT-16: vector.store %{{.+}} : memref<2048xi8>, vector<64xi8>
func.func @sixteen_blocks(%x: tensor<32x64xf32>) -> !mx.tensor<32x64xf8E4M3FN, block = [1, 64]> {
  %q = mx.quantize %x : tensor<32x64xf32> -> !mx.tensor<32x64xf8E4M3FN, block = [1, 64]>
  return %q : !mx.tensor<32x64xf8E4M3FN, block = [1, 64]>
}

// -----

// bf16 input widens exactly in the vector; stochastic rounding draws its
// Philox bits for the linear indices first + [0, 16).
// CHECK-LABEL: func.func @stochastic_bf16
// CHECK: scf.parallel
// CHECK: %[[V:.+]] = vector.load %{{.+}} : memref<64xbf16>, vector<16xbf16>
// CHECK: arith.extf %[[V]] : vector<16xbf16> to vector<16xf32>
// CHECK: arith.index_cast %{{.+}} : index to i64
// CHECK: arith.muli %{{.+}} : vector<16xi64>
// CHECK: vector.store %{{.+}} : memref<64xi8>, vector<16xi8>
func.func @stochastic_bf16(%x: tensor<64xbf16>) -> !mx.tensor<64xf8E5M2, block = [16]> {
  %q = mx.quantize %x rounding<stochastic> seed(3) : tensor<64xbf16> -> !mx.tensor<64xf8E5M2, block = [16]>
  return %q : !mx.tensor<64xf8E5M2, block = [16]>
}

// -----

// Other layouts keep the linalg lowering (explicit scale computation, then
// linalg.generic): blocks along the first axis, and a partial last block.
// CHECK-LABEL: func.func @column_blocks
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
func.func @column_blocks(%x: tensor<64x4xf32>) -> !mx.tensor<64x4xf8E4M3FN, block = [32, 1]> {
  %q = mx.quantize %x : tensor<64x4xf32> -> !mx.tensor<64x4xf8E4M3FN, block = [32, 1]>
  return %q : !mx.tensor<64x4xf8E4M3FN, block = [32, 1]>
}

// -----

// CHECK-LABEL: func.func @partial_block
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
func.func @partial_block(%x: tensor<2x40xf32>) -> !mx.tensor<2x40xi8, block = [1, 32]> {
  %q = mx.quantize %x : tensor<2x40xf32> -> !mx.tensor<2x40xi8, block = [1, 32]>
  return %q : !mx.tensor<2x40xi8, block = [1, 32]>
}

// -----

// Given scales: no amax to fuse, so the linalg lowering takes it.
// CHECK-LABEL: func.func @given_scales
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
func.func @given_scales(%x: tensor<64xf32>, %s: tensor<2xf8E8M0FNU>) -> !mx.tensor<64xf6E2M3FN, block = [32]> {
  %q = mx.quantize %x scales(%s : tensor<2xf8E8M0FNU>) : tensor<64xf32> -> !mx.tensor<64xf6E2M3FN, block = [32]>
  return %q : !mx.tensor<64xf6E2M3FN, block = [32]>
}

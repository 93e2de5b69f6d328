// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse -split-input-file | FileCheck %s

// FP4 bytes split into nibbles and interleaved back to 32 codes; the block's
// scale is loaded once and broadcast; bf16 results round once from f32.
// CHECK-LABEL: func.func @fp4_to_bf16
// CHECK-SAME: (%[[C:.+]]: tensor<2x32xi8>, %[[S:.+]]: tensor<2x2xf8E8M0FNU>) -> tensor<2x64xbf16>
// CHECK: %[[CB:.+]] = bufferization.to_buffer %[[C]] read_only
// CHECK: %[[SB:.+]] = bufferization.to_buffer %[[S]] read_only
// CHECK: %[[SF:.+]] = memref.collapse_shape %[[SB]] {{\[\[}}0, 1]] : memref<2x2xf8E8M0FNU> into memref<4xf8E8M0FNU>
// CHECK: %[[OUT:.+]] = memref.alloc() {alignment = 64 : i64} : memref<2x64xbf16>
// CHECK: scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%c4) step
// CHECK: %[[BYTES:.+]] = vector.load %{{.+}} : memref<64xi8>, vector<16xi8>
// CHECK: %[[LO:.+]] = arith.andi %[[BYTES]]
// CHECK: %[[HI:.+]] = arith.shrui %[[BYTES]]
// CHECK: vector.interleave %[[LO]], %[[HI]] : vector<16xi8> -> vector<32xi8>
// CHECK: memref.load %[[SF]][%[[I]]] : memref<4xf8E8M0FNU>
// CHECK: vector.broadcast %{{.+}} : i32 to vector<32xi32>
// CHECK: arith.truncf %{{.+}} : vector<32xf32> to vector<32xbf16>
// CHECK: vector.store %{{.+}} : memref<128xbf16>, vector<32xbf16>
func.func @fp4_to_bf16(%q: !mx.tensor<2x64xf4E2M1FN, block = [1, 32]>) -> tensor<2x64xbf16> {
  %d = mx.dequantize %q : !mx.tensor<2x64xf4E2M1FN, block = [1, 32]> -> tensor<2x64xbf16>
  return %d : tensor<2x64xbf16>
}

// -----

// CHECK-LABEL: func.func @int8
// CHECK: scf.parallel
// CHECK: vector.load %{{.+}} : memref<96xi8>, vector<32xi8>
// CHECK: arith.sitofp %{{.+}} : vector<32xi32> to vector<32xf32>
// CHECK: vector.store %{{.+}} : memref<96xf32>, vector<32xf32>
func.func @int8(%q: !mx.tensor<3x32xi8, block = [1, 32]>) -> tensor<3x32xf32> {
  %d = mx.dequantize %q : !mx.tensor<3x32xi8, block = [1, 32]> -> tensor<3x32xf32>
  return %d : tensor<3x32xf32>
}

// -----

// Column blocks keep the linalg lowering.
// CHECK-LABEL: func.func @columns
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
func.func @columns(%q: !mx.tensor<64x2xf8E4M3FN, block = [32, 1]>) -> tensor<64x2xf32> {
  %d = mx.dequantize %q : !mx.tensor<64x2xf8E4M3FN, block = [32, 1]> -> tensor<64x2xf32>
  return %d : tensor<64x2xf32>
}

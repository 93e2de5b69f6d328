// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse -split-input-file | FileCheck %s

// FP4 [32, 64] -> [64, 32]: 2 x 4 tiles of 16 x 16 codes. Each tile reads
// sixteen rows of eight bytes, splits them into nibbles, transposes the 256
// codes with one shuffle and packs sixteen rows of eight bytes back; the
// scales take linalg.transpose.
// CHECK-LABEL: func.func @fp4
// CHECK-SAME: (%[[C:.+]]: tensor<32x32xi8>, %[[S:.+]]: tensor<32x2xf8E8M0FNU>) -> (tensor<64x16xi8>, tensor<2x32xf8E8M0FNU>)
// CHECK: %[[OUT:.+]] = memref.alloc() {alignment = 64 : i64} : memref<64x16xi8>
// CHECK: scf.parallel (%{{.+}}) = (%{{.+}}) to (%c8) step
// CHECK-COUNT-16: vector.load %{{.+}} : memref<1024xi8>, vector<8xi8>
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 1, 17,
// CHECK-SAME: : vector<256xi8>, vector<256xi8>
// CHECK-COUNT-16: vector.store %{{.+}} : memref<1024xi8>, vector<8xi8>
// CHECK: linalg.transpose ins(%[[S]] : tensor<32x2xf8E8M0FNU>) outs(%{{.+}} : tensor<2x32xf8E8M0FNU>) permutation = [1, 0]
func.func @fp4(%q: !mx.tensor<32x64xf4E2M1FN, block = [1, 32]>) -> !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> {
  %t = mx.transpose %q [1, 0] : !mx.tensor<32x64xf4E2M1FN, block = [1, 32]> -> !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>
  return %t : !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>
}

// -----

// One code per byte: rows of sixteen bytes; 2-D blocks move whole.
// CHECK-LABEL: func.func @int8
// CHECK: scf.parallel (%{{.+}}) = (%{{.+}}) to (%c8) step
// CHECK-COUNT-16: vector.load %{{.+}} : memref<2048xi8>, vector<16xi8>
// CHECK: vector.shuffle
// CHECK-COUNT-16: vector.store %{{.+}} : memref<2048xi8>, vector<16xi8>
// CHECK: linalg.transpose ins(%{{.+}} : tensor<2x1xf8E8M0FNU>) outs(%{{.+}} : tensor<1x2xf8E8M0FNU>)
func.func @int8(%q: !mx.tensor<64x32xi8, block = [32, 32]>) -> !mx.tensor<32x64xi8, block = [32, 32]> {
  %t = mx.transpose %q [1, 0] : !mx.tensor<64x32xi8, block = [32, 32]> -> !mx.tensor<32x64xi8, block = [32, 32]>
  return %t : !mx.tensor<32x64xi8, block = [32, 32]>
}

// -----

// A side that is not a multiple of 16, and any transpose of more than two
// dimensions, take the linalg lowering (codes unpacked, transposed, packed).
// CHECK-LABEL: func.func @partial_tile
// CHECK-NOT: scf.parallel
// CHECK-NOT: vector.shuffle
// CHECK: linalg.transpose ins(%{{.+}} : tensor<24x40xi8>) outs(%{{.+}} : tensor<40x24xi8>) permutation = [1, 0]
func.func @partial_tile(%q: !mx.tensor<24x40xf8E4M3FN, block = [1, 8]>) -> !mx.tensor<40x24xf8E4M3FN, block = [8, 1]> {
  %t = mx.transpose %q [1, 0] : !mx.tensor<24x40xf8E4M3FN, block = [1, 8]> -> !mx.tensor<40x24xf8E4M3FN, block = [8, 1]>
  return %t : !mx.tensor<40x24xf8E4M3FN, block = [8, 1]>
}

// CHECK-LABEL: func.func @three_d
// CHECK-NOT: vector.shuffle
// CHECK: linalg.transpose ins(%{{.+}} : tensor<2x32x16xi8>) outs(%{{.+}} : tensor<2x16x32xi8>) permutation = [0, 2, 1]
func.func @three_d(%q: !mx.tensor<2x32x16xf8E5M2, block = [1, 1, 16]>) -> !mx.tensor<2x16x32xf8E5M2, block = [1, 16, 1]> {
  %t = mx.transpose %q [0, 2, 1] : !mx.tensor<2x32x16xf8E5M2, block = [1, 1, 16]> -> !mx.tensor<2x16x32xf8E5M2, block = [1, 16, 1]>
  return %t : !mx.tensor<2x16x32xf8E5M2, block = [1, 16, 1]>
}

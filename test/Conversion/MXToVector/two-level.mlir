// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse -split-input-file | FileCheck %s

// MX6 (blocks of 16 along the last axis), 8 blocks: one parallel loop
// over blocks, a block in one vector. A lane swap and an unsigned max give
// the pair maxima, a reduction of those the block's; E's code is the
// amax's exponent field, in a scalar register; a NaN or Inf block
// stores E = 0xFF and zeros. A pair's microexponent is 1 where its maximum
// is below 2^E (f32 bits, at least the subnormal 2^-127). Blocks whose
// power 2^(m - 1 - E) and its double are normal f32s round by one fma with
// 2^23; the others scale in two exact halves and round. E and the
// microexponent byte (the compare mask's even bits) are stored from
// scalars, the 5-bit codes packed by merges of lane pairs and stored.
// CHECK-LABEL: func.func @mx6
// CHECK-SAME: -> tensor<4x2x12xi8>
// CHECK: scf.parallel
// CHECK: %[[X:.+]] = vector.load %{{.*}} : memref<128xf32>, vector<16xf32>
// CHECK: %[[BITS:.+]] = arith.bitcast %[[X]] : vector<16xf32> to vector<16xi32>
// CHECK: %[[MAG:.+]] = arith.andi %[[BITS]], %{{.*}} : vector<16xi32>
// CHECK: %[[SWAP:.+]] = vector.shuffle %[[MAG]], %[[MAG]] [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]
// CHECK: %[[PAIR:.+]] = arith.maxui %[[MAG]], %[[SWAP]] : vector<16xi32>
// CHECK: %[[AMAX:.+]] = vector.reduction <maxui>, %[[PAIR]] : vector<16xi32> into i32
// CHECK: %[[CODE:.+]] = arith.shrui %[[AMAX]], %{{.*}} : i32
// CHECK: %[[NAN:.+]] = arith.cmpi eq, %[[CODE]], %{{.*}} : i32
// CHECK: scf.if %[[NAN]] {
// CHECK: vector.store %{{.*}} : memref<96xi8>, vector<12xi8>
// CHECK: } else {
// CHECK: %[[POWER:.+]] = arith.maxsi %{{.*}}, %{{.*}} : i32
// CHECK: %[[THRESHOLD:.+]] = vector.broadcast %[[POWER]] : i32 to vector<16xi32>
// CHECK: %[[BELOW:.+]] = arith.cmpi ult, %[[PAIR]], %[[THRESHOLD]] : vector<16xi32>
// CHECK: scf.if %{{.*}} -> (vector<16xi32>) {
// CHECK: arith.select %[[BELOW]]
// CHECK: math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: } else {
// CHECK-COUNT-2: arith.mulf
// CHECK: math.roundeven %{{.*}} : vector<16xf32>
// CHECK: arith.fptosi
// CHECK: }
// CHECK: memref.store %{{.*}} : memref<96xi8>
// CHECK: vector.bitcast %[[BELOW]] : vector<16xi1> to vector<1xi16>
// CHECK: memref.store %{{.*}} : memref<96xi8>
// CHECK: vector.bitcast %{{.*}} : vector<16xi32> to vector<8xi64>
// CHECK: arith.trunci %{{.*}} : vector<8xi64> to vector<8xi32>
// CHECK: arith.trunci %{{.*}} : vector<4xi64> to vector<4xi32>
// CHECK: %[[CODES:.+]] = vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 8, 9, 10, 11, 12] : vector<16xi8>, vector<16xi8>
// CHECK: vector.store %[[CODES]], %{{.*}} : memref<96xi8>, vector<10xi8>
// CHECK-NOT: linalg.generic
func.func @mx6(%x: tensor<4x32xf32>) -> !mx.tensor<4x32x!mx.microexp<mx6>, block = [1, 16]> {
  %q = mx.quantize %x : tensor<4x32xf32> -> !mx.tensor<4x32x!mx.microexp<mx6>, block = [1, 16]>
  return %q : !mx.tensor<4x32x!mx.microexp<mx6>, block = [1, 16]>
}

// -----

// 16 blocks (a multiple of 16, rne, one-bit microexponents) run as groups
// of 16: the pair maxima of the group's blocks meet in one vector (a
// transposing network of shuffles and maxima), so E, the thresholds and
// the powers come from 16 lanes at once. Where every block of the group
// is finite and its powers normal, each block takes a lane of those: a
// compare, an fma, its stores; else the group runs the block path.
// CHECK-LABEL: func.func @mx4_group
// CHECK: %[[CODES:.+]] = arith.shrui %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: %[[FAST:.+]] = vector.reduction <and>, %{{.*}} : vector<16xi1> into i1
// CHECK: scf.if %[[FAST]] {
// CHECK: %[[THRESHOLD:.+]] = vector.shuffle %{{.*}}, %{{.*}} [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
// CHECK: arith.cmpi ult, %{{.*}}, %[[THRESHOLD]] : vector<16xi32>
// CHECK: math.fma
// CHECK: %[[E:.+]] = vector.extract %[[CODES]][0] : i32 from vector<16xi32>
// CHECK: %[[EBYTE:.+]] = arith.trunci %[[E]] : i32 to i8
// CHECK: memref.store %[[EBYTE]], %{{.*}}[%c0] : memref<128xi8>
// CHECK: vector.store %{{.*}}, %{{.*}}[%c2] : memref<128xi8>, vector<6xi8>
// CHECK-COUNT-15: math.fma
// CHECK: } else {
// CHECK: vector.reduction <maxui>
// CHECK: scf.if
func.func @mx4_group(%x: tensor<2x128xf32>) -> !mx.tensor<2x128x!mx.microexp<mx4>, block = [1, 16]> {
  %q = mx.quantize %x : tensor<2x128xf32> -> !mx.tensor<2x128x!mx.microexp<mx4>, block = [1, 16]>
  return %q : !mx.tensor<2x128x!mx.microexp<mx4>, block = [1, 16]>
}

// -----

// rtz truncates in the conversion (no fma, no roundeven); MX9's 8-bit
// codes are stored as they are (no packing steps).
// CHECK-LABEL: func.func @mx9_rtz
// CHECK-NOT: math.fma
// CHECK-NOT: math.roundeven
// CHECK: arith.fptosi
// CHECK: %[[CODES:.+]] = arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// CHECK: vector.store %[[CODES]], %{{.*}} : memref<36xi8>, vector<16xi8>
func.func @mx9_rtz(%x: tensor<32xf16>) -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]> {
  %q = mx.quantize %x rounding<rtz> : tensor<32xf16> -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
  return %q : !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
}

// -----

// Dequantize: a block's 8 bytes loaded at once, E broadcast from byte 0,
// the code and microexponent streams unpacked by shifts on 64-bit lanes,
// each magnitude scaled by two powers of two, the sign set, NaN where E is
// 0xFF, rounded once to f16.
// CHECK-LABEL: func.func @mx4_to_f16
// CHECK: scf.parallel
// CHECK: %[[RAW:.+]] = vector.load %{{.*}} : memref<64xi8>, vector<8xi8>
// CHECK: vector.shuffle %[[RAW]], %[[RAW]] [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
// CHECK: vector.shuffle %[[RAW]], %{{.*}} [2, 3, 4, 8, 8, 8, 8, 8, 5, 6, 7, 8, 8, 8, 8, 8]
// CHECK: arith.sitofp
// CHECK-COUNT-2: arith.mulf
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK: arith.truncf %{{.*}} : vector<16xf32> to vector<16xf16>
// CHECK: vector.store %{{.*}}, %{{.*}} : memref<128xf16>, vector<16xf16>
func.func @mx4_to_f16(%q: !mx.tensor<4x32x!mx.microexp<mx4>, block = [1, 16]>) -> tensor<4x32xf16> {
  %x = mx.dequantize %q : !mx.tensor<4x32x!mx.microexp<mx4>, block = [1, 16]> -> tensor<4x32xf16>
  return %x : tensor<4x32xf16>
}

// -----

// Blocks along another axis, partial blocks, or blocks of another size
// take the linalg lowering.
// CHECK-LABEL: func.func @not_the_layout
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
func.func @not_the_layout(%x: tensor<32x4xf32>, %y: tensor<4x40xf32>) -> (!mx.tensor<32x4x!mx.microexp<mx9>, block = [16, 1]>, !mx.tensor<4x40x!mx.microexp<mx9>, block = [1, 16]>) {
  %a = mx.quantize %x : tensor<32x4xf32> -> !mx.tensor<32x4x!mx.microexp<mx9>, block = [16, 1]>
  %b = mx.quantize %y : tensor<4x40xf32> -> !mx.tensor<4x40x!mx.microexp<mx9>, block = [1, 16]>
  return %a, %b : !mx.tensor<32x4x!mx.microexp<mx9>, block = [16, 1]>, !mx.tensor<4x40x!mx.microexp<mx9>, block = [1, 16]>
}

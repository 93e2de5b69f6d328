// RUN: mx-opt %s -convert-mx-to-vector -canonicalize -cse | FileCheck %s

// NVFP4 in whole groups of sixteen blocks: a parallel loop over groups.
// Outside it, the range test of S and (2 - 2^-20) / S. Per group: the
// sixteen block scales in one vector (stored at once); a group whose scales
// are all zero or normal below 448 (and S in range) takes the lookup path:
// blocks in pair order, each bound from the exact product m_c * scale and
// the fma's rounding error (>= 0 for even c, > 0 for odd c: the f32 above),
// R = that quotient / scale, the bounds transposed two blocks to a
// register; per block one fma with 2^23, a 16-entry lookup of the smallest
// code, one lookup of the bound above it and one comparison; the codes
// with x's sign packed by 64-bit shifts. Other groups compare each element
// with the seven bounds of buildNVFP4Thresholds.
// CHECK-LABEL: func.func @nvfp4
// CHECK-DAG: %[[MAGIC:.+]] = arith.constant dense<0x4B000000> : vector<16xf32>
// CHECK-DAG: %[[LOW:.+]] = arith.cmpf oge, %[[S:.+]], %{{.*}} : f32
// CHECK-DAG: %[[HIGH:.+]] = arith.cmpf ole, %[[S]], %{{.*}} : f32
// CHECK: %[[IN_RANGE:.+]] = arith.andi %[[LOW]], %[[HIGH]] : i1
// CHECK: %[[INVERSE:.+]] = arith.divf %{{.*}}, %[[S]] : f32
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c2) step
// CHECK-COUNT-16: vector.load %{{.*}} : memref<512xf32>, vector<16xf32>
// CHECK: vector.store %{{.*}} : memref<32xf8E4M3FN>, vector<16xf8E4M3FN>
// CHECK: %[[USUAL:.+]] = vector.reduction <and>, %{{.*}} : vector<16xi1> into i1
// CHECK: %[[FAST:.+]] = arith.andi %[[IN_RANGE]], %[[USUAL]] : i1
// CHECK: scf.if %[[FAST]] {
// CHECK: %[[PAIRED:.+]] = vector.shuffle %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15]
// CHECK: %[[FACTOR:.+]] = arith.mulf %[[PAIRED]], %{{.*}} : vector<16xf32>
// CHECK: %[[NEAREST:.+]] = arith.mulf %[[FACTOR]], %[[SS:.+]] : vector<16xf32>
// CHECK: %[[NEG:.+]] = arith.negf %[[NEAREST]]
// CHECK: %[[ERROR:.+]] = math.fma %[[FACTOR]], %[[SS]], %[[NEG]] : vector<16xf32>
// CHECK: arith.cmpf oge, %[[ERROR]]
// CHECK: math.fma
// CHECK: arith.cmpf ogt
// CHECK: %[[R:.+]] = arith.divf %{{.*}}, %[[PAIRED]] : vector<16xf32>
// CHECK-COUNT-24: vector.shuffle
// CHECK: %[[ABS:.+]] = math.absf
// CHECK: %[[RJ:.+]] = vector.shuffle %{{.*}} [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
// CHECK: %[[Y:.+]] = math.fma %[[ABS]], %[[RJ]], %[[MAGIC]] : vector<16xf32>
// CHECK: %[[B:.+]] = arith.bitcast %[[Y]] : vector<16xf32> to vector<16xi32>
// CHECK: %[[C0F:.+]] = mx.avx512.permute_f32 %{{.*}}, %[[B]]
// CHECK: %[[C0:.+]] = arith.bitcast %[[C0F]] : vector<16xf32> to vector<16xi32>
// CHECK: %[[BOUND:.+]] = mx.avx512.permute_f32 %{{.*}}, %[[C0]]
// CHECK: %[[PASS:.+]] = arith.cmpf oge, %[[ABS]], %[[BOUND]] : vector<16xf32>
// CHECK: arith.select %[[PASS]]
// CHECK: %[[WORDS:.+]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<8xi64>
// CHECK: %[[DOWN:.+]] = arith.shrui %[[WORDS]], %{{.*}} : vector<8xi64>
// CHECK: %[[BOTH:.+]] = arith.ori %[[WORDS]], %[[DOWN]] : vector<8xi64>
// CHECK: %[[BYTES:.+]] = arith.trunci %[[BOTH]] : vector<8xi64> to vector<8xi8>
// CHECK: vector.store %[[BYTES]], %{{.*}} : memref<256xi8>, vector<8xi8>
// CHECK-COUNT-15: mx.avx512.permute_f32 %{{.*}}, %{{.*}} : vector<16xf32>, vector<16xi32>
// CHECK: } else {
// CHECK-COUNT-7: arith.cmpf {{ogt|oge}}, %{{.*}} : vector<16xf32>
// CHECK: vector.store %{{.*}} : memref<256xi8>, vector<8xi8>
func.func @nvfp4(%x: tensor<512xf32>, %s: f32) -> !mx.tensor<512xf4E2M1FN, block = [16], scale = f8E4M3FN> {
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : tensor<512xf32> -> !mx.tensor<512xf4E2M1FN, block = [16], scale = f8E4M3FN>
  return %q : !mx.tensor<512xf4E2M1FN, block = [16], scale = f8E4M3FN>
}

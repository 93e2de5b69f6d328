// RUN: mx-opt %s -convert-mx-to-linalg -canonicalize -cse -mx-tile-and-vectorize -canonicalize -split-input-file | FileCheck %s
// RUN: mx-opt %s -convert-mx-to-linalg -canonicalize -cse -mx-tile-and-vectorize="vector-size=16" -canonicalize -split-input-file | FileCheck %s --check-prefix=V16

// vector-size=16: 16 blocks' amax at a time (the reduction stays whole),
// and each block's elements in two vectors of 16.
// V16-LABEL: func.func @quantize_mxfp4
// V16: vector.transfer_read %{{.*}} : tensor<16x32xf32>, vector<16x32xf32>
// V16: scf.for
// V16: vector.transfer_read %{{.*}} : tensor<1x16xf32>, vector<1x16xf32>
// V16-NOT: vector<1x32xf32>
// V16-LABEL: func.func @quantize_axis0

// 1-D MXFP4 quantize: the block amax is one vector<32x32> reduction (32
// blocks at once), the scale rule runs on vector<32xi32>, and the element
// conversion loops over blocks with one vector<1x32> per block: no scalar
// arithmetic on elements.
// CHECK-LABEL: func.func @quantize_mxfp4
// CHECK: vector.transfer_read %{{.*}} : tensor<32x32xf32>, vector<32x32xf32>
// CHECK: vector.multi_reduction <maximumf>, %{{.*}} [1] : vector<32x32xf32> to vector<32xf32>
// CHECK: arith.bitcast %{{.*}} : vector<32xf32> to vector<32xi32>
// CHECK: scf.for
// CHECK: vector.transfer_read %{{.*}} : tensor<1x32xf32>, vector<1x32xf32>
// CHECK: arith.bitcast %{{.*}} : vector<1x32xf32> to vector<1x32xi32>
// CHECK: arith.trunci %{{.*}} : vector<1x32xi32> to vector<1x32xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<1x32xi8>, tensor<1x32xi8>
// CHECK-NOT: arith.bitcast %{{.*}} : f32 to i32
func.func @quantize_mxfp4(%x: tensor<1024xf32>) -> !mx.tensor<1024xf4E2M1FN, block = [32]> {
  %q = mx.quantize %x : tensor<1024xf32> -> !mx.tensor<1024xf4E2M1FN, block = [32]>
  return %q : !mx.tensor<1024xf4E2M1FN, block = [32]>
}

// -----

// Blocks along axis 0: the vector runs along the contiguous dimension (the
// largest divisor of 96 up to 32), scales are read as a vector too.
// CHECK-LABEL: func.func @quantize_axis0
// CHECK: scf.for
// CHECK: vector.transfer_read %{{.*}} : tensor<1x1x32x1xf32>, vector<1x1x32x1xf32>
// CHECK: vector.transfer_read %{{.*}} : tensor<1x32xf8E8M0FNU>
// CHECK-NOT: arith.bitcast %{{.*}} : f32 to i32
func.func @quantize_axis0(%x: tensor<64x96xf32>) -> !mx.tensor<64x96xf8E5M2, block = [32, 1]> {
  %q = mx.quantize %x : tensor<64x96xf32> -> !mx.tensor<64x96xf8E5M2, block = [32, 1]>
  return %q : !mx.tensor<64x96xf8E5M2, block = [32, 1]>
}

// -----

// A prime extent has no vector tile: one element per step (still correct).
// CHECK-LABEL: func.func @prime_extent_stays_scalar
// CHECK: arith.sitofp %{{.*}} : vector<1x1x1x1xi32> to vector<1x1x1x1xf32>
func.func @prime_extent_stays_scalar(%q: !mx.tensor<64x37xi8, block = [32, 1]>) -> tensor<64x37xf32> {
  %d = mx.dequantize %q : !mx.tensor<64x37xi8, block = [32, 1]> -> tensor<64x37xf32>
  return %d : tensor<64x37xf32>
}

// -----

// Ops on sub-byte element tensors stay scalar: LLVM loads and stores
// vectors of i4/i6 bit-packed, while their buffers hold one element per byte.
// CHECK-LABEL: func.func @sub_byte_elements
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK-NOT: vector.
func.func @sub_byte_elements(%e: tensor<64xf4E2M1FN>) -> tensor<64xi8> {
  %init = tensor.empty() : tensor<64xi8>
  %codes = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%e : tensor<64xf4E2M1FN>) outs(%init : tensor<64xi8>) {
  ^bb0(%in: f4E2M1FN, %out: i8):
    %bits = arith.bitcast %in : f4E2M1FN to i4
    %wide = arith.extui %bits : i4 to i8
    linalg.yield %wide : i8
  } -> tensor<64xi8>
  return %codes : tensor<64xi8>
}

// -----

// A contraction over more than max(vector-size, 64) elements stays scalar:
// whole, its reduction would be one unrolled vector<1x32x256> with a
// transposed read (minutes in LLVM, slower than scalar loops).
// CHECK-LABEL: func.func @large_contraction
// CHECK-NOT: vector.
// CHECK: linalg.matmul
// CHECK-NOT: vector.
func.func @large_contraction(%a: tensor<32x256xf32>, %b: tensor<256x128xf32>, %c: tensor<32x128xf32>) -> tensor<32x128xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<32x256xf32>, tensor<256x128xf32>) outs(%c : tensor<32x128xf32>) -> tensor<32x128xf32>
  return %r : tensor<32x128xf32>
}

// -----

// A reduction beyond the budget (32 x 32 elements here: a norm over a whole
// 32x256 tensor) is tiled along its reduction too, the output carried.
// CHECK-LABEL: func.func @whole_tensor_norm
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<32x32xf32>, vector<32x32xf32>
// CHECK: vector.multi_reduction <maximumf>, {{.*}} [0, 1] : vector<32x32xf32> to f32
func.func @whole_tensor_norm(%x: tensor<32x256xf32>) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<32x256xf32>) outs(%i : tensor<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.maximumf %in, %acc : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// DEFINE: %{lower} = canonicalize,convert-mx-to-linalg,canonicalize,cse,func.func(convert-elementwise-to-linalg,mx-tile-and-vectorize),canonicalize,one-shot-bufferize{bufferize-function-boundaries=1 function-boundary-type-conversion=identity-layout-map}
// RUN: mx-opt %s --pass-pipeline="builtin.module(mx-fuse-quantization,%{lower})" | FileCheck %s
// RUN: mx-opt %s --pass-pipeline="builtin.module(%{lower})" | FileCheck %s --check-prefix=UNFUSED

// The allocations of the lowered program (up to bufferization): with the
// fusion, the product reads the MX operands directly and decodes a K-block
// at a time, so no f32 buffer of an operand's size (64 x 256, 256 x 128) or
// of all block dots (64 x 8 x 128) exists; the largest f32 buffers are the
// result and one tile of block dots (1 x 8 x 32). Without it, both operands
// are expanded to f32 first (in their blocked views, 64 x 1 x 8 x 32 and
// 8 x 32 x 128 x 1).

// CHECK-LABEL: func.func @layer
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{64x256|64x1x8x32|256x128|8x32x128x1|64x8x128}}xf32>
// CHECK: memref.alloc() {{.*}} : memref<64x128xf32>
// CHECK: memref.alloc() {{.*}} : memref<1x8x32xf32>
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{64x256|64x1x8x32|256x128|8x32x128x1|64x8x128}}xf32>
// CHECK: return

// UNFUSED-LABEL: func.func @layer
// UNFUSED-DAG: memref.alloc() {{.*}} : memref<64x1x8x32xf32>
// UNFUSED-DAG: memref.alloc() {{.*}} : memref<8x32x128x1xf32>
func.func @layer(%qa: !mx.tensor<64x256xf8E4M3FN, block = [1, 32]>, %qb: !mx.tensor<256x128xf4E2M1FN, block = [32, 1]>) -> tensor<64x128xf32> {
  %a = mx.dequantize %qa : !mx.tensor<64x256xf8E4M3FN, block = [1, 32]> -> tensor<64x256xf32>
  %b = mx.dequantize %qb : !mx.tensor<256x128xf4E2M1FN, block = [32, 1]> -> tensor<256x128xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x128xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %c = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x128xf32>) outs(%z : tensor<64x128xf32>) -> tensor<64x128xf32>
  return %c : tensor<64x128xf32>
}

// Quantize into producers: the bias add and relu are computed a row at a
// time (1 x 256 f32) and quantized in the same loop; no 64 x 256 f32 buffer
// holds them (unfused, the relu result is one, and the bias add another).
// CHECK-LABEL: func.func @producers
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{64x256|64x1x8x32}}xf32>
// CHECK: memref.alloc() {{.*}} : memref<1x256xf32>
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{64x256|64x1x8x32}}xf32>
// CHECK: return
// UNFUSED-LABEL: func.func @producers
// UNFUSED: memref.alloc() {{.*}} : memref<64x256xf32>
func.func @producers(%m: tensor<64x256xf32>, %bias: tensor<256xf32>) -> !mx.tensor<64x256xf8E4M3FN, block = [1, 32]> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x256xf32>
  %bb = linalg.broadcast ins(%bias : tensor<256xf32>) outs(%e : tensor<64x256xf32>) dimensions = [0]
  %y = arith.addf %m, %bb : tensor<64x256xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x256xf32>) -> tensor<64x256xf32>
  %r = arith.maximumf %y, %z : tensor<64x256xf32>
  %q = mx.quantize %r : tensor<64x256xf32> -> !mx.tensor<64x256xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<64x256xf8E4M3FN, block = [1, 32]>
}

// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f,+avx512bw,+avx512bf16,+avx512vnni -canonicalize -cse -split-input-file | FileCheck %s

// FP8 with f32 scales (DeepSeek-V3's recipe): 1 x 64 activation tiles by
// 64 x 64 weight blocks. The weights become 64 x 1 blocks, each column
// repeating its block's scale (at compile time for constant weights: 0.5
// for columns 0-63, 0.25 for 64-79), and the product runs on the packed
// kernel (bf16 pairs on vdpbf16ps, the f32 scales multiplied per K-block).
// CHECK-LABEL: func.func @constant_blocks
// CHECK-DAG: arith.constant dense<{{\[\[}}5.000000e-01, {{.*}}5.000000e-01, 2.500000e-01, {{.*}}2.500000e-01]]> : tensor<1x80xf32>
// CHECK-NOT: linalg.generic
// CHECK: x86vector.avx512.dot
// CHECK: return
func.func @constant_blocks(%a: !mx.tensor<8x64xf8E4M3FN, block = [1, 64], scale = f32>) -> tensor<8x80xf32> {
  %e = arith.constant dense<1.0> : tensor<64x80xf8E4M3FN>
  %s = arith.constant dense<[[0.5, 0.25]]> : tensor<1x2xf32>
  %b = mx.pack %e, %s : tensor<64x80xf8E4M3FN>, tensor<1x2xf32> -> !mx.tensor<64x80xf8E4M3FN, block = [64, 64], scale = f32>
  %c = mx.matmul %a, %b : !mx.tensor<8x64xf8E4M3FN, block = [1, 64], scale = f32>, !mx.tensor<64x80xf8E4M3FN, block = [64, 64], scale = f32> -> tensor<8x80xf32>
  return %c : tensor<8x80xf32>
}

// -----

// Weights as an argument: the 2 x 2 scale grid is broadcast to 2 x 2 x 64,
// collapsed to 2 x 128 and sliced to the 80 columns per call.
// CHECK-LABEL: func.func @argument_blocks
// CHECK: linalg.broadcast ins(%{{.*}} : tensor<2x2xf32>) outs(%{{.*}} : tensor<2x2x64xf32>) dimensions = [2]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<2x2x64xf32> into tensor<2x128xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 80] [1, 1] : tensor<2x128xf32> to tensor<2x80xf32>
// CHECK: x86vector.avx512.dot
func.func @argument_blocks(%a: !mx.tensor<8x128xf8E4M3FN, block = [1, 64], scale = f32>, %b: !mx.tensor<128x80xf8E5M2, block = [64, 64], scale = f32>) -> tensor<8x80xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<8x128xf8E4M3FN, block = [1, 64], scale = f32>, !mx.tensor<128x80xf8E5M2, block = [64, 64], scale = f32> -> tensor<8x80xf32>
  return %c : tensor<8x80xf32>
}

// -----

// A partial K-block (K = 96, blocks of 64): no kernel takes the product,
// so the 2-D blocks stay and the linalg lowering runs.
// CHECK-LABEL: func.func @partial_k_block
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: x86vector.avx512.dot
// CHECK: linalg.generic
func.func @partial_k_block(%a: !mx.tensor<8x96xf8E4M3FN, block = [1, 64], scale = f32>, %b: !mx.tensor<96x64xf8E4M3FN, block = [64, 64], scale = f32>) -> tensor<8x64xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<8x96xf8E4M3FN, block = [1, 64], scale = f32>, !mx.tensor<96x64xf8E4M3FN, block = [64, 64], scale = f32> -> tensor<8x64xf32>
  return %c : tensor<8x64xf32>
}

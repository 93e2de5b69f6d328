// RUN: mx-opt %s -split-input-file -mx-propagate-scales -canonicalize | FileCheck %s
// RUN: mx-opt %s -split-input-file -mx-propagate-scales -canonicalize -convert-mx-to-linalg -canonicalize | FileCheck %s --check-prefix=LOWERED

// The scale-only rules of -mx-propagate-scales on MX tensors.

// A power-of-two growth (multiply by 8, divide by 1/4) of a dequantized MX
// tensor moves its scales (mx.ldexp) and leaves its elements alone. The
// re-quantization stays, even of an encoding quantize made: a grown block
// can pass f32's range, where the dequantize gives Inf and the quantize a
// NaN block (canonicalize.mlir).
// CHECK-LABEL: func.func @power_of_two
// CHECK-NEXT: %[[Q:.*]] = mx.quantize %arg0
// CHECK-NEXT: %[[L:.*]] = mx.ldexp %[[Q]], 3
// CHECK-NEXT: %[[LD:.*]] = mx.dequantize %[[L]]
// CHECK-NEXT: %[[R:.*]] = mx.ldexp %[[Q]], 2
// CHECK-NEXT: %[[RD:.*]] = mx.dequantize %[[R]]
// CHECK-NEXT: %[[A:.*]] = mx.quantize %[[LD]]
// CHECK-NEXT: %[[B:.*]] = mx.quantize %[[RD]]
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @power_of_two(%x: tensor<4x64xf32>) -> (!mx.tensor<4x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>) {
  %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  %d = mx.dequantize %q : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> -> tensor<4x64xf32>
  %eight = arith.constant dense<8.0> : tensor<4x64xf32>
  %quarter = arith.constant dense<0.25> : tensor<4x64xf32>
  %m = arith.mulf %eight, %d : tensor<4x64xf32>
  %v = arith.divf %d, %quarter : tensor<4x64xf32>
  %a = mx.quantize %m : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  %b = mx.quantize %v : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  return %a, %b : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
}

// -----

// The same growth of an argument: its encoding need not be one quantize
// makes, so the re-quantization stays (of the shifted tensor). Lowered,
// the shift reads only the scales (bytes of E8M0 in, E8M0 out); the codes
// (i8) reach the dequantize untouched.
// CHECK-LABEL: func.func @power_of_two_of_argument
// CHECK-NEXT: %[[L:.*]] = mx.ldexp %arg0, 3
// CHECK-NEXT: %[[D:.*]] = mx.dequantize %[[L]]
// CHECK-NEXT: %[[R:.*]] = mx.quantize %[[D]]
// CHECK-NEXT: return %[[R]]
// LOWERED-LABEL: func.func @power_of_two_of_argument
// LOWERED-SAME: (%{{.*}}: tensor<4x64xi8>, %[[SCALES:.*]]: tensor<4x2xf8E8M0FNU>)
// LOWERED: %[[SHIFTED:.*]] = linalg.generic {{.*}} ins(%[[SCALES]] : tensor<4x2xf8E8M0FNU>) outs(%{{.*}} : tensor<4x2xf8E8M0FNU>)
// LOWERED: linalg.generic {{.*}} ins(%{{.*}}, %[[SHIFTED]] : tensor<4x1x2x32xi8>, tensor<4x2xf8E8M0FNU>)
func.func @power_of_two_of_argument(%q: !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>) -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> {
  %d = mx.dequantize %q : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> -> tensor<4x64xf32>
  %eight = arith.constant dense<8.0> : tensor<4x64xf32>
  %m = arith.mulf %eight, %d : tensor<4x64xf32>
  %a = mx.quantize %m : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  return %a : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
}

// -----

// Not a power of two (3.0), a division of 2^k by the tensor, or a shrink
// (x * 0.5, x / 4): unchanged.
// CHECK-LABEL: func.func @not_power_of_two
// CHECK-NOT: mx.ldexp
// CHECK: return
func.func @not_power_of_two(%q: !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %d = mx.dequantize %q : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> -> tensor<4x64xf32>
  %three = arith.constant dense<3.0> : tensor<4x64xf32>
  %two = arith.constant dense<2.0> : tensor<4x64xf32>
  %m = arith.mulf %d, %three : tensor<4x64xf32>
  %v = arith.divf %two, %d : tensor<4x64xf32>
  %four = arith.constant dense<4.0> : tensor<4x64xf32>
  %half = arith.constant dense<0.5> : tensor<4x64xf32>
  %s = arith.divf %d, %four : tensor<4x64xf32>
  %h = arith.mulf %d, %half : tensor<4x64xf32>
  %qs = mx.quantize %s : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  %qh = mx.quantize %h : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  return %m, %v : tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// Transposing a 2-D-blocked MX tensor that quantize made moves its blocks:
// mx.transpose, no re-quantization; lowered, codes and scales are
// transposed, nothing decoded after the quantize.
// CHECK-LABEL: func.func @transpose_2d_blocks
// CHECK: %[[Q:.*]] = mx.quantize %arg0
// CHECK: %[[T:.*]] = mx.transpose %[[Q]] [1, 0] : !mx.tensor<64x32xf4E2M1FN, block = [32, 32]> -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
// CHECK-NOT: mx.quantize
// CHECK: return %[[T]]
// LOWERED-LABEL: func.func @transpose_2d_blocks
// LOWERED: linalg.transpose ins(%{{.*}} : tensor<64x32xi8>)
// LOWERED: linalg.transpose ins(%{{.*}} : tensor<2x1xf8E8M0FNU>)
// LOWERED-NOT: arith.mulf
// LOWERED: return
func.func @transpose_2d_blocks(%x: tensor<64x32xf32>) -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]> {
  %q = mx.quantize %x : tensor<64x32xf32> -> !mx.tensor<64x32xf4E2M1FN, block = [32, 32]>
  %d = mx.dequantize %q : !mx.tensor<64x32xf4E2M1FN, block = [32, 32]> -> tensor<64x32xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %t = linalg.transpose ins(%d : tensor<64x32xf32>) outs(%e : tensor<32x64xf32>) permutation = [1, 0]
  %r = mx.quantize %t : tensor<32x64xf32> -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
  return %r : !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
}

// -----

// The same of an argument re-quantizes: its encoding is not known to be
// one that quantize makes.
// CHECK-LABEL: func.func @transpose_2d_blocks_of_argument
// CHECK: mx.dequantize
// CHECK: linalg.transpose
// CHECK: mx.quantize
// CHECK-NOT: mx.transpose
func.func @transpose_2d_blocks_of_argument(%q: !mx.tensor<64x32xf4E2M1FN, block = [32, 32]>) -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]> {
  %d = mx.dequantize %q : !mx.tensor<64x32xf4E2M1FN, block = [32, 32]> -> tensor<64x32xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %t = linalg.transpose ins(%d : tensor<64x32xf32>) outs(%e : tensor<32x64xf32>) permutation = [1, 0]
  %r = mx.quantize %t : tensor<32x64xf32> -> !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
  return %r : !mx.tensor<32x64xf4E2M1FN, block = [32, 32]>
}

// -----

// 1-D blocks along K become blocks along the other axis: re-quantized.
// LOWERED-LABEL: func.func @transpose_1d_blocks
// CHECK-LABEL: func.func @transpose_1d_blocks
// CHECK: mx.dequantize
// CHECK: linalg.transpose
// CHECK: mx.quantize
// CHECK-NOT: mx.transpose
func.func @transpose_1d_blocks(%q: !mx.tensor<64x32xf8E4M3FN, block = [1, 32]>) -> !mx.tensor<32x64xf8E4M3FN, block = [1, 32]> {
  %d = mx.dequantize %q : !mx.tensor<64x32xf8E4M3FN, block = [1, 32]> -> tensor<64x32xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %t = linalg.transpose ins(%d : tensor<64x32xf32>) outs(%e : tensor<32x64xf32>) permutation = [1, 0]
  %r = mx.quantize %t : tensor<32x64xf32> -> !mx.tensor<32x64xf8E4M3FN, block = [1, 32]>
  return %r : !mx.tensor<32x64xf8E4M3FN, block = [1, 32]>
}

// -----

// neg, abs and ReLU of an MX tensor, re-quantized to its own type, keep its
// block scales: quantize with q's scales, no amax.
// CHECK-LABEL: func.func @keep_block_scales
// CHECK: %{{.*}}, %[[S1:.*]] = mx.unpack %arg0
// CHECK-NEXT: mx.quantize %{{.*}} scales(%[[S1]] : tensor<4x2xf8E8M0FNU>)
// CHECK-NEXT: %{{.*}}, %[[S2:.*]] = mx.unpack %arg0
// CHECK-NEXT: mx.quantize %{{.*}} scales(%[[S2]] : tensor<4x2xf8E8M0FNU>)
// CHECK-NEXT: %{{.*}}, %[[S3:.*]] = mx.unpack %arg0
// CHECK-NEXT: mx.quantize %{{.*}} scales(%[[S3]] : tensor<4x2xf8E8M0FNU>)
// A multiply by 3 can leave the range: its scales are recomputed.
// CHECK-NEXT: mx.quantize %{{.*}} : tensor<4x64xf32>
func.func @keep_block_scales(%q: !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>) -> (!mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>) {
  %d = mx.dequantize %q : !mx.tensor<4x64xf4E2M1FN, block = [1, 32]> -> tensor<4x64xf32>
  %zero = arith.constant dense<0.0> : tensor<4x64xf32>
  %three = arith.constant dense<3.0> : tensor<4x64xf32>
  %n = arith.negf %d : tensor<4x64xf32>
  %a = math.absf %d : tensor<4x64xf32>
  %r = arith.maximumf %d, %zero : tensor<4x64xf32>
  %t = arith.mulf %d, %three : tensor<4x64xf32>
  %qn = mx.quantize %n : tensor<4x64xf32> -> !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
  %qa = mx.quantize %a : tensor<4x64xf32> -> !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
  %qr = mx.quantize %r : tensor<4x64xf32> -> !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
  %qt = mx.quantize %t : tensor<4x64xf32> -> !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
  return %qn, %qa, %qr, %qt : !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
}

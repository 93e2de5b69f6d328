// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// FP8 tiles with f32 scales (DeepSeek-V3 block scaling): the scales stay
// an f32 tensor over the tile grid. Quotient scales are amax / 448 (at
// least 2^-149; 1 for a zero tile, NaN for a non-finite one); each element
// is the double quotient x / scale, rounded to f32 to odd and then once to
// E4M3, so it is rounded once.
// CHECK-LABEL: func.func @quantize_quotient
// CHECK-SAME: (%[[X:.+]]: tensor<4x256xf32>) -> (tensor<4x256xi8>, tensor<4x2xf32>)
// CHECK: %[[AMAX:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel", "reduction"]} ins(%{{.*}} : tensor<4x1x2x128xf32>) outs(%{{.*}} : tensor<4x2xf32>)
// CHECK: %[[S:.+]] = linalg.generic {{.*}} ins(%[[AMAX]] : tensor<4x2xf32>) outs(%{{.*}} : tensor<4x2xf32>)
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: arith.maximumf
// CHECK: %[[CODES:.+]] = linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : tensor<4x1x2x128xf32>, tensor<4x2xf32>) outs(%{{.*}} : tensor<4x1x2x128xi8>)
// CHECK: arith.divf %{{.*}}, %{{.*}} : f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: arith.cmpf uno
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[CODES]]
// CHECK: return %[[FLAT]], %[[S]] : tensor<4x256xi8>, tensor<4x2xf32>
func.func @quantize_quotient(%x: tensor<4x256xf32>) -> !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32> {
  %q = mx.quantize %x scale_rule<quotient> : tensor<4x256xf32> -> !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>
  return %q : !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>
}

// -----

// Power-of-two scales from amax's f64 exponent and fraction (no division):
// the exponent field of an f64 built from k, truncated to f32 exactly.
// CHECK-LABEL: func.func @quantize_rceil
// CHECK-SAME: -> (tensor<256x256xi8>, tensor<2x2xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x2xf32>) outs(%{{.*}} : tensor<2x2xf32>)
// CHECK-NOT: arith.divf
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: arith.maxsi
// CHECK: arith.bitcast %{{.*}} : i64 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @quantize_rceil(%x: tensor<256x256xf16>) -> !mx.tensor<256x256xf8E5M2, block = [128, 128], scale = f32> {
  %q = mx.quantize %x scale_rule<rceil> : tensor<256x256xf16> -> !mx.tensor<256x256xf8E5M2, block = [128, 128], scale = f32>
  return %q : !mx.tensor<256x256xf8E5M2, block = [128, 128], scale = f32>
}

// -----

// Dequantize: the element (exact in f32) times its scale in f64, exact,
// then one rounding: straight to f32, or to odd f32 and then to f16.
// CHECK-LABEL: func.func @dequantize
// CHECK-SAME: (%[[E:.+]]: tensor<256x256xi8>, %[[S:.+]]: tensor<2x2xf32>) -> tensor<256x256xf16>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : tensor<2x128x2x128xi8>, tensor<2x2xf32>) outs(%{{.*}} : tensor<2x128x2x128xf16>)
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @dequantize(%q: !mx.tensor<256x256xf8E5M2, block = [128, 128], scale = f32>) -> tensor<256x256xf16> {
  %x = mx.dequantize %q : !mx.tensor<256x256xf8E5M2, block = [128, 128], scale = f32> -> tensor<256x256xf16>
  return %x : tensor<256x256xf16>
}

// -----

// NVFP4-style E4M3 block scales: the scale's value times the element,
// exact in f32.
// CHECK-LABEL: func.func @dequantize_e4m3_scales
// CHECK-SAME: (%{{.*}}: tensor<4x32xi8>, %[[S:.+]]: tensor<4x4xf8E4M3FN>) -> tensor<4x64xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : tensor<4x1x4x16xi8>, tensor<4x4xf8E4M3FN>)
// CHECK: arith.bitcast %{{.*}} : f8E4M3FN to i8
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
func.func @dequantize_e4m3_scales(%q: !mx.tensor<4x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>) -> tensor<4x64xf32> {
  %x = mx.dequantize %q : !mx.tensor<4x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> -> tensor<4x64xf32>
  return %x : tensor<4x64xf32>
}

// -----

// The DeepSeek-V3 GEMM: 1 x 128 activation tiles by 128 x 128 weight
// blocks; each K-block's f32 dot is multiplied by both f32 scales as they
// are (no E8M0 decoding).
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%{{.*}}: tensor<4x256xi8>, %[[SA:.+]]: tensor<4x2xf32>, %{{.*}}: tensor<256x384xi8>, %[[SB:.+]]: tensor<2x3xf32>) -> tensor<4x384xf32>
// CHECK-NOT: arith.shli
// CHECK: linalg.generic {{.*}} ins(%[[SA]] : tensor<4x2xf32>) outs(%{{.*}} : tensor<4x1x2xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[SB]] : tensor<2x3xf32>) outs(%{{.*}} : tensor<2x3x128xf32>)
func.func @matmul(%a: !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>,
                  %b: !mx.tensor<256x384xf8E4M3FN, block = [128, 128], scale = f32>) -> tensor<4x384xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>, !mx.tensor<256x384xf8E4M3FN, block = [128, 128], scale = f32> -> tensor<4x384xf32>
  return %c : tensor<4x384xf32>
}

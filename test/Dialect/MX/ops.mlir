// RUN: mx-opt %s | mx-opt | FileCheck %s
// RUN: mx-opt %s -mlir-print-op-generic | mx-opt | FileCheck %s

// CHECK-LABEL: func.func @quantize_defaults
// CHECK: mx.quantize %{{.*}} : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
func.func @quantize_defaults(%x: tensor<64x128xf32>) -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return %q : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
}

// Defaults written out are elided when printed.
// CHECK-LABEL: func.func @quantize_explicit_defaults
// CHECK: mx.quantize %{{.*}} : tensor<32xf32>
// CHECK-NOT: scale_rule
func.func @quantize_explicit_defaults(%x: tensor<32xf32>) -> !mx.tensor<32xf8E4M3FN, block = [32]> {
  %q = mx.quantize %x scale_rule<floor> rounding<rne> saturation<saturate> : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return %q : !mx.tensor<32xf8E4M3FN, block = [32]>
}

// CHECK-LABEL: func.func @quantize_options
// CHECK: mx.quantize %{{.*}} scale_rule<ceil> rounding<rtz> : tensor<32xbf16>
// CHECK: mx.quantize %{{.*}} scale_rule<even> : tensor<32xf16>
// CHECK: mx.quantize %{{.*}} scale_rule<rceil> rounding<stochastic> seed(42) saturation<nonfinite> : tensor<32xf32>
// CHECK: mx.quantize %{{.*}} saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32xf8E5M2, block = [32]>
func.func @quantize_options(%a: tensor<32xbf16>, %b: tensor<32xf16>, %c: tensor<32xf32>) {
  %0 = mx.quantize %a scale_rule<ceil> rounding<rtz> : tensor<32xbf16> -> !mx.tensor<32xi8, block = [32]>
  %1 = mx.quantize %b scale_rule<even> : tensor<32xf16> -> !mx.tensor<32xf6E3M2FN, block = [32]>
  %2 = mx.quantize %c scale_rule<rceil> rounding<stochastic> seed(42) saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %3 = mx.quantize %c saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32xf8E5M2, block = [32]>
  return
}

// CHECK-LABEL: func.func @quantize_given_scales
// CHECK: mx.quantize %{{.*}} scales(%{{.*}} : tensor<3x2xf8E8M0FNU>) rounding<stochastic> seed(1) : tensor<3x40xf32> -> !mx.tensor<3x40xf8E4M3FN, block = [1, 32]>
func.func @quantize_given_scales(%x: tensor<3x40xf32>, %s: tensor<3x2xf8E8M0FNU>) -> !mx.tensor<3x40xf8E4M3FN, block = [1, 32]> {
  %q = mx.quantize %x scales(%s : tensor<3x2xf8E8M0FNU>) rounding<stochastic> seed(1) : tensor<3x40xf32> -> !mx.tensor<3x40xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<3x40xf8E4M3FN, block = [1, 32]>
}

// CHECK-LABEL: func.func @quantize_dynamic
// CHECK: mx.quantize %{{.*}} : tensor<?x4096xf32> -> !mx.tensor<?x4096xi8, block = [1, 32]>
func.func @quantize_dynamic(%x: tensor<?x4096xf32>) -> !mx.tensor<?x4096xi8, block = [1, 32]> {
  %q = mx.quantize %x : tensor<?x4096xf32> -> !mx.tensor<?x4096xi8, block = [1, 32]>
  return %q : !mx.tensor<?x4096xi8, block = [1, 32]>
}

// CHECK-LABEL: func.func @dequantize
// CHECK: mx.dequantize %{{.*}} : !mx.tensor<64x128xf6E2M3FN, block = [32, 32]> -> tensor<64x128xf32>
// CHECK: mx.dequantize %{{.*}} : !mx.tensor<64x128xf6E2M3FN, block = [32, 32]> -> tensor<64x128xbf16>
func.func @dequantize(%q: !mx.tensor<64x128xf6E2M3FN, block = [32, 32]>) -> (tensor<64x128xf32>, tensor<64x128xbf16>) {
  %0 = mx.dequantize %q : !mx.tensor<64x128xf6E2M3FN, block = [32, 32]> -> tensor<64x128xf32>
  %1 = mx.dequantize %q : !mx.tensor<64x128xf6E2M3FN, block = [32, 32]> -> tensor<64x128xbf16>
  return %0, %1 : tensor<64x128xf32>, tensor<64x128xbf16>
}

// Mixed formats, a 2-D block on the rhs, a partial last K-block (K = 80).
// CHECK-LABEL: func.func @matmul
// CHECK: mx.matmul %{{.*}}, %{{.*}} : !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>, !mx.tensor<80x64xf8E4M3FN, block = [32, 32]> -> tensor<16x64xf32>
func.func @matmul(%a: !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>,
                  %b: !mx.tensor<80x64xf8E4M3FN, block = [32, 32]>) -> tensor<16x64xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>, !mx.tensor<80x64xf8E4M3FN, block = [32, 32]> -> tensor<16x64xf32>
  return %c : tensor<16x64xf32>
}

// Weight-only: f32 activations times MX weights, or MX times f32.
// CHECK-LABEL: func.func @matmul_f32_operand
// CHECK: mx.matmul %{{.*}}, %{{.*}} : tensor<16x80xf32>, !mx.tensor<80x64xf4E2M1FN, block = [32, 1]> -> tensor<16x64xf32>
// CHECK: mx.matmul %{{.*}}, %{{.*}} : !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>, tensor<80x64xf32> -> tensor<16x64xf32>
func.func @matmul_f32_operand(%x: tensor<16x80xf32>, %w: !mx.tensor<80x64xf4E2M1FN, block = [32, 1]>,
                              %a: !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>, %y: tensor<80x64xf32>) -> (tensor<16x64xf32>, tensor<16x64xf32>) {
  %c = mx.matmul %x, %w : tensor<16x80xf32>, !mx.tensor<80x64xf4E2M1FN, block = [32, 1]> -> tensor<16x64xf32>
  %d = mx.matmul %a, %y : !mx.tensor<16x80xf4E2M1FN, block = [1, 32]>, tensor<80x64xf32> -> tensor<16x64xf32>
  return %c, %d : tensor<16x64xf32>, tensor<16x64xf32>
}

// CHECK-LABEL: func.func @matmul_dynamic
// CHECK: mx.matmul %{{.*}}, %{{.*}} : !mx.tensor<?x4096xi8, block = [1, 32]>, !mx.tensor<4096x?xi8, block = [32, 1]> -> tensor<?x?xf32>
func.func @matmul_dynamic(%a: !mx.tensor<?x4096xi8, block = [1, 32]>,
                          %b: !mx.tensor<4096x?xi8, block = [32, 1]>) -> tensor<?x?xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<?x4096xi8, block = [1, 32]>, !mx.tensor<4096x?xi8, block = [32, 1]> -> tensor<?x?xf32>
  return %c : tensor<?x?xf32>
}

// CHECK-LABEL: func.func @pack_unpack
// CHECK: %[[E:.+]], %[[S:.+]] = mx.unpack %{{.*}} : !mx.tensor<3x40xf4E2M1FN, block = [1, 32]> -> tensor<3x40xf4E2M1FN>, tensor<3x2xf8E8M0FNU>
// CHECK: mx.pack %[[E]], %[[S]] : tensor<3x40xf4E2M1FN>, tensor<3x2xf8E8M0FNU> -> !mx.tensor<3x40xf4E2M1FN, block = [1, 32]>
func.func @pack_unpack(%q: !mx.tensor<3x40xf4E2M1FN, block = [1, 32]>) -> !mx.tensor<3x40xf4E2M1FN, block = [1, 32]> {
  %e, %s = mx.unpack %q : !mx.tensor<3x40xf4E2M1FN, block = [1, 32]> -> tensor<3x40xf4E2M1FN>, tensor<3x2xf8E8M0FNU>
  %p = mx.pack %e, %s : tensor<3x40xf4E2M1FN>, tensor<3x2xf8E8M0FNU> -> !mx.tensor<3x40xf4E2M1FN, block = [1, 32]>
  return %p : !mx.tensor<3x40xf4E2M1FN, block = [1, 32]>
}

// CHECK-LABEL: func.func @pack_int8_nvfp4_dynamic
// CHECK: mx.pack %{{.*}}, %{{.*}} : tensor<?x64xi8>, tensor<?x2xf8E8M0FNU> -> !mx.tensor<?x64xi8, block = [1, 32]>
// CHECK: mx.pack %{{.*}}, %{{.*}} : tensor<8x64xf4E2M1FN>, tensor<8x4xf8E4M3FN> -> !mx.tensor<8x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
func.func @pack_int8_nvfp4_dynamic(%e: tensor<?x64xi8>, %s: tensor<?x2xf8E8M0FNU>,
                                   %e4: tensor<8x64xf4E2M1FN>, %s4: tensor<8x4xf8E4M3FN>) {
  %0 = mx.pack %e, %s : tensor<?x64xi8>, tensor<?x2xf8E8M0FNU> -> !mx.tensor<?x64xi8, block = [1, 32]>
  %1 = mx.pack %e4, %s4 : tensor<8x64xf4E2M1FN>, tensor<8x4xf8E4M3FN> -> !mx.tensor<8x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return
}

// CHECK-LABEL: func.func @cast
// CHECK: mx.cast %{{.*}} : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x128xf4E2M1FN, block = [32, 32]>
// CHECK: mx.cast %{{.*}} scale_rule<rceil> rounding<stochastic> seed(3) : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x128xf8E5M2, block = [1, 32]>
func.func @cast(%q: !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>) {
  %0 = mx.cast %q : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x128xf4E2M1FN, block = [32, 32]>
  %1 = mx.cast %q scale_rule<rceil> rounding<stochastic> seed(3) : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x128xf8E5M2, block = [1, 32]>
  return
}

// CHECK-LABEL: func.func @ldexp
// CHECK: mx.ldexp %{{.*}}, -3 : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
// CHECK: mx.ldexp %{{.*}}, 5 : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
func.func @ldexp(%q: !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>) -> !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> {
  %0 = mx.ldexp %q, -3 : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
  %1 = mx.ldexp %0, 5 : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
  return %1 : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
}

// Two-level formats: computed exponents, rne or rtz.
// CHECK-LABEL: func.func @two_level
// CHECK: %[[Q:.+]] = mx.quantize %{{.*}} rounding<rtz> : tensor<8x48xf32> -> !mx.tensor<8x48x!mx.microexp<mx6>, block = [1, 16]>
// CHECK: mx.dequantize %[[Q]] : !mx.tensor<8x48x!mx.microexp<mx6>, block = [1, 16]> -> tensor<8x48xbf16>
// CHECK: mx.matmul %[[Q]], %{{.*}} : !mx.tensor<8x48x!mx.microexp<mx6>, block = [1, 16]>, !mx.tensor<48x4x!mx.microexp<mx9>, block = [16, 1]> -> tensor<8x4xf32>
func.func @two_level(%x: tensor<8x48xf32>, %w: !mx.tensor<48x4x!mx.microexp<mx9>, block = [16, 1]>) -> (tensor<8x48xbf16>, tensor<8x4xf32>) {
  %q = mx.quantize %x rounding<rtz> : tensor<8x48xf32> -> !mx.tensor<8x48x!mx.microexp<mx6>, block = [1, 16]>
  %d = mx.dequantize %q : !mx.tensor<8x48x!mx.microexp<mx6>, block = [1, 16]> -> tensor<8x48xbf16>
  %c = mx.matmul %q, %w : !mx.tensor<8x48x!mx.microexp<mx6>, block = [1, 16]>, !mx.tensor<48x4x!mx.microexp<mx9>, block = [16, 1]> -> tensor<8x4xf32>
  return %d, %c : tensor<8x48xbf16>, tensor<8x4xf32>
}

// CHECK-LABEL: func.func @one_level_storage
// CHECK: mx.from_storage %arg0, %arg1 : tensor<256x64xi8>, tensor<256x4xf8E8M0FNU> -> !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
// CHECK: mx.from_storage %arg2, %arg3 : tensor<16x32xi8>, tensor<2x32xf8E8M0FNU> -> !mx.tensor<16x32xf8E4M3FN, block = [8, 1]>
func.func @one_level_storage(%c: tensor<256x64xi8>, %s: tensor<256x4xf8E8M0FNU>,
                             %c8: tensor<16x32xi8>, %s8: tensor<2x32xf8E8M0FNU>)
    -> (!mx.tensor<256x128xf4E2M1FN, block = [1, 32]>, !mx.tensor<16x32xf8E4M3FN, block = [8, 1]>) {
  %q = mx.from_storage %c, %s : tensor<256x64xi8>, tensor<256x4xf8E8M0FNU> -> !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
  %r = mx.from_storage %c8, %s8 : tensor<16x32xi8>, tensor<2x32xf8E8M0FNU> -> !mx.tensor<16x32xf8E4M3FN, block = [8, 1]>
  return %q, %r : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>, !mx.tensor<16x32xf8E4M3FN, block = [8, 1]>
}

// mx.to_storage of a one-level tensor: its codes and scales as stored.
// CHECK-LABEL: func.func @one_level_to_storage
// CHECK: %{{.*}}:2 = mx.to_storage %{{.*}} : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]> -> tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
func.func @one_level_to_storage(%q: !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>) -> (tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>) {
  %c, %s = mx.to_storage %q : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]> -> tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
  return %c, %s : tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
}

// CHECK-LABEL: func.func @storage
// CHECK: %[[Q:.+]] = mx.from_storage %arg0 : tensor<4x3x12xi8> -> !mx.tensor<4x40x!mx.microexp<mx6>, block = [1, 16]>
// CHECK: mx.to_storage %[[Q]] : !mx.tensor<4x40x!mx.microexp<mx6>, block = [1, 16]> -> tensor<4x3x12xi8>
func.func @storage(%b: tensor<4x3x12xi8>) -> tensor<4x3x12xi8> {
  %q = mx.from_storage %b : tensor<4x3x12xi8> -> !mx.tensor<4x40x!mx.microexp<mx6>, block = [1, 16]>
  %c = mx.to_storage %q : !mx.tensor<4x40x!mx.microexp<mx6>, block = [1, 16]> -> tensor<4x3x12xi8>
  return %c : tensor<4x3x12xi8>
}

// CHECK-LABEL: func.func @hadamard
// CHECK: %[[Y:.+]] = mx.hadamard %arg0 axis(1) seed(7) : tensor<4x32xf32>
// CHECK: mx.hadamard %[[Y]] axis(1) seed(7) inverse : tensor<4x32xf32>
// CHECK: mx.hadamard %{{.*}} axis(0) : tensor<?x4xf32>
func.func @hadamard(%x: tensor<4x32xf32>, %d: tensor<?x4xf32>) -> (tensor<4x32xf32>, tensor<?x4xf32>) {
  %y = mx.hadamard %x axis(1) seed(7) : tensor<4x32xf32>
  %z = mx.hadamard %y axis(1) seed(7) inverse : tensor<4x32xf32>
  %w = mx.hadamard %d axis(0) : tensor<?x4xf32>
  return %z, %w : tensor<4x32xf32>, tensor<?x4xf32>
}

// CHECK-LABEL: func.func @nvfp4
// CHECK: %[[S:.+]] = mx.tensor_scale %arg0 : tensor<4x32xf32>
// CHECK: %[[Q:.+]] = mx.quantize %arg0 tensor_scale(%[[S]]) scale_rule<quotient> : tensor<4x32xf32> -> !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
// CHECK: mx.quantize %arg0 scales(%arg1 : tensor<4x2xf8E4M3FN>) tensor_scale(%[[S]]) : tensor<4x32xf32> -> !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
// CHECK: mx.dequantize %[[Q]] tensor_scale(%[[S]]) : !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> -> tensor<4x32xf16>
// CHECK: mx.matmul %[[Q]], %arg2 alpha(%[[S]]) : !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, !mx.tensor<32x8xf4E2M1FN, block = [16, 1], scale = f8E4M3FN> -> tensor<4x8xf32>
func.func @nvfp4(%x: tensor<4x32xf32>, %bs: tensor<4x2xf8E4M3FN>, %w: !mx.tensor<32x8xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>)
    -> (!mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, tensor<4x32xf16>, tensor<4x8xf32>) {
  %s = mx.tensor_scale %x : tensor<4x32xf32>
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : tensor<4x32xf32> -> !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  %g = mx.quantize %x scales(%bs : tensor<4x2xf8E4M3FN>) tensor_scale(%s) : tensor<4x32xf32> -> !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  %d = mx.dequantize %q tensor_scale(%s) : !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> -> tensor<4x32xf16>
  %c = mx.matmul %q, %w alpha(%s) : !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, !mx.tensor<32x8xf4E2M1FN, block = [16, 1], scale = f8E4M3FN> -> tensor<4x8xf32>
  return %g, %d, %c : !mx.tensor<4x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, tensor<4x32xf16>, tensor<4x8xf32>
}

// Swizzled scales: mx.pack takes them as stored (200 rows pad to 256, 4
// blocks fill a tile column: 1024 bytes); the conversion goes both ways.
// CHECK-LABEL: func.func @scale_layouts
// CHECK: mx.pack %{{.*}}, %{{.*}} : tensor<200x64xf4E2M1FN>, tensor<1024xf8E4M3FN> -> !mx.tensor<200x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled>
// CHECK: mx.convert_scale_layout %{{.*}} : !mx.tensor<200x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled> -> !mx.tensor<200x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
// CHECK: mx.convert_scale_layout %{{.*}} : !mx.tensor<64x96xf8E4M3FN, block = [32, 1]> -> !mx.tensor<64x96xf8E4M3FN, block = [32, 1], scale_layout = swizzled>
func.func @scale_layouts(%e: tensor<200x64xf4E2M1FN>, %s: tensor<1024xf8E4M3FN>,
                         %w: !mx.tensor<64x96xf8E4M3FN, block = [32, 1]>) {
  %p = mx.pack %e, %s : tensor<200x64xf4E2M1FN>, tensor<1024xf8E4M3FN> -> !mx.tensor<200x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled>
  %r = mx.convert_scale_layout %p : !mx.tensor<200x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled> -> !mx.tensor<200x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  %t = mx.convert_scale_layout %w : !mx.tensor<64x96xf8E4M3FN, block = [32, 1]> -> !mx.tensor<64x96xf8E4M3FN, block = [32, 1], scale_layout = swizzled>
  return
}

// The panels layout: mx.pack takes elements and scales as stored, each
// panel of 256 columns whole; the conversion goes both ways.
// CHECK-LABEL: func.func @storage_layouts
// CHECK: mx.pack %{{.*}}, %{{.*}} : tensor<2x64x256xf4E2M1FN>, tensor<2x2x256xf8E8M0FNU> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>
// CHECK: mx.convert_layout %{{.*}} : !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1]>
// CHECK: mx.convert_layout %{{.*}} : !mx.tensor<64x256xi8, block = [32, 1]> -> !mx.tensor<64x256xi8, block = [32, 1], layout = panels>
func.func @storage_layouts(%e: tensor<2x64x256xf4E2M1FN>, %s: tensor<2x2x256xf8E8M0FNU>,
                           %w: !mx.tensor<64x256xi8, block = [32, 1]>) {
  %p = mx.pack %e, %s : tensor<2x64x256xf4E2M1FN>, tensor<2x2x256xf8E8M0FNU> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>
  %r = mx.convert_layout %p : !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1]>
  %t = mx.convert_layout %w : !mx.tensor<64x256xi8, block = [32, 1]> -> !mx.tensor<64x256xi8, block = [32, 1], layout = panels>
  return
}

// RUN: mx-opt %s -canonicalize="test-convergence" -split-input-file | FileCheck %s

// quantize(dequantize(q) : f32) folds back to q where q's encoding is one
// that quantize under the same rule made: floor (any rounding) and even
// with rne.
// CHECK-LABEL: func.func @requantize_same_encoding
// CHECK-NEXT: %[[Q:.+]] = mx.quantize
// CHECK-NEXT: return %[[Q]], %[[Q]]
func.func @requantize_same_encoding(%y: tensor<64x128xf32>)
    -> (!mx.tensor<64x128xf4E2M1FN, block = [1, 32]>, !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>) {
  %q = mx.quantize %y rounding<rtz> : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  %x = mx.dequantize %q : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]> -> tensor<64x128xf32>
  %r = mx.quantize %x : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  %e = mx.quantize %x scale_rule<floor> rounding<stochastic> seed(5) : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return %r, %e : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>, !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
}

// -----

// An encoding from a function argument, mx.pack, given scales, another rule
// or no saturation need not be the one quantize makes: re-quantizing it may
// change its values (a NaN code in a finite block, a largest code below the
// top binade), so the pair stays.
// CHECK-LABEL: func.func @requantize_other_encoding_source_stays
// CHECK-COUNT-5: mx.quantize %{{.*}} : tensor<32xf32>
func.func @requantize_other_encoding_source_stays(%q: !mx.tensor<32xf8E4M3FN, block = [32]>,
    %e: tensor<32xf8E4M3FN>, %s: tensor<1xf8E8M0FNU>, %y: tensor<32xf32>)
    -> (!mx.tensor<32xf8E4M3FN, block = [32]>, !mx.tensor<32xf8E4M3FN, block = [32]>,
        !mx.tensor<32xf8E4M3FN, block = [32]>, !mx.tensor<32xf8E4M3FN, block = [32]>,
        !mx.tensor<32xf8E4M3FN, block = [32]>) {
  %x0 = mx.dequantize %q : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  %r0 = mx.quantize %x0 : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %p = mx.pack %e, %s : tensor<32xf8E4M3FN>, tensor<1xf8E8M0FNU> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %x1 = mx.dequantize %p : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  %r1 = mx.quantize %x1 : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %g = mx.quantize %y scales(%s : tensor<1xf8E8M0FNU>) : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %x2 = mx.dequantize %g : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  %r2 = mx.quantize %x2 : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %c = mx.quantize %y scale_rule<ceil> : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %x3 = mx.dequantize %c : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  %r3 = mx.quantize %x3 : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %n = mx.quantize %y saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %x4 = mx.dequantize %n : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  %r4 = mx.quantize %x4 : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return %r0, %r1, %r2, %r3, %r4 : !mx.tensor<32xf8E4M3FN, block = [32]>, !mx.tensor<32xf8E4M3FN, block = [32]>,
      !mx.tensor<32xf8E4M3FN, block = [32]>, !mx.tensor<32xf8E4M3FN, block = [32]>,
      !mx.tensor<32xf8E4M3FN, block = [32]>
}

// -----

// A quantize's encoding grown by mx.ldexp stays re-quantized: quantize keeps
// every value inside f32's range (an E4M3 block of f32's largest values gets
// scale 2^119), but 448 x 2^120 is past it, so the dequantize gives Inf and
// re-quantizing makes the whole block NaN, where the ldexp'd encoding still
// holds finite values.
// CHECK-LABEL: func.func @requantize_after_ldexp_stays
// CHECK: %[[Q:.+]] = mx.quantize %arg0 :
// CHECK: %[[L:.+]] = mx.ldexp %[[Q]], 1
// CHECK: %[[D:.+]] = mx.dequantize %[[L]]
// CHECK: %[[R:.+]] = mx.quantize %[[D]]
// CHECK: return %[[R]]
func.func @requantize_after_ldexp_stays(%y: tensor<32xf32>) -> !mx.tensor<32xf8E4M3FN, block = [32]> {
  %q = mx.quantize %y : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %l = mx.ldexp %q, 1 : !mx.tensor<32xf8E4M3FN, block = [32]>
  %x = mx.dequantize %l : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  %r = mx.quantize %x : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return %r : !mx.tensor<32xf8E4M3FN, block = [32]>
}

// -----

// dequantize(quantize(x)) is lossy: it stays.
// CHECK-LABEL: func.func @quantize_then_dequantize_stays
// CHECK: %[[Q:.+]] = mx.quantize
// CHECK: %[[D:.+]] = mx.dequantize %[[Q]]
// CHECK: return %[[D]]
func.func @quantize_then_dequantize_stays(%x: tensor<32xf32>) -> tensor<32xf32> {
  %q = mx.quantize %x : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %d = mx.dequantize %q : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  return %d : tensor<32xf32>
}

// -----

// ceil and rceil can pick a smaller scale on re-quantization: no fold.
// CHECK-LABEL: func.func @requantize_ceil_stays
// CHECK: mx.dequantize
// CHECK: mx.quantize %{{.*}} scale_rule<ceil>
// CHECK: mx.quantize %{{.*}} scale_rule<rceil>
func.func @requantize_ceil_stays(%q: !mx.tensor<32xf4E2M1FN, block = [32]>)
    -> (!mx.tensor<32xf4E2M1FN, block = [32]>, !mx.tensor<32xf4E2M1FN, block = [32]>) {
  %x = mx.dequantize %q : !mx.tensor<32xf4E2M1FN, block = [32]> -> tensor<32xf32>
  %c = mx.quantize %x scale_rule<ceil> : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  %r = mx.quantize %x scale_rule<rceil> : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return %c, %r : !mx.tensor<32xf4E2M1FN, block = [32]>, !mx.tensor<32xf4E2M1FN, block = [32]>
}

// -----

// even may round amax up a binade; with rtz or stochastic rounding the
// largest element can then round down, and re-quantizing picks the smaller
// scale (found by mx-numerics-fuzzer): no fold. even with rne folds.
// CHECK-LABEL: func.func @requantize_even_without_rne_stays
// CHECK: %[[Q:.+]] = mx.quantize %{{.*}} scale_rule<even> :
// CHECK: mx.dequantize
// CHECK: %[[T:.+]] = mx.quantize %{{.*}} scale_rule<even> rounding<rtz>
// CHECK: %[[S:.+]] = mx.quantize %{{.*}} scale_rule<even> rounding<stochastic>
// CHECK: return %[[T]], %[[S]], %[[Q]]
func.func @requantize_even_without_rne_stays(%y: tensor<32xf32>)
    -> (!mx.tensor<32xf4E2M1FN, block = [32]>, !mx.tensor<32xf4E2M1FN, block = [32]>, !mx.tensor<32xf4E2M1FN, block = [32]>) {
  %q = mx.quantize %y scale_rule<even> : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  %x = mx.dequantize %q : !mx.tensor<32xf4E2M1FN, block = [32]> -> tensor<32xf32>
  %t = mx.quantize %x scale_rule<even> rounding<rtz> : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  %s = mx.quantize %x scale_rule<even> rounding<stochastic> seed(5) : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  %n = mx.quantize %x scale_rule<even> : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return %t, %s, %n : !mx.tensor<32xf4E2M1FN, block = [32]>, !mx.tensor<32xf4E2M1FN, block = [32]>, !mx.tensor<32xf4E2M1FN, block = [32]>
}

// -----

// A bf16 dequantize may have rounded, another format or block is a real
// re-quantization: neither folds.
// CHECK-LABEL: func.func @requantize_other_encoding_stays
// CHECK: mx.dequantize %{{.*}} -> tensor<32xbf16>
// CHECK: mx.quantize
// CHECK: mx.dequantize %{{.*}} -> tensor<32xf32>
// CHECK: mx.quantize
func.func @requantize_other_encoding_stays(%q: !mx.tensor<32xf8E4M3FN, block = [32]>)
    -> (!mx.tensor<32xf8E4M3FN, block = [32]>, !mx.tensor<32xf8E5M2, block = [32]>) {
  %b = mx.dequantize %q : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xbf16>
  %r = mx.quantize %b : tensor<32xbf16> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  %x = mx.dequantize %q : !mx.tensor<32xf8E4M3FN, block = [32]> -> tensor<32xf32>
  %s = mx.quantize %x : tensor<32xf32> -> !mx.tensor<32xf8E5M2, block = [32]>
  return %r, %s : !mx.tensor<32xf8E4M3FN, block = [32]>, !mx.tensor<32xf8E5M2, block = [32]>
}

// -----

// Given scales may differ from the encoding's: no fold.
// CHECK-LABEL: func.func @requantize_given_scales_stays
// CHECK: mx.dequantize
// CHECK: mx.quantize %{{.*}} scales(
func.func @requantize_given_scales_stays(%q: !mx.tensor<64xf4E2M1FN, block = [32]>, %s: tensor<2xf8E8M0FNU>) -> !mx.tensor<64xf4E2M1FN, block = [32]> {
  %x = mx.dequantize %q : !mx.tensor<64xf4E2M1FN, block = [32]> -> tensor<64xf32>
  %r = mx.quantize %x scales(%s : tensor<2xf8E8M0FNU>) : tensor<64xf32> -> !mx.tensor<64xf4E2M1FN, block = [32]>
  return %r : !mx.tensor<64xf4E2M1FN, block = [32]>
}

// -----

// A cast to its own type folds where the encoding is quantize's (here
// through a transpose); of an argument's, it is a real re-quantization.
// CHECK-LABEL: func.func @cast_to_same_type
// CHECK-SAME: (%{{.+}}: tensor<64x32xf32>, %[[ARG:.+]]: !mx.tensor
// CHECK-NEXT: %[[Q:.+]] = mx.quantize
// CHECK-NEXT: %[[T:.+]] = mx.transpose %[[Q]]
// CHECK-NEXT: %[[C:.+]] = mx.cast %[[T]] scale_rule<rceil>
// CHECK-NEXT: %[[A:.+]] = mx.cast %[[ARG]] :
// CHECK-NEXT: return %[[T]], %[[C]], %[[A]]
func.func @cast_to_same_type(%y: tensor<64x32xf32>, %arg: !mx.tensor<32xf8E4M3FN, block = [32]>)
    -> (!mx.tensor<32x64xf8E4M3FN, block = [32, 32]>, !mx.tensor<32x64xf8E4M3FN, block = [32, 32]>,
        !mx.tensor<32xf8E4M3FN, block = [32]>) {
  %q = mx.quantize %y : tensor<64x32xf32> -> !mx.tensor<64x32xf8E4M3FN, block = [32, 32]>
  %t = mx.transpose %q [1, 0] : !mx.tensor<64x32xf8E4M3FN, block = [32, 32]> -> !mx.tensor<32x64xf8E4M3FN, block = [32, 32]>
  %a = mx.cast %t : !mx.tensor<32x64xf8E4M3FN, block = [32, 32]> -> !mx.tensor<32x64xf8E4M3FN, block = [32, 32]>
  %b = mx.cast %t scale_rule<rceil> : !mx.tensor<32x64xf8E4M3FN, block = [32, 32]> -> !mx.tensor<32x64xf8E4M3FN, block = [32, 32]>
  %c = mx.cast %arg : !mx.tensor<32xf8E4M3FN, block = [32]> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return %a, %b, %c : !mx.tensor<32x64xf8E4M3FN, block = [32, 32]>, !mx.tensor<32x64xf8E4M3FN, block = [32, 32]>,
      !mx.tensor<32xf8E4M3FN, block = [32]>
}

// -----

// CHECK-LABEL: func.func @cast_to_other_block_stays
// CHECK: mx.cast
func.func @cast_to_other_block_stays(%q: !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>)
    -> !mx.tensor<64x64xf8E4M3FN, block = [32, 32]> {
  %a = mx.cast %q : !mx.tensor<64x64xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x64xf8E4M3FN, block = [32, 32]>
  return %a : !mx.tensor<64x64xf8E4M3FN, block = [32, 32]>
}

// -----

// CHECK-LABEL: func.func @pack_of_unpack
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor
// CHECK-NEXT: return %[[Q]]
func.func @pack_of_unpack(%q: !mx.tensor<3x40xi8, block = [1, 32]>) -> !mx.tensor<3x40xi8, block = [1, 32]> {
  %e, %s = mx.unpack %q : !mx.tensor<3x40xi8, block = [1, 32]> -> tensor<3x40xi8>, tensor<3x2xf8E8M0FNU>
  %p = mx.pack %e, %s : tensor<3x40xi8>, tensor<3x2xf8E8M0FNU> -> !mx.tensor<3x40xi8, block = [1, 32]>
  return %p : !mx.tensor<3x40xi8, block = [1, 32]>
}

// -----

// The same halves read as another block shape are another tensor.
// CHECK-LABEL: func.func @pack_of_unpack_reinterpreted_stays
// CHECK: mx.unpack
// CHECK: mx.pack
func.func @pack_of_unpack_reinterpreted_stays(%q: !mx.tensor<64x64xi8, block = [1, 32]>) -> !mx.tensor<64x64xi8, block = [32, 1]> {
  %e, %s = mx.unpack %q : !mx.tensor<64x64xi8, block = [1, 32]> -> tensor<64x64xi8>, tensor<64x2xf8E8M0FNU>
  %t = tensor.empty() : tensor<2x64xf8E8M0FNU>
  %p = mx.pack %e, %t : tensor<64x64xi8>, tensor<2x64xf8E8M0FNU> -> !mx.tensor<64x64xi8, block = [32, 1]>
  return %p : !mx.tensor<64x64xi8, block = [32, 1]>
}

// -----

// CHECK-LABEL: func.func @unpack_of_pack
// CHECK-SAME: (%[[E:.+]]: tensor<8x64xf4E2M1FN>, %[[S:.+]]: tensor<8x4xf8E4M3FN>)
// CHECK-NEXT: return %[[E]], %[[S]]
func.func @unpack_of_pack(%e: tensor<8x64xf4E2M1FN>, %s: tensor<8x4xf8E4M3FN>) -> (tensor<8x64xf4E2M1FN>, tensor<8x4xf8E4M3FN>) {
  %p = mx.pack %e, %s : tensor<8x64xf4E2M1FN>, tensor<8x4xf8E4M3FN> -> !mx.tensor<8x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  %e2, %s2 = mx.unpack %p : !mx.tensor<8x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> -> tensor<8x64xf4E2M1FN>, tensor<8x4xf8E4M3FN>
  return %e2, %s2 : tensor<8x64xf4E2M1FN>, tensor<8x4xf8E4M3FN>
}

// -----

// The scales half of unpack(quantize with given scales) is those scales; the
// quantize is then dead when its elements are unused.
// CHECK-LABEL: func.func @unpack_scales_of_quantize
// CHECK-SAME: (%[[X:.+]]: tensor<3x40xf32>, %[[S:.+]]: tensor<3x2xf8E8M0FNU>)
// CHECK-NEXT: return %[[S]]
func.func @unpack_scales_of_quantize(%x: tensor<3x40xf32>, %s: tensor<3x2xf8E8M0FNU>) -> tensor<3x2xf8E8M0FNU> {
  %q = mx.quantize %x scales(%s : tensor<3x2xf8E8M0FNU>) : tensor<3x40xf32> -> !mx.tensor<3x40xf8E4M3FN, block = [1, 32]>
  %e, %s2 = mx.unpack %q : !mx.tensor<3x40xf8E4M3FN, block = [1, 32]> -> tensor<3x40xf8E4M3FN>, tensor<3x2xf8E8M0FNU>
  return %s2 : tensor<3x2xf8E8M0FNU>
}

// -----

// Computed scales are not an SSA value to forward.
// CHECK-LABEL: func.func @unpack_scales_of_computed_quantize_stays
// CHECK: mx.quantize
// CHECK: mx.unpack
func.func @unpack_scales_of_computed_quantize_stays(%x: tensor<3x40xf32>) -> tensor<3x2xf8E8M0FNU> {
  %q = mx.quantize %x : tensor<3x40xf32> -> !mx.tensor<3x40xf8E4M3FN, block = [1, 32]>
  %e, %s2 = mx.unpack %q : !mx.tensor<3x40xf8E4M3FN, block = [1, 32]> -> tensor<3x40xf8E4M3FN>, tensor<3x2xf8E8M0FNU>
  return %s2 : tensor<3x2xf8E8M0FNU>
}

// -----

// CHECK-LABEL: func.func @ldexp_zero
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor
// CHECK-NEXT: return %[[Q]]
func.func @ldexp_zero(%q: !mx.tensor<32xi8, block = [32]>) -> !mx.tensor<32xi8, block = [32]> {
  %r = mx.ldexp %q, 0 : !mx.tensor<32xi8, block = [32]>
  return %r : !mx.tensor<32xi8, block = [32]>
}

// -----

// CHECK-LABEL: func.func @ldexp_same_direction
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor
// CHECK-NEXT: %[[U:.+]] = mx.ldexp %[[Q]], 7 :
// CHECK-NEXT: %[[D:.+]] = mx.ldexp %[[Q]], -5 :
// CHECK-NEXT: return %[[U]], %[[D]]
func.func @ldexp_same_direction(%q: !mx.tensor<32xi8, block = [32]>) -> (!mx.tensor<32xi8, block = [32]>, !mx.tensor<32xi8, block = [32]>) {
  %a = mx.ldexp %q, 3 : !mx.tensor<32xi8, block = [32]>
  %b = mx.ldexp %a, 4 : !mx.tensor<32xi8, block = [32]>
  %c = mx.ldexp %q, -2 : !mx.tensor<32xi8, block = [32]>
  %d = mx.ldexp %c, -3 : !mx.tensor<32xi8, block = [32]>
  return %b, %d : !mx.tensor<32xi8, block = [32]>, !mx.tensor<32xi8, block = [32]>
}

// -----

// Opposite directions stay: the first shift may already leave E8M0's range.
// CHECK-LABEL: func.func @ldexp_opposite_directions_stay
// CHECK: %[[A:.+]] = mx.ldexp %{{.*}}, 200
// CHECK: mx.ldexp %[[A]], -200
func.func @ldexp_opposite_directions_stay(%q: !mx.tensor<32xi8, block = [32]>) -> !mx.tensor<32xi8, block = [32]> {
  %a = mx.ldexp %q, 200 : !mx.tensor<32xi8, block = [32]>
  %b = mx.ldexp %a, -200 : !mx.tensor<32xi8, block = [32]>
  return %b : !mx.tensor<32xi8, block = [32]>
}

// -----

// Sums saturate at 255, which already leaves the range from any scale.
// CHECK-LABEL: func.func @ldexp_saturating_sum
// CHECK: mx.ldexp %{{.*}}, 255 :
// CHECK-NOT: mx.ldexp
func.func @ldexp_saturating_sum(%q: !mx.tensor<32xi8, block = [32]>) -> !mx.tensor<32xi8, block = [32]> {
  %a = mx.ldexp %q, 2147483647 : !mx.tensor<32xi8, block = [32]>
  %b = mx.ldexp %a, 2147483647 : !mx.tensor<32xi8, block = [32]>
  return %b : !mx.tensor<32xi8, block = [32]>
}

// -----

// A two-level quantize (rne or rtz) re-quantizes its own values to the same
// blocks (E, microexponents and codes): the pair folds. The quantize of a
// constant folds to its packed blocks: 16 x 1.5 in MX4 is E = 0 (code
// 0x7F), microexponents 0 (a byte of zeros), codes 3 (1.5 = 3 x 2^-1): 0x3 in
// each 3-bit field, bytes 0xDB 0xB6 0x6D repeated.
// CHECK-LABEL: func.func @two_level
// CHECK: %[[B:.+]] = arith.constant dense<{{\[\[}}127, 0, -37, -74, 109, -37, -74, 109]]> : tensor<1x8xi8>
// CHECK: %[[Q:.+]] = mx.quantize %{{.*}} rounding<rtz>
// CHECK-NOT: mx.dequantize
// CHECK: %[[W:.+]] = mx.from_storage %[[B]] : tensor<1x8xi8> -> !mx.tensor<16x!mx.microexp<mx4>, block = [16]>
// CHECK: return %[[Q]], %[[W]]
func.func @two_level(%x: tensor<32xf32>) -> (!mx.tensor<32x!mx.microexp<mx9>, block = [16]>, !mx.tensor<16x!mx.microexp<mx4>, block = [16]>) {
  %q = mx.quantize %x rounding<rtz> : tensor<32xf32> -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
  %d = mx.dequantize %q : !mx.tensor<32x!mx.microexp<mx9>, block = [16]> -> tensor<32xf32>
  %r = mx.quantize %d rounding<rtz> : tensor<32xf32> -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
  %c = arith.constant dense<1.5> : tensor<16xf32>
  %w = mx.quantize %c : tensor<16xf32> -> !mx.tensor<16x!mx.microexp<mx4>, block = [16]>
  return %r, %w : !mx.tensor<32x!mx.microexp<mx9>, block = [16]>, !mx.tensor<16x!mx.microexp<mx4>, block = [16]>
}

// -----

// Storage round trips fold both ways.
// CHECK-LABEL: func.func @storage_round_trips
// CHECK-NEXT: return %arg0, %arg1
func.func @storage_round_trips(%q: !mx.tensor<20x!mx.microexp<mx9>, block = [16]>, %b: tensor<2x18xi8>)
    -> (!mx.tensor<20x!mx.microexp<mx9>, block = [16]>, tensor<2x18xi8>) {
  %s = mx.to_storage %q : !mx.tensor<20x!mx.microexp<mx9>, block = [16]> -> tensor<2x18xi8>
  %r = mx.from_storage %s : tensor<2x18xi8> -> !mx.tensor<20x!mx.microexp<mx9>, block = [16]>
  %t = mx.from_storage %b : tensor<2x18xi8> -> !mx.tensor<20x!mx.microexp<mx9>, block = [16]>
  %u = mx.to_storage %t : !mx.tensor<20x!mx.microexp<mx9>, block = [16]> -> tensor<2x18xi8>
  return %r, %u : !mx.tensor<20x!mx.microexp<mx9>, block = [16]>, tensor<2x18xi8>
}

// -----

// A conversion to the input's own layout, and one back, fold away.
// CHECK-LABEL: func.func @convert_scale_layout_round_trip
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor
// CHECK-NOT: mx.convert_scale_layout
// CHECK: return %[[Q]], %[[Q]]
func.func @convert_scale_layout_round_trip(%q: !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>)
    -> (!mx.tensor<128x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>) {
  %same = mx.convert_scale_layout %q : !mx.tensor<128x64xf4E2M1FN, block = [1, 32]> -> !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>
  %s = mx.convert_scale_layout %q : !mx.tensor<128x64xf4E2M1FN, block = [1, 32]> -> !mx.tensor<128x64xf4E2M1FN, block = [1, 32], scale_layout = swizzled>
  %back = mx.convert_scale_layout %s : !mx.tensor<128x64xf4E2M1FN, block = [1, 32], scale_layout = swizzled> -> !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>
  return %same, %back : !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>
}

// -----

// Constant scales are converted at compile time by lib/Numerics: the 3 x 2
// grid of [32, 1] blocks is the 2 x 3 matrix (rows are columns of the
// tensor) in one 128 x 4 tile, entry (r, c) at byte 16 r + c.
// CHECK-LABEL: func.func @convert_scale_layout_constant
// CHECK: %[[SW:.+]] = arith.constant dense<"0x7F818300000000000000000000000000808284000000
// CHECK-SAME: tensor<512xf8E8M0FNU>
// CHECK: %[[P:.+]] = mx.pack %{{.*}}, %[[SW]] : {{.*}} -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1], scale_layout = swizzled>
// CHECK: return %[[P]]
func.func @convert_scale_layout_constant(%e: tensor<96x2xf8E4M3FN>)
    -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1], scale_layout = swizzled> {
  %s = arith.constant dense<[[1.0, 2.0], [4.0, 8.0], [16.0, 32.0]]> : tensor<3x2xf8E8M0FNU>
  %p = mx.pack %e, %s : tensor<96x2xf8E4M3FN>, tensor<3x2xf8E8M0FNU> -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1]>
  %sw = mx.convert_scale_layout %p : !mx.tensor<96x2xf8E4M3FN, block = [32, 1]> -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1], scale_layout = swizzled>
  return %sw : !mx.tensor<96x2xf8E4M3FN, block = [32, 1], scale_layout = swizzled>
}

// -----

// And back: the padding is dropped.
// CHECK-LABEL: func.func @convert_scale_layout_constant_back
// CHECK: %[[RM:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [4.000000e+00, 8.000000e+00], [1.600000e+01, 3.200000e+01]]> : tensor<3x2xf8E8M0FNU>
// CHECK: %[[P:.+]] = mx.pack %{{.*}}, %[[RM]] : {{.*}} -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1]>
// CHECK: return %[[P]]
func.func @convert_scale_layout_constant_back(%e: tensor<96x2xf8E4M3FN>)
    -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1]> {
  %s = arith.constant dense<"0x7F81830000000000000000000000000080828400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"> : tensor<512xf8E8M0FNU>
  %p = mx.pack %e, %s : tensor<96x2xf8E4M3FN>, tensor<512xf8E8M0FNU> -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1], scale_layout = swizzled>
  %back = mx.convert_scale_layout %p : !mx.tensor<96x2xf8E4M3FN, block = [32, 1], scale_layout = swizzled> -> !mx.tensor<96x2xf8E4M3FN, block = [32, 1]>
  return %back : !mx.tensor<96x2xf8E4M3FN, block = [32, 1]>
}

// -----

// A conversion to the input's own layout, and one back, fold away.
// CHECK-LABEL: func.func @convert_layout_round_trip
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor
// CHECK-NOT: mx.convert_layout
// CHECK: return %[[Q]], %[[Q]]
func.func @convert_layout_round_trip(%q: !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>)
    -> (!mx.tensor<64x256xf4E2M1FN, block = [32, 1]>, !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>) {
  %same = mx.convert_layout %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1]> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>
  %p = mx.convert_layout %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1]> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
  %back = mx.convert_layout %p : !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>
  return %same, %back : !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>, !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>
}

// -----

// Constant weights are reordered at compile time: the 2 x 512 scale grid
// (row r, panel p holding 2^(2r + p)) becomes its two panels, each its two
// rows of 256; a splat stays a splat.
// CHECK-LABEL: func.func @convert_layout_constant
// CHECK-DAG: %[[E:.+]] = arith.constant dense<1.000000e+00> : tensor<2x4x256xf8E4M3FN>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<"0x{{(7F7F){128}(8181){128}(8080){128}((8282){128})}}"> : tensor<2x2x256xf8E8M0FNU>
// CHECK: %[[P:.+]] = mx.pack %[[E]], %[[S]] : tensor<2x4x256xf8E4M3FN>, tensor<2x2x256xf8E8M0FNU> -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1], layout = panels>
// CHECK: return %[[P]]
func.func @convert_layout_constant() -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1], layout = panels> {
  %e = arith.constant dense<1.0> : tensor<4x512xf8E4M3FN>
  %s = arith.constant dense<"0x7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818182828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282"> : tensor<2x512xf8E8M0FNU>
  %q = mx.pack %e, %s : tensor<4x512xf8E4M3FN>, tensor<2x512xf8E8M0FNU> -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1]>
  %p = mx.convert_layout %q : !mx.tensor<4x512xf8E4M3FN, block = [2, 1]> -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1], layout = panels>
  return %p : !mx.tensor<4x512xf8E4M3FN, block = [2, 1], layout = panels>
}

// -----

// And back.
// CHECK-LABEL: func.func @convert_layout_constant_back
// CHECK: %[[S:.+]] = arith.constant dense<"0x{{(7F7F){128}(8080){128}(8181){128}((8282){128})}}"> : tensor<2x512xf8E8M0FNU>
// CHECK: mx.pack %{{.*}}, %[[S]] : tensor<4x512xf8E4M3FN>, tensor<2x512xf8E8M0FNU> -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1]>
func.func @convert_layout_constant_back() -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1]> {
  %e = arith.constant dense<1.0> : tensor<2x4x256xf8E4M3FN>
  %s = arith.constant dense<"0x7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F7F818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818181818080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808082828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282828282"> : tensor<2x2x256xf8E8M0FNU>
  %q = mx.pack %e, %s : tensor<2x4x256xf8E4M3FN>, tensor<2x2x256xf8E8M0FNU> -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1], layout = panels>
  %r = mx.convert_layout %q : !mx.tensor<4x512xf8E4M3FN, block = [2, 1], layout = panels> -> !mx.tensor<4x512xf8E4M3FN, block = [2, 1]>
  return %r : !mx.tensor<4x512xf8E4M3FN, block = [2, 1]>
}

// -----

// The quantize of a constant into the panels layout folds to the pack of
// the reordered constants.
// CHECK-LABEL: func.func @quantize_constant_panels
// CHECK-NOT: mx.quantize
// CHECK-NOT: mx.convert_layout
// CHECK: mx.pack %{{.*}}, %{{.*}} : tensor<1x64x256xf4E2M1FN>, tensor<1x2x256xf8E8M0FNU> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
func.func @quantize_constant_panels() -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels> {
  %w = arith.constant dense<1.5> : tensor<64x256xf32>
  %q = mx.quantize %w : tensor<64x256xf32> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
  return %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
}

// -----

// One-level storage round trips fold both ways; parts of two tensors do not.
// CHECK-LABEL: func.func @one_level_storage_round_trip
// CHECK-SAME: (%[[Q:.+]]: !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>, %[[C:.+]]: tensor<256x64xi8>, %[[S:.+]]: tensor<256x4xf8E8M0FNU>, %[[R:.+]]: !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>)
// CHECK: %[[RC:.+]]:2 = mx.to_storage %[[R]]
// CHECK: %[[MIX:.+]] = mx.from_storage %{{.*}}, %[[RC]]#1
// CHECK: return %[[Q]], %[[C]], %[[S]], %[[MIX]]
func.func @one_level_storage_round_trip(%q: !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>, %c: tensor<256x64xi8>, %s: tensor<256x4xf8E8M0FNU>, %r: !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>)
    -> (!mx.tensor<256x128xf4E2M1FN, block = [1, 32]>, tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>, !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>) {
  %qc, %qs = mx.to_storage %q : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]> -> tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
  %back = mx.from_storage %qc, %qs : tensor<256x64xi8>, tensor<256x4xf8E8M0FNU> -> !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
  %p = mx.from_storage %c, %s : tensor<256x64xi8>, tensor<256x4xf8E8M0FNU> -> !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
  %pc, %ps = mx.to_storage %p : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]> -> tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
  %rc, %rs = mx.to_storage %r : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]> -> tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
  %mix = mx.from_storage %qc, %rs : tensor<256x64xi8>, tensor<256x4xf8E8M0FNU> -> !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
  return %back, %pc, %ps, %mix : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>, tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>, !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
}

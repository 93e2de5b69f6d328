// RUN: mx-opt %s -split-input-file -verify-diagnostics

// Every op verifier branch; test names cite the constraint (MXOps.td).

func.func @quantize_c1_shape(%x: tensor<64x64xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected the result shape to match the input shape 64x64, but got 64x128}}
  %q = mx.quantize %x : tensor<64x64xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @quantize_c1_dynamic(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected the result shape to match the input shape ?x64, but got 8x64}}
  %q = mx.quantize %x : tensor<?x64xf32> -> !mx.tensor<8x64xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @quantize_c2_stochastic_without_seed(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected a 'seed' with rounding<stochastic>, but got none}}
  %q = mx.quantize %x rounding<stochastic> : tensor<32xf32> -> !mx.tensor<32xf8E5M2, block = [32]>
  return
}

// -----

func.func @quantize_c3_seed_without_stochastic(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected no 'seed' with rounding<rtz>: only stochastic rounding draws random bits}}
  %q = mx.quantize %x rounding<rtz> seed(1) : tensor<32xf32> -> !mx.tensor<32xf8E5M2, block = [32]>
  return
}

// -----

func.func @quantize_c4_nonfinite_fp4(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected an FP8 element type (f8E4M3FN or f8E5M2) with saturation<nonfinite>, but got 'f4E2M1FN', which has no Inf or NaN}}
  %q = mx.quantize %x saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @quantize_c9_quotient_e8m0(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected scale_rule<quotient> only with f32 or f8E4M3FN scales, but the result has 'f8E8M0FNU' scales, which are powers of two: use floor, ceil, even or rceil}}
  %q = mx.quantize %x scale_rule<quotient> : tensor<32xf32> -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return
}

// -----

func.func @quantize_c9_f32_floor(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected scale_rule<quotient> or scale_rule<rceil> for a result with f32 scales, but got scale_rule<floor>}}
  %q = mx.quantize %x : tensor<4x256xf32> -> !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>
  return
}

// -----

func.func @quantize_c9_f32_rtz(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected rounding<rne> for a result with f32 scales, but got rounding<rtz>}}
  %q = mx.quantize %x scale_rule<quotient> rounding<rtz> : tensor<4x256xf32> -> !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>
  return
}

// -----

func.func @quantize_c9_f32_nonfinite(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected saturation<saturate> for a result with f32 scales, but got saturation<nonfinite>}}
  %q = mx.quantize %x scale_rule<rceil> saturation<nonfinite> : tensor<4x256xf32> -> !mx.tensor<4x256xf8E5M2, block = [128, 128], scale = f32>
  return
}

// -----

func.func @cast_c9_f32_ceil(%q: !mx.tensor<4x256xf8E4M3FN, block = [1, 32]>) {
  // expected-error @+1 {{'mx.cast' op expected scale_rule<quotient> or scale_rule<rceil> for a result with f32 scales, but got scale_rule<ceil>}}
  %r = mx.cast %q scale_rule<ceil> : !mx.tensor<4x256xf8E4M3FN, block = [1, 32]> -> !mx.tensor<4x256xf8E4M3FN, block = [1, 128], scale = f32>
  return
}

// -----

func.func @quantize_c4_nonfinite_int8(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected an FP8 element type (f8E4M3FN or f8E5M2) with saturation<nonfinite>, but got 'i8', which has no Inf or NaN}}
  %q = mx.quantize %x saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32xi8, block = [32]>
  return
}

// -----

func.func @quantize_c5_nvfp4_without_tensor_scale(%x: tensor<16x64xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected a tensor_scale with f8E4M3FN scales (NVFP4): value = element * block scale * tensor scale; mx.tensor_scale computes it}}
  %q = mx.quantize %x scale_rule<quotient> : tensor<16x64xf32> -> !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return
}

// -----

func.func @quantize_c5_nvfp4_elements(%x: tensor<16x64xf32>, %s: f32) {
  // expected-error @+1 {{'mx.quantize' op expected f4E2M1FN elements with f8E4M3FN scales (NVFP4), but got 'f8E4M3FN'}}
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 16], scale = f8E4M3FN>
  return
}

// -----

func.func @quantize_c5_nvfp4_rule(%x: tensor<16x64xf32>, %s: f32) {
  // expected-error @+1 {{'mx.quantize' op expected scale_rule<quotient> for a result with f8E4M3FN scales, but got scale_rule<floor>}}
  %q = mx.quantize %x tensor_scale(%s) : tensor<16x64xf32> -> !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return
}

// -----

func.func @quantize_c5_nvfp4_rounding(%x: tensor<16x64xf32>, %s: f32) {
  // expected-error @+1 {{'mx.quantize' op expected rounding<rne> and saturation<saturate> for a result with f8E4M3FN scales (NVFP4)}}
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> rounding<rtz> : tensor<16x64xf32> -> !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return
}

// -----

func.func @quantize_c10_tensor_scale_e8m0(%x: tensor<16x64xf32>, %s: f32) {
  // expected-error @+1 {{'mx.quantize' op expected a tensor_scale only with f8E4M3FN scales (NVFP4), but the result has 'f8E8M0FNU' scales}}
  %q = mx.quantize %x tensor_scale(%s) : tensor<16x64xf32> -> !mx.tensor<16x64xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @dequantize_c2_tensor_scale_e8m0(%q: !mx.tensor<16x64xf4E2M1FN, block = [1, 32]>, %s: f32) {
  // expected-error @+1 {{'mx.dequantize' op expected a tensor_scale only with f8E4M3FN scales (NVFP4), but the input has 'f8E8M0FNU' scales}}
  %x = mx.dequantize %q tensor_scale(%s) : !mx.tensor<16x64xf4E2M1FN, block = [1, 32]> -> tensor<16x64xf32>
  return
}

// -----

func.func @quantize_c6_scales_type(%x: tensor<64xf32>, %s: tensor<2xi8>) {
  // expected-error @+1 {{'mx.quantize' op expected scales of type 'f8E8M0FNU', but got 'i8'}}
  %q = mx.quantize %x scales(%s : tensor<2xi8>) : tensor<64xf32> -> !mx.tensor<64xf8E4M3FN, block = [32]>
  return
}

// -----

func.func @quantize_c6_scales_shape(%x: tensor<3x40xf32>, %s: tensor<3x1xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.quantize' op expected the scales shape to match the block grid shape 3x2, but got 3x1}}
  %q = mx.quantize %x scales(%s : tensor<3x1xf8E8M0FNU>) : tensor<3x40xf32> -> !mx.tensor<3x40xf8E4M3FN, block = [1, 32]>
  return
}

// -----

func.func @quantize_c7_rule_with_scales(%x: tensor<64xf32>, %s: tensor<2xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.quantize' op expected no scale_rule with given scales, but got scale_rule<rceil>}}
  %q = mx.quantize %x scales(%s : tensor<2xf8E8M0FNU>) scale_rule<rceil> : tensor<64xf32> -> !mx.tensor<64xf8E4M3FN, block = [32]>
  return
}

// -----

func.func @quantize_input_type(%x: tensor<32xf64>) {
  // expected-error @+1 {{'mx.quantize' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<32xf64>'}}
  %q = mx.quantize %x : tensor<32xf64> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @quantize_unknown_rule(%x: tensor<32xf32>) {
  // expected-error @+2 {{expected ::mlir::mx::ScaleRule to be one of: floor, ceil, even, rceil}}
  // expected-error @+1 {{failed to parse MX_ScaleRuleAttr parameter 'value' which is to be a `::mlir::mx::ScaleRule`}}
  %q = mx.quantize %x scale_rule<nearest> : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @dequantize_c1_shape(%q: !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>) {
  // expected-error @+1 {{'mx.dequantize' op expected the result shape to match the input shape 64x128, but got 128x64}}
  %x = mx.dequantize %q : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]> -> tensor<128x64xf32>
  return
}

// -----

func.func @dequantize_result_type(%q: !mx.tensor<32xf4E2M1FN, block = [32]>) {
  // expected-error @+1 {{'mx.dequantize' op result #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<32xi32>'}}
  %x = mx.dequantize %q : !mx.tensor<32xf4E2M1FN, block = [32]> -> tensor<32xi32>
  return
}

// -----

func.func @matmul_c1_rank(%a: !mx.tensor<2x16x64xf8E4M3FN, block = [1, 1, 32]>, %b: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op expected rank-2 operands (M x K and K x N), but got ranks 3 and 2}}
  %c = mx.matmul %a, %b : !mx.tensor<2x16x64xf8E4M3FN, block = [1, 1, 32]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return
}

// -----

func.func @matmul_c2_lhs_not_along_k(%a: !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>, %b: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op expected the lhs to be blocked along K (its dimension 1), but got block [32, 1]}}
  %c = mx.matmul %a, %b : !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<64x8xf32>
  return
}

// -----

func.func @matmul_c3_rhs_not_along_k(%a: !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>) {
  // expected-error @+1 {{'mx.matmul' op expected the rhs to be blocked along K (its dimension 0), but got block [1, 32]}}
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [1, 32]> -> tensor<16x64xf32>
  return
}

// -----

func.func @matmul_c4_block_sizes(%a: !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, %b: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op expected lhs and rhs to use the same block size along K, but got 16 and 32}}
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return
}

// -----

func.func @matmul_c5_k(%a: !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<96x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op expected the K dimensions to agree, but got 64 (lhs) and 96 (rhs)}}
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<96x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return
}

// -----

func.func @matmul_c6_element_type(%a: !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op expected an f32 result, but got element type 'bf16'}}
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xbf16>
  return
}

// -----

func.func @matmul_c7_no_mx_operand(%a: tensor<16x64xf32>, %b: tensor<64x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op expected at least one MX operand; a product of two f32 tensors is linalg.matmul}}
  %c = mx.matmul %a, %b : tensor<16x64xf32>, tensor<64x8xf32> -> tensor<16x8xf32>
  return
}

// -----

func.func @matmul_plain_operand_not_f32(%a: tensor<16x64xbf16>, %b: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op operand #0 must be block-scaled MX tensor: elements and per-block scales as one value or ranked tensor of 32-bit float values}}
  %c = mx.matmul %a, %b : tensor<16x64xbf16>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return
}

// -----

func.func @matmul_c6_shape(%a: !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op expected the result shape to match the M x N shape 16x8, but got 8x16}}
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<8x16xf32>
  return
}

// -----

func.func @pack_c1_shape(%e: tensor<64x64xf4E2M1FN>, %s: tensor<64x4xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the element tensor shape to match the block-scaled tensor shape 64x128, but got 64x64}}
  %q = mx.pack %e, %s : tensor<64x64xf4E2M1FN>, tensor<64x4xf8E8M0FNU> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @pack_c2_element_type(%e: tensor<64x128xf8E4M3FN>, %s: tensor<64x4xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the element tensor to have element type 'f4E2M1FN', but got 'f8E4M3FN'}}
  %q = mx.pack %e, %s : tensor<64x128xf8E4M3FN>, tensor<64x4xf8E8M0FNU> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @pack_c3_scale_type(%e: tensor<64x128xf4E2M1FN>, %s: tensor<64x4xi8>) {
  // expected-error @+1 {{'mx.pack' op expected the scale tensor to have element type 'f8E8M0FNU', but got 'i8'}}
  %q = mx.pack %e, %s : tensor<64x128xf4E2M1FN>, tensor<64x4xi8> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @pack_c4_scale_shape(%e: tensor<64x128xf4E2M1FN>, %s: tensor<64x128xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the scale tensor shape to match the block grid shape 64x4, but got 64x128}}
  %q = mx.pack %e, %s : tensor<64x128xf4E2M1FN>, tensor<64x128xf8E8M0FNU> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return
}

// -----

// A partial last block still needs its own scale: ceil(40 / 32) = 2.
func.func @pack_c4_partial_block(%e: tensor<3x40xf4E2M1FN>, %s: tensor<3x1xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the scale tensor shape to match the block grid shape 3x2, but got 3x1}}
  %q = mx.pack %e, %s : tensor<3x40xf4E2M1FN>, tensor<3x1xf8E8M0FNU> -> !mx.tensor<3x40xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @pack_c4_dynamic(%e: tensor<?x64xi8>, %s: tensor<4x2xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the scale tensor shape to match the block grid shape ?x2, but got 4x2}}
  %q = mx.pack %e, %s : tensor<?x64xi8>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<?x64xi8, block = [1, 32]>
  return
}

// -----

func.func @unpack_c2_element_type(%q: !mx.tensor<64x128xi8, block = [1, 32]>) {
  // expected-error @+1 {{'mx.unpack' op expected the element tensor to have element type 'i8', but got 'f8E4M3FN'}}
  %e, %s = mx.unpack %q : !mx.tensor<64x128xi8, block = [1, 32]> -> tensor<64x128xf8E4M3FN>, tensor<64x4xf8E8M0FNU>
  return
}

// -----

func.func @unpack_c3_scale_type(%q: !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>) {
  // expected-error @+1 {{'mx.unpack' op expected the scale tensor to have element type 'f8E4M3FN', but got 'f8E8M0FNU'}}
  %e, %s = mx.unpack %q : !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> -> tensor<16x64xf4E2M1FN>, tensor<16x4xf8E8M0FNU>
  return
}

// -----

func.func @unpack_c4_scale_shape(%q: !mx.tensor<64x64xf8E5M2, block = [32, 32]>) {
  // expected-error @+1 {{'mx.unpack' op expected the scale tensor shape to match the block grid shape 2x2, but got 2x64}}
  %e, %s = mx.unpack %q : !mx.tensor<64x64xf8E5M2, block = [32, 32]> -> tensor<64x64xf8E5M2>, tensor<2x64xf8E8M0FNU>
  return
}

// -----

func.func @cast_c1_shape(%q: !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>) {
  // expected-error @+1 {{'mx.cast' op expected the result shape to match the input shape 64x128, but got 128x64}}
  %r = mx.cast %q : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> !mx.tensor<128x64xf8E4M3FN, block = [1, 32]>
  return
}

// -----

func.func @cast_c2_stochastic_without_seed(%q: !mx.tensor<32xf8E4M3FN, block = [32]>) {
  // expected-error @+1 {{'mx.cast' op expected a 'seed' with rounding<stochastic>, but got none}}
  %r = mx.cast %q rounding<stochastic> : !mx.tensor<32xf8E4M3FN, block = [32]> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @cast_c3_seed_without_stochastic(%q: !mx.tensor<32xf8E4M3FN, block = [32]>) {
  // expected-error @+1 {{'mx.cast' op expected no 'seed' with rounding<rne>: only stochastic rounding draws random bits}}
  %r = mx.cast %q seed(9) : !mx.tensor<32xf8E4M3FN, block = [32]> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @cast_c4_nonfinite_fp6(%q: !mx.tensor<32xf8E4M3FN, block = [32]>) {
  // expected-error @+1 {{'mx.cast' op expected an FP8 element type (f8E4M3FN or f8E5M2) with saturation<nonfinite>, but got 'f6E3M2FN', which has no Inf or NaN}}
  %r = mx.cast %q saturation<nonfinite> : !mx.tensor<32xf8E4M3FN, block = [32]> -> !mx.tensor<32xf6E3M2FN, block = [32]>
  return
}

// -----

func.func @cast_c5_e4m3_scales(%q: !mx.tensor<16x64xf8E4M3FN, block = [1, 16]>) {
  // expected-error @+1 {{'mx.cast' op expected a result without f8E4M3FN scales: NVFP4 needs a tensor scale, which mx.cast does not take; dequantize the input and quantize the values with mx.quantize tensor_scale}}
  %r = mx.cast %q : !mx.tensor<16x64xf8E4M3FN, block = [1, 16]> -> !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return
}

// -----

func.func @ldexp_types(%q: !mx.tensor<32xf8E4M3FN, block = [32]>) {
  // expected-error @+1 {{'mx.ldexp' op failed to verify that all of {input, result} have same type}}
  %r = "mx.ldexp"(%q) {exponent = 1 : i32} : (!mx.tensor<32xf8E4M3FN, block = [32]>) -> !mx.tensor<32xf8E5M2, block = [32]>
  return
}

// -----

func.func @ldexp_missing_exponent(%q: !mx.tensor<32xf8E4M3FN, block = [32]>) {
  // expected-error @+1 {{'mx.ldexp' op requires attribute 'exponent'}}
  %r = "mx.ldexp"(%q) : (!mx.tensor<32xf8E4M3FN, block = [32]>) -> !mx.tensor<32xf8E4M3FN, block = [32]>
  return
}

// -----

func.func @ldexp_c1_e4m3_scales(%q: !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>) {
  // expected-error @+1 {{'mx.ldexp' op expected an input with f8E8M0FNU scales, but got 'f8E4M3FN' scales, which a power-of-two shift would round}}
  %r = mx.ldexp %q, 1 : !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return
}

// -----

// Two-level results and operands (`!mx.microexp` elements).

func.func @quantize_c8_given_scales(%x: tensor<32xf32>, %s: tensor<2xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.quantize' op expected no given scales for a two-level result: its exponents and microexponents come from the data}}
  %q = mx.quantize %x scales(%s : tensor<2xf8E8M0FNU>) : tensor<32xf32> -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
  return
}

// -----

func.func @quantize_c8_scale_rule(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected no scale_rule for a two-level result (its shared exponent is floor(log2 amax)), but got scale_rule<rceil>}}
  %q = mx.quantize %x scale_rule<rceil> : tensor<32xf32> -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
  return
}

// -----

func.func @quantize_c8_stochastic(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected rounding<rne> or rounding<rtz> for a two-level result, but got rounding<stochastic>}}
  %q = mx.quantize %x rounding<stochastic> seed(3) : tensor<32xf32> -> !mx.tensor<32x!mx.microexp<mx6>, block = [16]>
  return
}

// -----

func.func @quantize_c8_nonfinite(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op expected saturation<saturate> for a two-level result, whose elements have no Inf or NaN}}
  %q = mx.quantize %x saturation<nonfinite> : tensor<32xf32> -> !mx.tensor<32x!mx.microexp<mx4>, block = [16]>
  return
}

// -----

func.func @cast_c6_two_level_input(%q: !mx.tensor<32x!mx.microexp<mx9>, block = [16]>) {
  // expected-error @+1 {{'mx.cast' op expected the input in a one-level format, but got the two-level '!mx.tensor<32x!mx.microexp<mx9>, block = [16]>': dequantize it and quantize the result}}
  %c = mx.cast %q : !mx.tensor<32x!mx.microexp<mx9>, block = [16]> -> !mx.tensor<32xf8E4M3FN, block = [16]>
  return
}

// -----

func.func @cast_c6_two_level_result(%q: !mx.tensor<32xf8E4M3FN, block = [16]>) {
  // expected-error @+1 {{'mx.cast' op expected the result in a one-level format, but got the two-level '!mx.tensor<32x!mx.microexp<mx6>, block = [16]>': dequantize it and quantize the result}}
  %c = mx.cast %q : !mx.tensor<32xf8E4M3FN, block = [16]> -> !mx.tensor<32x!mx.microexp<mx6>, block = [16]>
  return
}

// -----

func.func @pack_c5_two_level(%e: tensor<32x!mx.microexp<mx9>>, %s: tensor<2xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the result in a one-level format, but got the two-level '!mx.tensor<32x!mx.microexp<mx9>, block = [16]>': it is stored as one tensor of packed blocks, not elements and scales}}
  %q = mx.pack %e, %s : tensor<32x!mx.microexp<mx9>>, tensor<2xf8E8M0FNU> -> !mx.tensor<32x!mx.microexp<mx9>, block = [16]>
  return
}

// -----

func.func @unpack_c5_two_level(%q: !mx.tensor<32x!mx.microexp<mx9>, block = [16]>) {
  // expected-error @+1 {{'mx.unpack' op expected the input in a one-level format, but got the two-level '!mx.tensor<32x!mx.microexp<mx9>, block = [16]>': it is stored as one tensor of packed blocks, not elements and scales}}
  %e, %s = mx.unpack %q : !mx.tensor<32x!mx.microexp<mx9>, block = [16]> -> tensor<32x!mx.microexp<mx9>>, tensor<2xf8E8M0FNU>
  return
}

// -----

func.func @ldexp_c2_two_level(%q: !mx.tensor<32x!mx.microexp<mx4>, block = [16]>) {
  // expected-error @+1 {{'mx.ldexp' op expected the input in a one-level format, but got the two-level '!mx.tensor<32x!mx.microexp<mx4>, block = [16]>': dequantize it and use math.ldexp}}
  %r = mx.ldexp %q, 2 : !mx.tensor<32x!mx.microexp<mx4>, block = [16]>
  return
}

// -----

func.func @transpose_c4_two_level(%q: !mx.tensor<4x32x!mx.microexp<mx9>, block = [1, 16]>) {
  // expected-error @+1 {{'mx.transpose' op expected the input in a one-level format, but got the two-level '!mx.tensor<4x32x!mx.microexp<mx9>, block = [1, 16]>': dequantize it and transpose the values}}
  %t = mx.transpose %q [1, 0] : !mx.tensor<4x32x!mx.microexp<mx9>, block = [1, 16]> -> !mx.tensor<32x4x!mx.microexp<mx9>, block = [16, 1]>
  return
}

// -----

func.func @from_storage_c1_one_level(%b: tensor<2x32xi8>) {
  // expected-error @+1 {{'mx.from_storage' op expected 2 storage tensors for '!mx.tensor<64xf8E4M3FN, block = [32]>' (its element codes and its scales), but got 1}}
  %q = mx.from_storage %b : tensor<2x32xi8> -> !mx.tensor<64xf8E4M3FN, block = [32]>
  return
}

// -----

func.func @from_storage_c1_two_level(%b: tensor<2x18xi8>) {
  // expected-error @+1 {{'mx.from_storage' op expected 1 storage tensor for '!mx.tensor<20x!mx.microexp<mx9>, block = [16]>' (its packed storage), but got 2}}
  %q = mx.from_storage %b, %b : tensor<2x18xi8>, tensor<2x18xi8> -> !mx.tensor<20x!mx.microexp<mx9>, block = [16]>
  return
}

// -----

func.func @from_storage_c3_fp4_codes(%c: tensor<4x64xi8>, %s: tensor<4x2xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.from_storage' op expected the storage of '!mx.tensor<4x64xf4E2M1FN, block = [1, 32]>' to be 'tensor<4x32xi8>' and 'tensor<4x2xf8E8M0FNU>', but got 'tensor<4x64xi8>' and 'tensor<4x2xf8E8M0FNU>'}}
  %q = mx.from_storage %c, %s : tensor<4x64xi8>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<4x64xf4E2M1FN, block = [1, 32]>
  return
}

// -----

func.func @from_storage_c3_scales(%c: tensor<4x64xi8>, %s: tensor<4x2xi8>) {
  // expected-error @+1 {{'mx.from_storage' op expected the storage of '!mx.tensor<4x64xf8E4M3FN, block = [1, 32]>' to be 'tensor<4x64xi8>' and 'tensor<4x2xf8E8M0FNU>', but got 'tensor<4x64xi8>' and 'tensor<4x2xi8>'}}
  %q = mx.from_storage %c, %s : tensor<4x64xi8>, tensor<4x2xi8> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  return
}

// -----

func.func @from_storage_c2_shape(%b: tensor<2x17xi8>) {
  // expected-error @+1 {{'mx.from_storage' op expected the storage of '!mx.tensor<20x!mx.microexp<mx9>, block = [16]>' to be 'tensor<2x18xi8>', but got 'tensor<2x17xi8>'}}
  %q = mx.from_storage %b : tensor<2x17xi8> -> !mx.tensor<20x!mx.microexp<mx9>, block = [16]>
  return
}

// -----

func.func @to_storage_c1_one_level(%q: !mx.tensor<64xf8E4M3FN, block = [32]>) {
  // expected-error @+1 {{'mx.to_storage' op expected 2 storage tensors for '!mx.tensor<64xf8E4M3FN, block = [32]>' (its element codes and its scales), but got 1}}
  %b = mx.to_storage %q : !mx.tensor<64xf8E4M3FN, block = [32]> -> tensor<2x32xi8>
  return
}

// -----

func.func @to_storage_c1_two_level(%q: !mx.tensor<20x!mx.microexp<mx9>, block = [16]>) {
  // expected-error @+1 {{'mx.to_storage' op expected 1 storage tensor for '!mx.tensor<20x!mx.microexp<mx9>, block = [16]>' (its packed storage), but got 2}}
  %b:2 = mx.to_storage %q : !mx.tensor<20x!mx.microexp<mx9>, block = [16]> -> tensor<2x18xi8>, tensor<2x18xi8>
  return
}

// -----

func.func @to_storage_c3_one_level(%q: !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>) {
  // expected-error @+1 {{'mx.to_storage' op expected the storage of '!mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>' to be 'tensor<1x64x128xi8>' and 'tensor<1x2x256xf8E8M0FNU>', but got 'tensor<64x128xi8>' and 'tensor<2x256xf8E8M0FNU>'}}
  %c, %s = mx.to_storage %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels> -> tensor<64x128xi8>, tensor<2x256xf8E8M0FNU>
  return
}

// -----

func.func @to_storage_c2_shape(%q: !mx.tensor<20x3x!mx.microexp<mx6>, block = [16, 1]>) {
  // expected-error @+1 {{'mx.to_storage' op expected the storage of '!mx.tensor<20x3x!mx.microexp<mx6>, block = [16, 1]>' to be 'tensor<2x3x12xi8>', but got 'tensor<3x2x12xi8>'}}
  %b = mx.to_storage %q : !mx.tensor<20x3x!mx.microexp<mx6>, block = [16, 1]> -> tensor<3x2x12xi8>
  return
}

// -----

func.func @hadamard_c1_axis(%x: tensor<4x32xf32>) {
  // expected-error @+1 {{'mx.hadamard' op expected an axis in [0, 2), but got 2}}
  %y = mx.hadamard %x axis(2) : tensor<4x32xf32>
  return
}

// -----

func.func @hadamard_c2_extent(%x: tensor<4x40xf32>) {
  // expected-error @+1 {{'mx.hadamard' op expected the extent along axis 1 to be a multiple of 16 (whole blocks), but got 40}}
  %y = mx.hadamard %x axis(1) : tensor<4x40xf32>
  return
}

// -----

func.func @hadamard_f16(%x: tensor<4x32xf16>) {
  // expected-error @+1 {{'mx.hadamard' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x32xf16>'}}
  %y = mx.hadamard %x axis(1) : tensor<4x32xf16>
  return
}

// -----

func.func @pack_c4_swizzled_storage(%e: tensor<200x64xf4E2M1FN>, %s: tensor<200x4xf8E4M3FN>) {
  // expected-error @+1 {{'mx.pack' op expected the scale tensor shape to match the swizzled scale storage shape 1024, but got 200x4}}
  %q = mx.pack %e, %s : tensor<200x64xf4E2M1FN>, tensor<200x4xf8E4M3FN> -> !mx.tensor<200x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled>
  return
}

// -----

func.func @pack_c1_panels(%e: tensor<64x512xf4E2M1FN>, %s: tensor<2x2x256xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the element tensor shape to match the panels of the block-scaled tensor shape 2x64x256, but got 64x512}}
  %q = mx.pack %e, %s : tensor<64x512xf4E2M1FN>, tensor<2x2x256xf8E8M0FNU> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>
  return
}

// -----

func.func @pack_c4_panels(%e: tensor<2x64x256xf4E2M1FN>, %s: tensor<2x512xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op expected the scale tensor shape to match the panels of the block grid shape 2x2x256, but got 2x512}}
  %q = mx.pack %e, %s : tensor<2x64x256xf4E2M1FN>, tensor<2x512xf8E8M0FNU> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>
  return
}

// -----

func.func @convert_layout_c1(%q: !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.convert_layout' op expected the result to be the input type with another layout, but got '!mx.tensor<64x256xf4E2M1FN, block = [32, 1]>' -> '!mx.tensor<64x256xf8E4M3FN, block = [32, 1], layout = panels>'}}
  %p = mx.convert_layout %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1]> -> !mx.tensor<64x256xf8E4M3FN, block = [32, 1], layout = panels>
  return
}

// -----

func.func @from_storage_c3_panels(%c: tensor<64x128xi8>, %s: tensor<2x256xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.from_storage' op expected the storage of '!mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>' to be 'tensor<1x64x128xi8>' and 'tensor<1x2x256xf8E8M0FNU>', but got 'tensor<64x128xi8>' and 'tensor<2x256xf8E8M0FNU>'}}
  %p = mx.from_storage %c, %s : tensor<64x128xi8>, tensor<2x256xf8E8M0FNU> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
  return
}

// -----

func.func @convert_scale_layout_c1(%q: !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>) {
  // expected-error @+1 {{'mx.convert_scale_layout' op expected the result to be the input type with another scale layout, but got '!mx.tensor<128x64xf4E2M1FN, block = [1, 32]>' -> '!mx.tensor<128x64xf8E4M3FN, block = [1, 32], scale_layout = swizzled>'}}
  %s = mx.convert_scale_layout %q : !mx.tensor<128x64xf4E2M1FN, block = [1, 32]> -> !mx.tensor<128x64xf8E4M3FN, block = [1, 32], scale_layout = swizzled>
  return
}

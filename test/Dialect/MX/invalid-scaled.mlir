// RUN: mx-opt %s -split-input-file -verify-diagnostics

// Every verifier branch of !mx.scaled (T1), its ops (MXScaledOps.td) and
// mx.transpose; test names cite the constraint.

// expected-error @+1 {{expected f32, f16, bf16, f8E4M3FN or f8E5M2 data in a scaled tensor, but got 'f4E2M1FN'}}
func.func private @scaled_t1_element(!mx.scaled<tensor<4xf4E2M1FN>>)

// -----

func.func @scale_c1_not_power_of_two(%d: tensor<4xf32>) {
  %s = arith.constant 3.0 : f32
  // expected-error @+1 {{'mx.scale' op expected a positive power-of-two scale, but got 3}}
  %x = mx.scale %d, %s : tensor<4xf32> -> !mx.scaled<tensor<4xf32>>
  return
}

// -----

func.func @scale_c1_negative(%d: tensor<4xf32>) {
  %s = arith.constant -2.0 : f32
  // expected-error @+1 {{'mx.scale' op expected a positive power-of-two scale, but got -2}}
  %x = mx.scale %d, %s : tensor<4xf32> -> !mx.scaled<tensor<4xf32>>
  return
}

// -----

func.func @scale_result_type(%d: tensor<4xf32>, %s: f32) {
  // expected-error @+1 {{'mx.scale' op failed to verify that the result holds the data's tensor type}}
  %x = mx.scale %d, %s : tensor<4xf32> -> !mx.scaled<tensor<8xf32>>
  return
}

// -----

func.func @unscale_c1_shape(%x: !mx.scaled<tensor<4xf32>>) {
  // expected-error @+1 {{'mx.unscale' op expected the result shape to match the data shape, but got 'tensor<8xf32>' for '!mx.scaled<tensor<4xf32>>'}}
  %u = mx.unscale %x : !mx.scaled<tensor<4xf32>> -> tensor<8xf32>
  return
}

// -----

func.func @rescale_c1_narrow(%x: !mx.scaled<tensor<4xf8E4M3FN>>) {
  // expected-error @+1 {{'mx.rescale' op expected f32, f16 or bf16 data, but got 'f8E4M3FN'; rescale the data before casting it to FP8}}
  %r = mx.rescale %x : !mx.scaled<tensor<4xf8E4M3FN>>
  return
}

// -----

func.func @scaled_cast_c1_shape(%x: !mx.scaled<tensor<4xf32>>) {
  // expected-error @+1 {{'mx.scaled_cast' op expected the result shape to match the input shape}}
  %c = mx.scaled_cast %x : !mx.scaled<tensor<4xf32>> -> !mx.scaled<tensor<8xf8E4M3FN>>
  return
}

// -----

func.func @scaled_cast_c2_input(%x: !mx.scaled<tensor<4xf8E5M2>>) {
  // expected-error @+1 {{'mx.scaled_cast' op expected f32, f16 or bf16 input data, but got 'f8E5M2'}}
  %c = mx.scaled_cast %x : !mx.scaled<tensor<4xf8E5M2>> -> !mx.scaled<tensor<4xf8E4M3FN>>
  return
}

// -----

func.func @scaled_cast_c2_result(%x: !mx.scaled<tensor<4xf32>>) {
  // expected-error @+1 {{'mx.scaled_cast' op expected f8E4M3FN or f8E5M2 result data, but got 'f16'; sub-byte formats need per-block scales (mx.quantize)}}
  %c = mx.scaled_cast %x : !mx.scaled<tensor<4xf32>> -> !mx.scaled<tensor<4xf16>>
  return
}

// -----

func.func @scaled_cast_c3_seed(%x: !mx.scaled<tensor<4xf32>>) {
  // expected-error @+1 {{'mx.scaled_cast' op expected a 'seed' with rounding<stochastic>, but got none}}
  %c = mx.scaled_cast %x rounding<stochastic> : !mx.scaled<tensor<4xf32>> -> !mx.scaled<tensor<4xf8E4M3FN>>
  return
}

// -----

func.func @scaled_cast_c4_seed(%x: !mx.scaled<tensor<4xf32>>) {
  // expected-error @+1 {{'mx.scaled_cast' op expected no 'seed' with rounding<rtz>: only stochastic rounding draws random bits}}
  %c = mx.scaled_cast %x rounding<rtz> seed(1) : !mx.scaled<tensor<4xf32>> -> !mx.scaled<tensor<4xf8E4M3FN>>
  return
}

// -----

func.func @rescale_unknown_norm(%x: !mx.scaled<tensor<4xf32>>) {
  // expected-error @+2 {{failed to parse MX_RescaleNormAttr}}
  // expected-error @+1 {{expected ::mlir::mx::RescaleNorm to be one of: max, l1, l2}}
  %r = mx.rescale %x norm<l3> : !mx.scaled<tensor<4xf32>>
  return
}

// -----

func.func @transpose_c1_permutation(%q: !mx.tensor<64x32xf8E4M3FN, block = [32, 32]>) {
  // expected-error @+1 {{'mx.transpose' op expected a permutation of the 2 dimensions, but got [0, 0]}}
  %t = mx.transpose %q [0, 0] : !mx.tensor<64x32xf8E4M3FN, block = [32, 32]> -> !mx.tensor<64x32xf8E4M3FN, block = [32, 32]>
  return
}

// -----

func.func @transpose_c1_rank(%q: !mx.tensor<64x32xf8E4M3FN, block = [32, 32]>) {
  // expected-error @+1 {{'mx.transpose' op expected a permutation of the 2 dimensions, but got [1, 0, 2]}}
  %t = mx.transpose %q [1, 0, 2] : !mx.tensor<64x32xf8E4M3FN, block = [32, 32]> -> !mx.tensor<32x64xf8E4M3FN, block = [32, 32]>
  return
}

// -----

func.func @transpose_c2_shape(%q: !mx.tensor<64x32xf8E4M3FN, block = [32, 32]>) {
  // expected-error @+1 {{'mx.transpose' op expected the result shape to match the permuted input shape 32x64, but got 64x32}}
  %t = mx.transpose %q [1, 0] : !mx.tensor<64x32xf8E4M3FN, block = [32, 32]> -> !mx.tensor<64x32xf8E4M3FN, block = [32, 32]>
  return
}

// -----

func.func @transpose_c2_block(%q: !mx.tensor<64x32xf8E4M3FN, block = [1, 32]>) {
  // expected-error @+1 {{'mx.transpose' op expected the result block to be the permuted input block [32, 1], but got [1, 32]}}
  %t = mx.transpose %q [1, 0] : !mx.tensor<64x32xf8E4M3FN, block = [1, 32]> -> !mx.tensor<32x64xf8E4M3FN, block = [1, 32]>
  return
}

// -----

func.func @transpose_c3_types(%q: !mx.tensor<64x32xf8E4M3FN, block = [32, 32]>) {
  // expected-error @+1 {{'mx.transpose' op expected the result to have the input's element and scale types ('f8E4M3FN', 'f8E8M0FNU'), but got 'f8E5M2', 'f8E8M0FNU'}}
  %t = mx.transpose %q [1, 0] : !mx.tensor<64x32xf8E4M3FN, block = [32, 32]> -> !mx.tensor<32x64xf8E5M2, block = [32, 32]>
  return
}

// -----

func.func @scaled_parts_data_type(%x: !mx.scaled<tensor<4xf32>>) {
  // expected-error @+1 {{'mx.scaled_parts' op failed to verify that the data has the scaled tensor's data type}}
  %d, %s = "mx.scaled_parts"(%x) : (!mx.scaled<tensor<4xf32>>) -> (tensor<4xf16>, f32)
  return
}

// convert=hardware asks for cvt instructions: formats and modes they lack are
// errors.
// RUN: mx-opt %s -split-input-file -verify-diagnostics --convert-mx-to-nvvm="chip=sm_90a convert=hardware"

func.func @fp4_on_sm90(%x: tensor<32x32xf32>) -> !mx.tensor<32x32xf4E2M1FN, block = [1, 32]> {
  // expected-error@below {{convert=hardware: sm_90a has no cvt to e2m1x2 (needs sm_100a, sm_101a, sm_103a, sm_120a and sm_121a)}}
  %q = mx.quantize %x : tensor<32x32xf32> -> !mx.tensor<32x32xf4E2M1FN, block = [1, 32]>
  return %q : !mx.tensor<32x32xf4E2M1FN, block = [1, 32]>
}

// -----

func.func @int8(%x: tensor<32x32xf32>) -> !mx.tensor<32x32xi8, block = [1, 32]> {
  // expected-error@below {{convert=hardware: no NVIDIA chip has a conversion instruction for MXINT8 elements}}
  %q = mx.quantize %x : tensor<32x32xf32> -> !mx.tensor<32x32xi8, block = [1, 32]>
  return %q : !mx.tensor<32x32xi8, block = [1, 32]>
}

// -----

func.func @rtz(%x: tensor<32x32xf32>) -> !mx.tensor<32x32xf8E4M3FN, block = [1, 32]> {
  // expected-error@below {{convert=hardware: the cvt instructions round to nearest even and saturate; this quantize uses rtz rounding and saturate saturation}}
  %q = mx.quantize %x rounding<rtz> : tensor<32x32xf32> -> !mx.tensor<32x32xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<32x32xf8E4M3FN, block = [1, 32]>
}

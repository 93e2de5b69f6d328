// RUN: mx-opt %s -split-input-file -verify-diagnostics --convert-mx-to-nvvm="chip=sm_120a"
// RUN: not mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_100a" 2>&1 | FileCheck %s --check-prefix=SM100

// sm_100a's NVFP4 kernel is tcgen05 kind::mxf4nvf4, whose 128-row tiles do
// not cover M = 16: mma=auto falls back to mma.sync, which has no NVFP4.
// SM100: error: 'mx.matmul' op NVFP4 lowers to kind::mxf4nvf4: mma.block_scale (mma=block-scale, on sm_120a and sm_121a) or tcgen05.mma (mma=tcgen05, on sm_100a and sm_101a), not mma=sync

func.func @nvfp4_times_mxfp4(%a: !mx.tensor<128x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, %b: !mx.tensor<64x128xf4E2M1FN, block = [16, 1]>) -> tensor<128x128xf32> {
  // expected-error @+1 {{'mx.matmul' op the NVFP4 GPU kernel multiplies two E2M1 tensors with f8E4M3FN block scales}}
  %c = mx.matmul %a, %b : !mx.tensor<128x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, !mx.tensor<64x128xf4E2M1FN, block = [16, 1]> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

func.func @nvfp4_k32(%a: !mx.tensor<128x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, %b: !mx.tensor<32x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>) -> tensor<128x128xf32> {
  // expected-error @+1 {{'mx.matmul' op the NVFP4 GPU kernel needs K a multiple of 64 (the MMA's K), not 32}}
  %c = mx.matmul %a, %b : !mx.tensor<128x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, !mx.tensor<32x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

func.func @nvfp4_quantize(%x: tensor<16x32xf32>, %s: f32) -> !mx.tensor<16x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN> {
  // expected-error @+1 {{'mx.quantize' op has an NVFP4 result (f8E4M3FN block scales), for which convert-mx-to-nvvm has no kernel; lower it with mx-cpu-pipeline}}
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : tensor<16x32xf32> -> !mx.tensor<16x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  return %q : !mx.tensor<16x32xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
}

// -----

func.func @nvfp4_gemm(%a: !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, %b: !mx.tensor<64x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>) -> tensor<16x128xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, !mx.tensor<64x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN> -> tensor<16x128xf32>
  return %c : tensor<16x128xf32>
}

// -----

// The GPU quantize kernel writes each block's scale, not a swizzled tile's
// padding.
func.func @swizzled_quantize(%x: tensor<128x64xf32>) -> !mx.tensor<128x64xf8E4M3FN, block = [1, 32], scale_layout = swizzled> {
  // expected-error @+1 {{'mx.quantize' op has a result with swizzled scales (convert the row-major result with mx.convert_scale_layout), for which convert-mx-to-nvvm has no kernel; lower it with mx-cpu-pipeline}}
  %q = mx.quantize %x : tensor<128x64xf32> -> !mx.tensor<128x64xf8E4M3FN, block = [1, 32], scale_layout = swizzled>
  return %q : !mx.tensor<128x64xf8E4M3FN, block = [1, 32], scale_layout = swizzled>
}

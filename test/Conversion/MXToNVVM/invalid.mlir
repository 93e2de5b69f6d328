// RUN: mx-opt %s -split-input-file -verify-diagnostics --convert-mx-to-nvvm="chip=sm_90a"

// expected-error@below {{convert-mx-to-nvvm: @two_ops is not a kernel: its body must be one mx.quantize or mx.matmul of the function's arguments, returned}}
func.func @two_ops(%x: tensor<32x32xf32>) -> tensor<32x32xf32> {
  %q = mx.quantize %x : tensor<32x32xf32> -> !mx.tensor<32x32xf8E4M3FN, block = [1, 32]>
  %d = mx.dequantize %q : !mx.tensor<32x32xf8E4M3FN, block = [1, 32]> -> tensor<32x32xf32>
  return %d : tensor<32x32xf32>
}

// -----

func.func @rank3(%x: tensor<2x32x32xf32>) -> !mx.tensor<2x32x32xf8E4M3FN, block = [1, 1, 32]> {
  // expected-error@below {{GPU kernels quantize static 2-D tensors, not 'tensor<2x32x32xf32>'}}
  %q = mx.quantize %x : tensor<2x32x32xf32> -> !mx.tensor<2x32x32xf8E4M3FN, block = [1, 1, 32]>
  return %q : !mx.tensor<2x32x32xf8E4M3FN, block = [1, 1, 32]>
}

// -----

func.func @bf16_input(%x: tensor<32x32xbf16>) -> !mx.tensor<32x32xf8E4M3FN, block = [1, 32]> {
  // expected-error@below {{GPU kernels quantize f32 input, not 'bf16'}}
  %q = mx.quantize %x : tensor<32x32xbf16> -> !mx.tensor<32x32xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<32x32xf8E4M3FN, block = [1, 32]>
}

// -----

func.func @given_scales(%x: tensor<32x32xf32>, %s: tensor<32x1xf8E8M0FNU>) -> !mx.tensor<32x32xf8E4M3FN, block = [1, 32]> {
  // expected-error@below {{GPU kernels compute their scales; given scales are not supported}}
  %q = mx.quantize %x scales(%s : tensor<32x1xf8E8M0FNU>) : tensor<32x32xf32> -> !mx.tensor<32x32xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<32x32xf8E4M3FN, block = [1, 32]>
}

// -----

func.func @odd_fp4_block(%x: tensor<32x33xf32>) -> !mx.tensor<32x33xf4E2M1FN, block = [1, 33]> {
  // expected-error@below {{FP4 blocks along the innermost dimension need an even size on the GPU (two codes share a byte)}}
  %q = mx.quantize %x : tensor<32x33xf32> -> !mx.tensor<32x33xf4E2M1FN, block = [1, 33]>
  return %q : !mx.tensor<32x33xf4E2M1FN, block = [1, 33]>
}

// -----

func.func @weight_only(%a: tensor<16x32xf32>, %b: !mx.tensor<32x8xf8E4M3FN, block = [32, 1]>) -> tensor<16x8xf32> {
  // expected-error@below {{GPU kernels multiply two MX tensors; weight-only (f32 x MX) matmuls are not supported}}
  %c = mx.matmul %a, %b : tensor<16x32xf32>, !mx.tensor<32x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

func.func @block16(%a: !mx.tensor<16x32xf8E4M3FN, block = [1, 16]>, %b: !mx.tensor<32x8xf8E4M3FN, block = [16, 1]>) -> tensor<16x8xf32> {
  // expected-error@below {{GPU kernels need a K-block size that is a multiple of 32 (the MMA's K), not 16}}
  %c = mx.matmul %a, %b : !mx.tensor<16x32xf8E4M3FN, block = [1, 16]>, !mx.tensor<32x8xf8E4M3FN, block = [16, 1]> -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

func.func @partial_k(%a: !mx.tensor<16x48xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<48x8xf8E4M3FN, block = [32, 1]>) -> tensor<16x8xf32> {
  // expected-error@below {{GPU kernels need K (48) to be a multiple of the block size (32)}}
  %c = mx.matmul %a, %b : !mx.tensor<16x48xf8E4M3FN, block = [1, 32]>, !mx.tensor<48x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

func.func @two_d_blocks(%a: !mx.tensor<16x32xf8E4M3FN, block = [2, 32]>, %b: !mx.tensor<32x8xf8E4M3FN, block = [32, 1]>) -> tensor<16x8xf32> {
  // expected-error@below {{GPU kernels take 1-D blocks along K (lhs [1, B], rhs [B, 1])}}
  %c = mx.matmul %a, %b : !mx.tensor<16x32xf8E4M3FN, block = [2, 32]>, !mx.tensor<32x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

func.func @mixed_int(%a: !mx.tensor<16x32xi8, block = [1, 32]>, %b: !mx.tensor<32x8xf8E4M3FN, block = [32, 1]>) -> tensor<16x8xf32> {
  // expected-error@below {{no tensor-core instruction multiplies MXINT8 by a floating-point MX format}}
  %c = mx.matmul %a, %b : !mx.tensor<16x32xi8, block = [1, 32]>, !mx.tensor<32x8xf8E4M3FN, block = [32, 1]> -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

func.func @small_m(%a: !mx.tensor<8x32xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<32x8xf8E4M3FN, block = [32, 1]>) -> tensor<8x8xf32> {
  // expected-error@below {{GPU MMA kernels need M a multiple of 16 and N a multiple of 8, not 8 x 8}}
  %c = mx.matmul %a, %b : !mx.tensor<8x32xf8E4M3FN, block = [1, 32]>, !mx.tensor<32x8xf8E4M3FN, block = [32, 1]> -> tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}

// -----

func.func @dynamic(%a: !mx.tensor<?x32xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<32x8xf8E4M3FN, block = [32, 1]>) -> tensor<?x8xf32> {
  // expected-error@below {{GPU kernels need static shapes}}
  %c = mx.matmul %a, %b : !mx.tensor<?x32xf8E4M3FN, block = [1, 32]>, !mx.tensor<32x8xf8E4M3FN, block = [32, 1]> -> tensor<?x8xf32>
  return %c : tensor<?x8xf32>
}

// -----

func.func @two_level(%x: tensor<32x32xf32>) -> !mx.tensor<32x32x!mx.microexp<mx6>, block = [1, 16]> {
  // expected-error @+1 {{'mx.quantize' op has a two-level (MX9/MX6/MX4) operand or result, for which convert-mx-to-nvvm has no kernel; lower it with mx-cpu-pipeline}}
  %q = mx.quantize %x : tensor<32x32xf32> -> !mx.tensor<32x32x!mx.microexp<mx6>, block = [1, 16]>
  return %q : !mx.tensor<32x32x!mx.microexp<mx6>, block = [1, 16]>
}

// -----

func.func @f32_tile_scales(%a: !mx.tensor<128x256xf8E4M3FN, block = [1, 128], scale = f32>, %b: !mx.tensor<256x128xf8E4M3FN, block = [128, 128], scale = f32>) -> tensor<128x128xf32> {
  // expected-error @+1 {{'mx.matmul' op has an operand or result with f32 tile scales, for which convert-mx-to-nvvm has no kernel; lower it with mx-cpu-pipeline}}
  %c = mx.matmul %a, %b : !mx.tensor<128x256xf8E4M3FN, block = [1, 128], scale = f32>, !mx.tensor<256x128xf8E4M3FN, block = [128, 128], scale = f32> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

func.func @nvfp4_scales(%a: !mx.tensor<128x256xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, %b: !mx.tensor<256x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>) -> tensor<128x128xf32> {
  // expected-error @+1 {{'mx.matmul' op NVFP4 lowers to kind::mxf4nvf4: mma.block_scale (mma=block-scale, on sm_120a and sm_121a) or tcgen05.mma (mma=tcgen05, on sm_100a and sm_101a), not mma=sync}}
  %c = mx.matmul %a, %b : !mx.tensor<128x256xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>, !mx.tensor<256x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

func.func @alpha(%a: !mx.tensor<128x256xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<256x128xf8E4M3FN, block = [32, 1]>, %s: f32) -> tensor<128x128xf32> {
  // expected-error @+1 {{'mx.matmul' op has an alpha, for which convert-mx-to-nvvm has no kernel; lower it with mx-cpu-pipeline}}
  %c = mx.matmul %a, %b alpha(%s) : !mx.tensor<128x256xf8E4M3FN, block = [1, 32]>, !mx.tensor<256x128xf8E4M3FN, block = [32, 1]> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

func.func @panels_layout(%a: !mx.tensor<128x256xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<256x256xf8E4M3FN, block = [32, 1], layout = panels>) -> tensor<128x256xf32> {
  // expected-error @+1 {{'mx.matmul' op has an operand or result in the panels layout (the CPU GEMV's; convert it with mx.convert_layout), for which convert-mx-to-nvvm has no kernel; lower it with mx-cpu-pipeline}}
  %c = mx.matmul %a, %b : !mx.tensor<128x256xf8E4M3FN, block = [1, 32]>, !mx.tensor<256x256xf8E4M3FN, block = [32, 1], layout = panels> -> tensor<128x256xf32>
  return %c : tensor<128x256xf32>
}

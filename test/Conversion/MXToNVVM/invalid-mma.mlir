// An explicit mma choice that a matmul cannot take is an error (mma=auto
// would pick another instruction).
// RUN: mx-opt %s -split-input-file -verify-diagnostics --convert-mx-to-nvvm="chip=sm_120a mma=block-scale"
// RUN: not mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_100a mma=tcgen05" 2>&1 | FileCheck %s --check-prefix=TCGEN05

// TCGEN05: error: 'mx.matmul' op MXINT8 has no block-scaled MMA
func.func @int8(%a: !mx.tensor<16x32xi8, block = [1, 32]>, %b: !mx.tensor<32x8xi8, block = [32, 1]>) -> tensor<16x8xf32> {
  // expected-error@below {{MXINT8 has no block-scaled MMA; it lowers with mma=sync (s8 mma.sync with per-block scales)}}
  %c = mx.matmul %a, %b : !mx.tensor<16x32xi8, block = [1, 32]>, !mx.tensor<32x8xi8, block = [32, 1]> -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// -----

// TCGEN05: error: 'mx.matmul' op mma=tcgen05 needs M a multiple of 128 and N a multiple of 16 up to 128, not 64 x 16
func.func @small_m(%a: !mx.tensor<64x32xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<32x16xf8E4M3FN, block = [32, 1]>) -> tensor<64x16xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<64x32xf8E4M3FN, block = [1, 32]>, !mx.tensor<32x16xf8E4M3FN, block = [32, 1]> -> tensor<64x16xf32>
  return %c : tensor<64x16xf32>
}

// What a chip lacks is an error naming the chip and the instruction.
// RUN: mx-opt %s -split-input-file -verify-diagnostics --convert-mx-to-nvvm="chip=sm_90a mma=block-scale"
// RUN: not mx-opt %s --convert-mx-to-nvvm="chip=sm_100a mma=block-scale" 2>&1 | FileCheck %s --check-prefix=SM100
// RUN: not mx-opt %s --convert-mx-to-nvvm="chip=sm_120a mma=tcgen05" 2>&1 | FileCheck %s --check-prefix=SM120
// RUN: not mx-opt %s --convert-mx-to-nvvm="chip=sm_80" 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not mx-opt %s --convert-mx-to-nvvm="chip=volta" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not mx-opt %s --convert-mx-to-nvvm="mma=wgmma" 2>&1 | FileCheck %s --check-prefix=MMA
// RUN: not mx-opt %s --convert-mx-to-nvvm="convert=fast" 2>&1 | FileCheck %s --check-prefix=CONVERT

// SM100: error: 'mx.matmul' op mma=block-scale: sm_100a has no block-scaled mma.sync (mma.block_scale needs sm_120a and sm_121a)
// SM120: error: 'mx.matmul' op mma=tcgen05: sm_120a has no tcgen05 tensor memory (needs sm_100a and sm_101a)
// SM80: error: convert-mx-to-nvvm: sm_80 has no FP8 tensor cores; MX kernels target sm_89 and later
// NAME: error: convert-mx-to-nvvm: unknown chip 'volta' (expected sm_<version>[a], e.g. sm_90a)
// MMA: for the --mma option: Cannot find option named 'wgmma'!
// CONVERT: for the --convert option: Cannot find option named 'fast'!

func.func @mm(%a: !mx.tensor<128x32xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<32x16xf8E4M3FN, block = [32, 1]>) -> tensor<128x16xf32> {
  // expected-error@below {{mma=block-scale: sm_90a has no block-scaled mma.sync (mma.block_scale needs sm_120a and sm_121a)}}
  %c = mx.matmul %a, %b : !mx.tensor<128x32xf8E4M3FN, block = [1, 32]>, !mx.tensor<32x16xf8E4M3FN, block = [32, 1]> -> tensor<128x16xf32>
  return %c : tensor<128x16xf32>
}

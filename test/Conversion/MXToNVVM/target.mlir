// The kernels' gpu.module carries the target they were compiled for, which
// mx-verify-nvvm-target and gpu-module-to-binary read.
// RUN: mx-opt %s --convert-mx-to-nvvm | FileCheck %s --check-prefix=DEFAULT
// RUN: mx-opt %s --convert-mx-to-nvvm="chip=sm_100a features=+ptx87 opt-level=1" | FileCheck %s --check-prefix=SM100
// RUN: mx-opt %s --convert-mx-to-nvvm="chip=sm_120a" | FileCheck %s --check-prefix=SM120

// DEFAULT: module attributes {gpu.container_module}
// DEFAULT: gpu.module @mx_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx88">]
// SM100: gpu.module @mx_kernels [#nvvm.target<O = 1, chip = "sm_100a", features = "+ptx87">]
// SM120: gpu.module @mx_kernels [#nvvm.target<O = 3, chip = "sm_120a", features = "+ptx88">]

// mma=auto per chip, from lib/Target: sm_90a mma.sync; sm_100a tcgen05 for a
// 128-row tile (grid (1, M/128), 128 threads); sm_120a block-scaled mma.sync.
// DEFAULT-LABEL: gpu.func @mm(
// DEFAULT-SAME: known_block_size = array<i32: 128, 1, 1>, known_grid_size = array<i32: 4, 2, 1>
// DEFAULT: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e4m3.f32"
// SM100-LABEL: gpu.func @mm(
// SM100-SAME: known_block_size = array<i32: 128, 1, 1>, known_grid_size = array<i32: 1, 1, 1>
// SM100: nvvm.tcgen05.mma.block_scale
// SM120-LABEL: gpu.func @mm(
// SM120: nvvm.mma.block_scale
func.func @mm(%a: !mx.tensor<128x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<64x128xf8E4M3FN, block = [32, 1]>) -> tensor<128x128xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<128x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x128xf8E4M3FN, block = [32, 1]> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

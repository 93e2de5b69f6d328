// mx-nvvm-pipeline lowers an NVFP4 GEMM (E2M1, E4M3 block scales of 16) to
// mma.block_scale kind::mxf4nvf4 for sm_120a, and ptxas assembles it
// (where ptxas is installed).
// REQUIRES: ptxas
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_120a" -o %t.sm120.mlir
// RUN: %extract_ptx %t.sm120.mlir %t.sm120.ptx
// RUN: %ptxas -arch=sm_120a %t.sm120.ptx -o /dev/null
// RUN: FileCheck %s < %t.sm120.ptx

// CHECK: .target sm_120a
// CHECK: .visible .entry gemm_nvfp4(
// CHECK: mma.sync.aligned.m16n8k64.row.col.kind::mxf4nvf4.block_scale.scale_vec::4X.f32.e2m1.e2m1.f32.ue4m3

!a = !mx.tensor<128x256xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
!b = !mx.tensor<256x64xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
func.func @gemm_nvfp4(%a: !a, %b: !b) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !a, !b -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}

// mx-nvvm-pipeline lowers an NVFP4 GEMM (E2M1, E4M3 block scales of 16) to
// mma.block_scale kind::mxf4nvf4 for sm_120a and to tcgen05.mma
// kind::mxf4nvf4 (block16) for sm_100a, with row-major and with swizzled
// scales, and ptxas assembles both (where ptxas is installed).
// REQUIRES: ptxas
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_120a" -o %t.sm120.mlir
// RUN: %extract_ptx %t.sm120.mlir %t.sm120.ptx
// RUN: %ptxas -arch=sm_120a %t.sm120.ptx -o /dev/null
// RUN: FileCheck %s < %t.sm120.ptx
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_100a" -o %t.sm100.mlir
// RUN: %extract_ptx %t.sm100.mlir %t.sm100.ptx
// RUN: %ptxas -arch=sm_100a %t.sm100.ptx -o /dev/null
// RUN: FileCheck %s --check-prefix=SM100 < %t.sm100.ptx

// CHECK: .target sm_120a
// CHECK: .visible .entry gemm_nvfp4(
// CHECK: mma.sync.aligned.m16n8k64.row.col.kind::mxf4nvf4.block_scale.scale_vec::4X.f32.e2m1.e2m1.f32.ue4m3
// CHECK: .visible .entry gemm_nvfp4_swizzled(
// CHECK: mma.sync.aligned.m16n8k64.row.col.kind::mxf4nvf4.block_scale.scale_vec::4X.f32.e2m1.e2m1.f32.ue4m3

// SM100: .target sm_100a
// SM100: .visible .entry gemm_nvfp4(
// SM100: tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale.block16
// SM100: .visible .entry gemm_nvfp4_swizzled(
// SM100: tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale.block16

!a = !mx.tensor<128x256xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
!b = !mx.tensor<256x64xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
func.func @gemm_nvfp4(%a: !a, %b: !b) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !a, !b -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}

!as = !mx.tensor<128x256xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled>
!bs = !mx.tensor<256x64xf4E2M1FN, block = [16, 1], scale = f8E4M3FN, scale_layout = swizzled>
func.func @gemm_nvfp4_swizzled(%a: !as, %b: !bs) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !as, !bs -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}

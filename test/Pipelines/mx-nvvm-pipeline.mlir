// mx-nvvm-pipeline lowers an MX GEMM and quantize kernels to PTX for each
// chip, and CUDA's ptxas assembles each (where ptxas is installed).
// REQUIRES: ptxas
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_90a" -o %t.sm90.mlir
// RUN: %extract_ptx %t.sm90.mlir %t.sm90.ptx
// RUN: %ptxas -arch=sm_90a %t.sm90.ptx -o /dev/null
// RUN: FileCheck %s --check-prefix=SM90 < %t.sm90.ptx
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_120a" -o %t.sm120.mlir
// RUN: %extract_ptx %t.sm120.mlir %t.sm120.ptx
// RUN: %ptxas -arch=sm_120a %t.sm120.ptx -o /dev/null
// RUN: FileCheck %s --check-prefix=SM120 < %t.sm120.ptx
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_100a" -o %t.sm100.mlir
// RUN: %extract_ptx %t.sm100.mlir %t.sm100.ptx
// RUN: %ptxas -arch=sm_100a %t.sm100.ptx -o /dev/null
// RUN: FileCheck %s --check-prefix=SM100 < %t.sm100.ptx
// MXINT8 and software conversion assemble too.
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_90a convert=software mma=sync" -o %t.sw.mlir
// RUN: %extract_ptx %t.sw.mlir %t.sw.ptx
// RUN: %ptxas -arch=sm_90a %t.sw.ptx -o /dev/null

// SM90: .target sm_90a
// SM90: .visible .entry gemm_fp8(
// SM90: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32
// SM90: .visible .entry gemm_fp4_fp8(
// SM90: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32
// SM90: .visible .entry gemm_int8(
// SM90: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// SM90: .visible .entry quantize_fp8(
// SM90: cvt.rn.satfinite.e4m3x2.f32
// SM90: .visible .entry quantize_fp4(
// SM90-NOT: e2m1x2

// SM120: .target sm_120a
// SM120: mma.sync.aligned.m16n8k32.row.col.kind::mxf8f6f4.block_scale.scale_vec::1X.f32.e4m3.e4m3.f32.ue8m0
// SM120: mma.sync.aligned.m16n8k32.row.col.kind::mxf8f6f4.block_scale.scale_vec::1X.f32.e2m1.e4m3.f32.ue8m0
// SM120: cvt.rz.satfinite.ue8m0x2.f32
// SM120: cvt.rn.satfinite.e4m3x2.f32
// SM120: cvt.rn.satfinite.e2m1x2.f32

// SM100: .target sm_100a
// SM100: tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32
// SM100: tcgen05.mma.cta_group::1.kind::mxf8f6f4.block_scale.block32
// SM100: tcgen05.commit.cta_group::1.mbarrier::arrive::one
// SM100: tcgen05.ld.sync.aligned.32x32b.x64.b32
// SM100: cvt.rn.satfinite.e2m1x2.f32

!a8 = !mx.tensor<128x256xf8E4M3FN, block = [1, 32]>
!b8 = !mx.tensor<256x64xf8E4M3FN, block = [32, 1]>
!a4 = !mx.tensor<128x256xf4E2M1FN, block = [1, 32]>
!ai = !mx.tensor<128x256xi8, block = [1, 32]>
!bi = !mx.tensor<256x64xi8, block = [32, 1]>

func.func @gemm_fp8(%a: !a8, %b: !b8) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !a8, !b8 -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}
func.func @gemm_fp4_fp8(%a: !a4, %b: !b8) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !a4, !b8 -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}
func.func @gemm_int8(%a: !ai, %b: !bi) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !ai, !bi -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}
func.func @quantize_fp8(%x: tensor<128x256xf32>) -> !a8 {
  %q = mx.quantize %x : tensor<128x256xf32> -> !a8
  return %q : !a8
}
func.func @quantize_fp4(%x: tensor<128x256xf32>) -> !a4 {
  %q = mx.quantize %x : tensor<128x256xf32> -> !a4
  return %q : !a4
}

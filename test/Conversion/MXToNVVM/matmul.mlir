// RUN: mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_90a" | FileCheck %s --check-prefix=SM90
// RUN: mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_120a" | FileCheck %s --check-prefix=SM120
// RUN: mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_100a" | FileCheck %s --check-prefix=SM100

!a = !mx.tensor<128x128xf8E4M3FN, block = [1, 32]>
!b = !mx.tensor<128x64xf4E2M1FN, block = [32, 1]>

// MXFP8 x MXFP4. Kernel arguments: A codes, A scales, B codes (FP4 two per
// byte along N), B scales, C.
// sm_90a: warps of 16 x 32 (four n8 tiles), four warps per CTA; per K-block
// one FP8 mma.sync per tile into fresh f32 partial sums, then scaled by the
// block's two scales and added (FP4 codes widened to E4M3).
// SM90-LABEL: gpu.func @mxfp8_x_mxfp4(
// SM90-SAME: memref<128x128xi8>, %{{.*}}: memref<128x4xi8>, %{{.*}}: memref<128x32xi8>, %{{.*}}: memref<4x64xi8>, %{{.*}}: memref<128x64xf32>) kernel
// SM90-SAME: known_block_size = array<i32: 128, 1, 1>, known_grid_size = array<i32: 2, 2, 1>
// SM90: scf.for
// SM90-COUNT-4: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e4m3.f32"
// SM90: arith.mulf
// SM90: arith.mulf
// SM90: arith.addf
// SM90: scf.yield
// SM90-COUNT-16: memref.store {{.*}} : memref<128x64xf32>

// sm_120a: the hardware applies the scales: mma.block_scale, kind mxf8f6f4,
// scale_vec::1X, ue8m0; FP4 stays FP4 (shifted into its 8-bit container).
// SM120-LABEL: gpu.func @mxfp8_x_mxfp4(
// SM120-COUNT-4: nvvm.mma.block_scale {{.*}} {blockScaleFormat = #nvvm.block_scale_format<ue8m0>, kind = #nvvm.block_scale_kind<mxf8f6f4>, multiplicandAPtxType = #nvvm.mma_type<e4m3>, multiplicandBPtxType = #nvvm.mma_type<e2m1>, scaleVecSize = #nvvm.scale_vec_size<x1>, shape = #nvvm.shape<m = 16, n = 8, k = 32>}
// SM120-NOT: llvm.call_intrinsic

// sm_100a: one CTA per 128 rows, tensor memory and shared-memory operands.
// SM100-LABEL: gpu.func @mxfp8_x_mxfp4(
// SM100-SAME: workgroup(%{{.*}} : memref<4096xi8, #gpu.address_space<workgroup>>, %{{.*}} : memref<2048xi8, #gpu.address_space<workgroup>>
// SM100-SAME: known_block_size = array<i32: 128, 1, 1>, known_grid_size = array<i32: 1, 1, 1>
// SM100: nvvm.tcgen05.alloc
// SM100: nvvm.mbarrier.init
// SM100: scf.for
// SM100: nvvm.tcgen05.st
// SM100: nvvm.fence.proxy
// SM100: nvvm.tcgen05.mma_smem_desc
// SM100: nvvm.tcgen05.mma.block_scale {{.*}} {blockScale = #nvvm.tcgen05_mma_block_scale<block32>, ctaGroup = #nvvm.cta_group<cta_1>, kind = #nvvm.block_scale_kind<mxf8f6f4>}
// SM100: nvvm.tcgen05.commit
// SM100: nvvm.mbarrier.try_wait.parity
// SM100: nvvm.tcgen05.ld {{.*}} : vector<64xi32>
// SM100: nvvm.tcgen05.dealloc
func.func @mxfp8_x_mxfp4(%a: !a, %b: !b) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !a, !b -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}

// -----

!i = !mx.tensor<32x64xi8, block = [1, 32]>
!j = !mx.tensor<64x16xi8, block = [32, 1]>

// MXINT8 has no block-scaled MMA on any chip: s8 mma.sync (exact s32 sums)
// with the scales applied in registers, whatever the chip.
// SM90-LABEL: gpu.func @mxint8(
// SM90-COUNT-2: nvvm.mma.sync {{.*}} {intOverflowBehavior = #nvvm.mma_int_overflow<satfinite>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<s8>, multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>}
// SM90: arith.sitofp
// SM120-LABEL: gpu.func @mxint8(
// SM120: nvvm.mma.sync
// SM120-NOT: nvvm.mma.block_scale
// SM100-LABEL: gpu.func @mxint8(
// SM100: nvvm.mma.sync
// SM100-NOT: nvvm.tcgen05
func.func @mxint8(%a: !i, %b: !j) -> tensor<32x16xf32> {
  %c = mx.matmul %a, %b : !i, !j -> tensor<32x16xf32>
  return %c : tensor<32x16xf32>
}

// -----

!e = !mx.tensor<16x64xf8E5M2, block = [1, 64]>
!f = !mx.tensor<64x8xf6E3M2FN, block = [64, 1]>

// E5M2 stays E5M2; FP6 widens to E4M3; a K-block of 64 is two MMAs per
// block on sm_90a, two block-scaled MMAs reusing the block's scale on sm_120a.
// SM90-LABEL: gpu.func @e5m2_x_e3m2(
// SM90-COUNT-2: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e5m2.e4m3.f32"
// SM120-LABEL: gpu.func @e5m2_x_e3m2(
// SM120-COUNT-2: nvvm.mma.block_scale {{.*}} multiplicandAPtxType = #nvvm.mma_type<e5m2>, multiplicandBPtxType = #nvvm.mma_type<e3m2>
// sm_100a without mma=tcgen05: shapes its 128-row tiles do not cover take
// mma.sync.
// SM100-LABEL: gpu.func @e5m2_x_e3m2(
// SM100-NOT: nvvm.tcgen05
// SM100: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e5m2.e4m3.f32"
func.func @e5m2_x_e3m2(%a: !e, %b: !f) -> tensor<16x8xf32> {
  %c = mx.matmul %a, %b : !e, !f -> tensor<16x8xf32>
  return %c : tensor<16x8xf32>
}

// RUN: mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_100a" | FileCheck %s

// NVFP4 on sm_100a: per K-step of 64 one tcgen05.mma.block_scale
// kind::mxf4nvf4 with block16 (scale_vec::4X) scales. Each thread stages
// 32 bytes of its row of A and its column of B, two E2M1 codes a byte
// (lower K in the low nibble), and its four E4M3 scales of the step as one
// 32-bit word (byte i: K 16i..16i+15). The instruction descriptor is
// E2M1 (1) for A and B, N >> 3 = 16, ue4m3 scales (bit 23 clear), M >> 4 = 8:
// 0x8200480 = 136316032.

// CHECK-LABEL: gpu.func @gemm_nvfp4
// CHECK-SAME: %{{.*}}: memref<128x128xi8>, %{{.*}}: memref<128x16xi8>, %{{.*}}: memref<256x64xi8>, %{{.*}}: memref<16x128xi8>, %{{.*}}: memref<128x128xf32>
// CHECK: nvvm.tcgen05.alloc
// CHECK: scf.for %{{.*}} = %{{.*}} to %c4{{.*}} step
// CHECK: arith.shli %{{.*}}, %c4_i32{{.*}} : i32
// CHECK: arith.shli %{{.*}}, %c24_i32{{.*}} : i32
// CHECK: nvvm.tcgen05.st
// CHECK: nvvm.tcgen05.st
// CHECK: arith.constant 136316032 : i32
// CHECK: nvvm.tcgen05.mma.block_scale {{.*}} {blockScale = #nvvm.tcgen05_mma_block_scale<block16>, ctaGroup = #nvvm.cta_group<cta_1>, kind = #nvvm.block_scale_kind<mxf4nvf4>}
// CHECK: nvvm.tcgen05.ld {{.*}} : vector<128xi32>
!a = !mx.tensor<128x256xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
!b = !mx.tensor<256x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
func.func @gemm_nvfp4(%a: !a, %b: !b) -> tensor<128x128xf32> {
  %c = mx.matmul %a, %b : !a, !b -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

// Swizzled scales (what cuBLASLt and TMA loads of scale tiles use) are
// read where they are: A's 128 x 16 matrix is one row of four tiles, B's
// (its columns are the layout's rows) likewise; a block's byte is at
// ((r / 128) * 4 + c / 4) * 512 + (r % 32) * 16 + (r / 32 % 4) * 4 + c % 4.
// CHECK-LABEL: gpu.func @gemm_nvfp4_swizzled
// CHECK-SAME: %{{.*}}: memref<128x128xi8>, %{{.*}}: memref<2048xi8>, %{{.*}}: memref<256x64xi8>, %{{.*}}: memref<2048xi8>, %{{.*}}: memref<128x128xf32>
// CHECK: arith.constant 512 : index
// CHECK: nvvm.tcgen05.mma.block_scale {{.*}} kind = #nvvm.block_scale_kind<mxf4nvf4>
!as = !mx.tensor<128x256xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled>
!bs = !mx.tensor<256x128xf4E2M1FN, block = [16, 1], scale = f8E4M3FN, scale_layout = swizzled>
func.func @gemm_nvfp4_swizzled(%a: !as, %b: !bs) -> tensor<128x128xf32> {
  %c = mx.matmul %a, %b : !as, !bs -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

// MXFP8 with swizzled E8M0 scales: the mxf8f6f4 kernel reads one byte per
// K-step from the tiles.
// CHECK-LABEL: gpu.func @gemm_mxfp8_swizzled
// CHECK-SAME: %{{.*}}: memref<128x256xi8>, %{{.*}}: memref<1024xi8>, %{{.*}}: memref<256x64xi8>, %{{.*}}: memref<1024xi8>, %{{.*}}: memref<128x64xf32>
// CHECK: nvvm.tcgen05.mma.block_scale {{.*}} kind = #nvvm.block_scale_kind<mxf8f6f4>
!am = !mx.tensor<128x256xf8E4M3FN, block = [1, 32], scale_layout = swizzled>
!bm = !mx.tensor<256x64xf8E4M3FN, block = [32, 1], scale_layout = swizzled>
func.func @gemm_mxfp8_swizzled(%a: !am, %b: !bm) -> tensor<128x64xf32> {
  %c = mx.matmul %a, %b : !am, !bm -> tensor<128x64xf32>
  return %c : tensor<128x64xf32>
}

// RUN: mx-opt %s --convert-mx-to-nvvm="chip=sm_120a" | FileCheck %s

// NVFP4 on sm_120a: per K-step of 64 one m16n8k64 kind::mxf4nvf4 MMA per
// n8 tile; A's four registers pack eight E2M1 codes each (element j at bits
// 4j), B's two, and each scale word holds four E4M3 block scales (byte i:
// K 16i..16i+15 of the step).

// CHECK-LABEL: gpu.func @gemm_nvfp4
// CHECK-SAME: %{{.*}}: memref<32x32xi8>, %{{.*}}: memref<32x4xi8>, %{{.*}}: memref<64x32xi8>, %{{.*}}: memref<4x64xi8>, %{{.*}}: memref<32x64xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %c1{{.*}} step
// CHECK: arith.shli %{{.*}}, %c28_i32 : i32
// CHECK: nvvm.mma.block_scale A[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] B[%{{.*}}, %{{.*}}] C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] scaleA[%{{.*}}, %c0_i16, %c0_i16] scaleB[%{{.*}}, %c0_i16, %c0_i16]
// CHECK-SAME: blockScaleFormat = #nvvm.block_scale_format<ue4m3>, kind = #nvvm.block_scale_kind<mxf4nvf4>
// CHECK-SAME: scaleVecSize = #nvvm.scale_vec_size<x4>, shape = #nvvm.shape<m = 16, n = 8, k = 64>
!a = !mx.tensor<32x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
!b = !mx.tensor<64x64xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
func.func @gemm_nvfp4(%a: !a, %b: !b) -> tensor<32x64xf32> {
  %c = mx.matmul %a, %b : !a, !b -> tensor<32x64xf32>
  return %c : tensor<32x64xf32>
}

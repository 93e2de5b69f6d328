// RUN: mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_90a" | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_120a" | FileCheck %s --check-prefixes=CHECK,SM120
// RUN: mx-opt %s -split-input-file --convert-mx-to-nvvm="chip=sm_120a convert=software" | FileCheck %s --check-prefixes=CHECK,SOFT

// One thread per block: 64 x 4 blocks of 32 -> 256 threads in 2 CTAs of 128.
// FP4 codes are two per byte; scales are E8M0 bytes. sm_90a has no FP4
// conversion: the exact integer encoding of the CPU lowering.
// CHECK: module attributes {gpu.container_module}
// CHECK: gpu.module @mx_kernels
// CHECK-LABEL: gpu.func @quantize_fp4(
// CHECK-SAME: %{{.*}}: memref<64x128xf32>, %{{.*}}: memref<64x64xi8>, %{{.*}}: memref<64x4xi8>) kernel
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>, known_grid_size = array<i32: 2, 1, 1>
// CHECK: gpu.thread_id x
// CHECK: arith.maximumf
// SM90-NOT: nvvm.convert
// SM120: nvvm.convert.f32x2.to.f8x2 {{.*}} {rnd = #nvvm.fp_rnd_mode<rz>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E8M0FNU)
// SM120: nvvm.convert.f32x2.to.f4x2 {{.*}} : i8(f4E2M1FN)
// SOFT-NOT: nvvm.convert
// CHECK: gpu.return
// CHECK-NOT: func.func
func.func @quantize_fp4(%x: tensor<64x128xf32>) -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return %q : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
}

// -----

// FP8 conversion exists from sm_89; rceil on sm_120a converts amax / 448
// with round-up (cvt.rp...ue8m0x2).
// CHECK-LABEL: gpu.func @quantize_e4m3(
// SM90-NOT: f8E8M0FNU)
// SM90: nvvm.convert.f32x2.to.f8x2 {{.*}} {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E4M3FN)
// SM120: arith.divf
// SM120: nvvm.convert.f32x2.to.f8x2 {{.*}} {rnd = #nvvm.fp_rnd_mode<rp>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E8M0FNU)
// SM120: nvvm.convert.f32x2.to.f8x2 {{.*}} {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E4M3FN)
func.func @quantize_e4m3(%x: tensor<32x64xf32>) -> !mx.tensor<32x64xf8E4M3FN, block = [1, 32]> {
  %q = mx.quantize %x scale_rule<rceil> : tensor<32x64xf32> -> !mx.tensor<32x64xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<32x64xf8E4M3FN, block = [1, 32]>
}

// -----

// Blocks along dim 0 (weights): FP4 columns n and n + 1 share a byte, so a
// thread owns two blocks (16 x 16 of them -> 128 threads). Stochastic
// rounding has no instruction: integer arithmetic with Philox bits.
// CHECK-LABEL: gpu.func @quantize_weights(
// CHECK-SAME: %{{.*}}: memref<64x32xf32>, %{{.*}}: memref<64x16xi8>, %{{.*}}: memref<2x32xi8>) kernel
// CHECK-SAME: known_grid_size = array<i32: 1, 1, 1>
// CHECK-NOT: nvvm.convert.f32x2.to.f4x2
// CHECK: arith.xori
// CHECK: gpu.return
func.func @quantize_weights(%w: tensor<64x32xf32>) -> !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> {
  %q = mx.quantize %w rounding<stochastic> seed(7) : tensor<64x32xf32> -> !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>
  return %q : !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>
}

// -----

// Functions without mx ops stay as they are.
// CHECK-LABEL: func.func @host
// CHECK-NOT: gpu.module
func.func @host(%x: f32) -> f32 {
  return %x : f32
}

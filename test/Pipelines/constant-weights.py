# RUN: %python %s | mx-opt --mx-cpu-pipeline | FileCheck %s
#
# Weights given as an f32 constant (random, as trained weights are) and
# quantized in the program are stored in MX by the lowered program: a
# packed i8 global (FP4: 256 x 64 bytes for 256 x 128 elements) and an
# E8M0 scale global (8 x 128), and no f32 global at all.

import numpy as np

weights = np.random.default_rng(0).standard_normal((256, 128)).astype(np.float32)
print(f"""
func.func @layer(%x: tensor<16x256xf32>) -> tensor<16x128xf32> {{
  %w = arith.constant dense<"0x{weights.tobytes().hex().upper()}"> : tensor<256x128xf32>
  %qw = mx.quantize %w : tensor<256x128xf32> -> !mx.tensor<256x128xf4E2M1FN, block = [32, 1]>
  %qx = mx.quantize %x : tensor<16x256xf32> -> !mx.tensor<16x256xf8E4M3FN, block = [1, 32]>
  %y = mx.matmul %qx, %qw : !mx.tensor<16x256xf8E4M3FN, block = [1, 32]>, !mx.tensor<256x128xf4E2M1FN, block = [32, 1]> -> tensor<16x128xf32>
  return %y : tensor<16x128xf32>
}}""")

# CHECK-NOT: llvm.mlir.global {{.*}}xf32
# CHECK-DAG: llvm.mlir.global private constant @{{.*}}(dense<{{.*}}> : tensor<256x64xi8>) {{.*}} : !llvm.array<256 x array<64 x i8>>
# CHECK-DAG: llvm.mlir.global private constant @{{.*}}(dense<{{.*}}> : tensor<8x128xf8E8M0FNU>) {{.*}} : !llvm.array<8 x array<128 x i8>>
# CHECK-NOT: llvm.mlir.global {{.*}}xf32
# CHECK-LABEL: llvm.func @layer

// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f,+avx512bw,+avx512bf16 prepack-weights=true" -canonicalize -cse -split-input-file | FileCheck %s

// The GEMV reads weights in the panels layout as they are stored: no
// conversion, and each row of a panel 128 bytes after the last (the
// prefetch a block ahead: 32 rows x 128 bytes further into the panel).
// CHECK-LABEL: func.func @gemv_panels
// CHECK-SAME: %{{.*}}: tensor<2x64x128xi8>, %{{.*}}: tensor<2x2x256xf8E8M0FNU>) -> tensor<1x512xf32>
// CHECK-NOT: linalg.transpose
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : memref<2x64x128xi8> into memref<16384xi8>
// CHECK: memref.prefetch
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @gemv_panels(%x: !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>, %w: !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>) -> tensor<1x512xf32> {
  %y = mx.matmul %x, %w : !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels> -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}

// -----

// Two rows are the packed GEMM's, which reads row-major weights: the
// panels are converted back first, in the IR.
// CHECK-LABEL: func.func @gemm_panels
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x64x128xi8>) outs(%{{.*}} : tensor<64x2x128xi8>) permutation = [1, 0, 2]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x2x256xf8E8M0FNU>) outs(%{{.*}} : tensor<2x2x256xf8E8M0FNU>) permutation = [1, 0, 2]
func.func @gemm_panels(%x: !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>, %w: !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>) -> tensor<2x512xf32> {
  %y = mx.matmul %x, %w : !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels> -> tensor<2x512xf32>
  return %y : tensor<2x512xf32>
}

// -----

// prepack-weights: the constant weights of a GEMV are stored in panels,
// reordered at compile time (codes as stored: two panels of 64 rows of 128
// bytes), with no conversion left at run time.
// CHECK-LABEL: func.func @gemv_constant
// CHECK: arith.constant dense<{{.*}}> : tensor<2x64x128xi8>
// CHECK-NOT: linalg.transpose
// CHECK: memref.prefetch
func.func @gemv_constant(%x: !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>) -> tensor<1x512xf32> {
  %e = arith.constant dense<1.5> : tensor<64x512xf4E2M1FN>
  %s = arith.constant dense<2.0> : tensor<2x512xf8E8M0FNU>
  %w = mx.pack %e, %s : tensor<64x512xf4E2M1FN>, tensor<2x512xf8E8M0FNU> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1]>
  %y = mx.matmul %x, %w : !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x512xf4E2M1FN, block = [32, 1]> -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}

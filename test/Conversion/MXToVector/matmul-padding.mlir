// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f,+avx512bw,+avx512bf16,+avx512vnni -canonicalize -cse -split-input-file | FileCheck %s

// N = 10 (not whole 16-column panels): the rhs gains zero columns to 16 and
// the packed kernel's 8 x 16 result is sliced back to 8 x 10. Constant
// weights are padded at compile time: elements with zeros, scales with
// copies of the last column (0.5 here), so nothing is padded per call.
// CHECK-LABEL: func.func @constant_weights
// CHECK-DAG: arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 4.000000e+00, 8.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01], [{{.*}}2.500000e-01, 2.500000e-01]]> : tensor<2x16xf8E8M0FNU>
// CHECK-DAG: arith.constant dense<"0x03030303030303030303000000000000{{.*}}"> : tensor<64x16xi8>
// CHECK-NOT: tensor.pad
// CHECK: %[[C:.+]] = bufferization.to_tensor %{{.*}} : memref<8x16xf32> to tensor<8x16xf32>
// CHECK: mx.avx512.dot_u8s8
// CHECK: %[[SLICE:.+]] = tensor.extract_slice %[[C]][0, 0] [8, 10] [1, 1] : tensor<8x16xf32> to tensor<8x10xf32>
// CHECK: return %[[SLICE]]
func.func @constant_weights(%a: !mx.tensor<8x64xi8, block = [1, 32]>) -> tensor<8x10xf32> {
  %e = arith.constant dense<3> : tensor<64x10xi8>
  %s = arith.constant dense<[[1.0, 2.0, 4.0, 8.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5], [1.0, 2.0, 4.0, 8.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.25]]> : tensor<2x10xf8E8M0FNU>
  %b = mx.pack %e, %s : tensor<64x10xi8>, tensor<2x10xf8E8M0FNU> -> !mx.tensor<64x10xi8, block = [32, 1]>
  %c = mx.matmul %a, %b : !mx.tensor<8x64xi8, block = [1, 32]>, !mx.tensor<64x10xi8, block = [32, 1]> -> tensor<8x10xf32>
  return %c : tensor<8x10xf32>
}

// -----

// Weights as an argument: unpacked and padded per call (elements with
// zeros, scales with 2^0), then the kernel and the slice.
// CHECK-LABEL: func.func @argument_weights
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 6]
// CHECK: } : tensor<64x10xf4E2M1FN> to tensor<64x16xf4E2M1FN>
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 6]
// CHECK: } : tensor<2x10xf8E8M0FNU> to tensor<2x16xf8E8M0FNU>
// CHECK: mx.avx512.dot_u8s8
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [8, 10] [1, 1] : tensor<8x16xf32> to tensor<8x10xf32>
func.func @argument_weights(%a: !mx.tensor<8x64xf4E2M1FN, block = [1, 32]>, %b: !mx.tensor<64x10xf4E2M1FN, block = [32, 1]>) -> tensor<8x10xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<8x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<64x10xf4E2M1FN, block = [32, 1]> -> tensor<8x10xf32>
  return %c : tensor<8x10xf32>
}

// -----

// E4M3 block scales (NVFP4's) are the kernel's too: padded (the new
// columns' scales 1.0 in E4M3), then integer dots.
// CHECK-LABEL: func.func @nvfp4_weights
// CHECK: tensor.pad %{{.*}} low[0, 0] high[0, 6]
// CHECK: } : tensor<3x10xf8E4M3FN> to tensor<3x16xf8E4M3FN>
// CHECK: mx.avx512.dot_u8s8
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [8, 10] [1, 1] : tensor<8x16xf32> to tensor<8x10xf32>
func.func @nvfp4_weights(%a: !mx.tensor<8x48xf4E2M1FN, block = [1, 16]>, %b: !mx.tensor<48x10xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>) -> tensor<8x10xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<8x48xf4E2M1FN, block = [1, 16]>, !mx.tensor<48x10xf4E2M1FN, block = [16, 1], scale = f8E4M3FN> -> tensor<8x10xf32>
  return %c : tensor<8x10xf32>
}

// -----

// A partial K-block (K = 48, blocks of 32): no kernel takes the product, so
// no column is padded (the linalg lowering pads K to whole blocks itself).
// CHECK-LABEL: func.func @not_a_kernel
// CHECK-NOT: high[0, 6]
// CHECK-NOT: tensor.extract_slice %{{.*}}[0, 0] [8, 10]
// CHECK-NOT: x86vector.avx512.dot
// CHECK: linalg.generic
// CHECK-NOT: high[0, 6]
func.func @not_a_kernel(%a: !mx.tensor<8x48xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<48x10xf8E4M3FN, block = [32, 1]>) -> tensor<8x10xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<8x48xf8E4M3FN, block = [1, 32]>, !mx.tensor<48x10xf8E4M3FN, block = [32, 1]> -> tensor<8x10xf32>
  return %c : tensor<8x10xf32>
}

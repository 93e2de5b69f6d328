// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=e2m1 activations=e4m3 keep=lm_head" 2>/dev/null | FileCheck %s
// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=int8 activations=e5m2 block-size=16 scale-rule=rceil rounding=stochastic seed=9" | FileCheck %s --check-prefix=OPTS
// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=e2m1 activations=none" 2>/dev/null | FileCheck %s --check-prefix=WEIGHTS-ONLY
// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=mx4 activations=mx9 rounding=rtz" 2>/dev/null | FileCheck %s --check-prefix=TWO-LEVEL
// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=e4m3 activations=e5m2 scales=f32 block-size=32" 2>/dev/null | FileCheck %s --check-prefix=TILES
// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=e4m3 activations=none scales=f32 scale-rule=rceil" 2>/dev/null | FileCheck %s --check-prefix=TILES-RCEIL
// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=e2m1 activations=e4m3 hadamard=true hadamard-seed=5" 2>/dev/null | FileCheck %s --check-prefix=HADAMARD
// RUN: mx-opt %s -split-input-file -mx-quantize-policy="weights=e2m1 activations=e2m1 scales=e4m3" 2>/dev/null | FileCheck %s --check-prefix=NVFP4

// A matmul with a zero init: both operands quantized along K (the constant
// as a weight, the argument as an activation), the mx.matmul result used
// directly.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[W:.+]] = arith.constant dense<5.000000e-01> : tensor<64x8xf32>
// CHECK: %[[QX:.+]] = mx.quantize %arg0 : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
// CHECK: %[[QW:.+]] = mx.quantize %[[W]] : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
// CHECK: %[[Y:.+]] = mx.matmul %[[QX]], %[[QW]] : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> -> tensor<16x8xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
// Weight-only: the activation stays f32 (mx.matmul takes it as is), and a
// product of two activations stays a linalg op, with a remark.
// WEIGHTS-ONLY-LABEL: func.func @matmul
// WEIGHTS-ONLY-NOT: mx.quantize %arg0
// WEIGHTS-ONLY: %[[QW:.+]] = mx.quantize %{{.*}} : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
// WEIGHTS-ONLY: mx.matmul %arg0, %[[QW]] : tensor<16x64xf32>, !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> -> tensor<16x8xf32>
// WEIGHTS-ONLY-LABEL: func.func @accumulate_bf16
// WEIGHTS-ONLY: %[[X:.+]] = arith.extf %arg0 : tensor<4x64xbf16> to tensor<4x64xf32>
// WEIGHTS-ONLY: mx.matmul %[[X]], %{{.*}} : tensor<4x64xf32>, !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
// WEIGHTS-ONLY-LABEL: func.func @transposed
// WEIGHTS-ONLY: mx.matmul %arg0, %{{.*}} : tensor<2x2xf32>, !mx.tensor<2x2xf4E2M1FN, block = [32, 1]>
// WEIGHTS-ONLY: linalg.matmul
// WEIGHTS-ONLY-LABEL: func.func @batch
// WEIGHTS-ONLY: linalg.batch_matmul
// OPTS-LABEL: func.func @matmul
// OPTS: mx.quantize %arg0 scale_rule<rceil> rounding<stochastic> seed(9) : tensor<16x64xf32> -> !mx.tensor<16x64xf8E5M2, block = [1, 16]>
// OPTS: mx.quantize %{{.*}} scale_rule<rceil> rounding<stochastic> seed(9) : tensor<64x8xf32> -> !mx.tensor<64x8xi8, block = [16, 1]>
// Two-level formats: blocks of 16 unless block-size says otherwise.
// TWO-LEVEL-LABEL: func.func @matmul
// TWO-LEVEL: %[[QX:.+]] = mx.quantize %arg0 rounding<rtz> : tensor<16x64xf32> -> !mx.tensor<16x64x!mx.microexp<mx9>, block = [1, 16]>
// TWO-LEVEL: %[[QW:.+]] = mx.quantize %{{.*}} rounding<rtz> : tensor<64x8xf32> -> !mx.tensor<64x8x!mx.microexp<mx4>, block = [16, 1]>
// TWO-LEVEL: mx.matmul %[[QX]], %[[QW]]
// FP8 tiles with f32 scales: activations in 1 x block tiles, weights in
// block x block blocks, scale rule quotient unless rceil is asked for.
// TILES-LABEL: func.func @matmul
// TILES: %[[QX:.+]] = mx.quantize %arg0 scale_rule<quotient> : tensor<16x64xf32> -> !mx.tensor<16x64xf8E5M2, block = [1, 32], scale = f32>
// TILES: %[[QW:.+]] = mx.quantize %{{.*}} scale_rule<quotient> : tensor<64x8xf32> -> !mx.tensor<64x8xf8E4M3FN, block = [32, 32], scale = f32>
// TILES: mx.matmul %[[QX]], %[[QW]]
// TILES-RCEIL-LABEL: func.func @matmul
// TILES-RCEIL: %[[QW:.+]] = mx.quantize %{{.*}} scale_rule<rceil> : tensor<64x8xf32> -> !mx.tensor<64x8xf8E4M3FN, block = [128, 128], scale = f32>
// TILES-RCEIL: mx.matmul %arg0, %[[QW]]
// With hadamard=true both operands are transformed along K first.
// HADAMARD-LABEL: func.func @matmul
// HADAMARD: %[[HX:.+]] = mx.hadamard %arg0 axis(1) seed(5) : tensor<16x64xf32>
// HADAMARD: %[[HW:.+]] = mx.hadamard %{{.*}} axis(0) seed(5) : tensor<64x8xf32>
// HADAMARD: %[[QX:.+]] = mx.quantize %[[HX]]
// HADAMARD: %[[QW:.+]] = mx.quantize %[[HW]]
// HADAMARD: mx.matmul %[[QX]], %[[QW]]
// NVFP4 (scales=e4m3): each operand's tensor scale goes to its quantize
// and, multiplied, to the product's alpha; weights are blocked along K like
// activations.
// NVFP4-LABEL: func.func @matmul
// NVFP4: %[[SX:.+]] = mx.tensor_scale %arg0 : tensor<16x64xf32>
// NVFP4: %[[QX:.+]] = mx.quantize %arg0 tensor_scale(%[[SX]]) scale_rule<quotient> : tensor<16x64xf32> -> !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
// NVFP4: %[[SW:.+]] = mx.tensor_scale %[[W:.+]] : tensor<64x8xf32>
// NVFP4: %[[ALPHA:.+]] = arith.mulf %[[SX]], %[[SW]] : f32
// NVFP4: %[[QW:.+]] = mx.quantize %[[W]] tensor_scale(%[[SW]]) scale_rule<quotient> : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
// NVFP4: mx.matmul %[[QX]], %[[QW]] alpha(%[[ALPHA]])
func.func @matmul(%x: tensor<16x64xf32>) -> tensor<16x8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<16x64xf32>, tensor<64x8xf32>) outs(%z : tensor<16x8xf32>) -> tensor<16x8xf32>
  return %y : tensor<16x8xf32>
}

// -----

// A non-zero init is added; a bf16 result is rounded from f32; an argument
// marked {mx.weight} is a weight.
// CHECK-LABEL: func.func @accumulate_bf16
// CHECK: %[[QX:.+]] = mx.quantize %arg0 : tensor<4x64xbf16> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
// CHECK: %[[QW:.+]] = mx.quantize %arg1 : tensor<64x8xbf16> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
// CHECK: %[[P:.+]] = mx.matmul %[[QX]], %[[QW]]
// CHECK: %[[INIT:.+]] = arith.extf %arg2 : tensor<4x8xbf16> to tensor<4x8xf32>
// CHECK: %[[SUM:.+]] = arith.addf %[[INIT]], %[[P]] : tensor<4x8xf32>
// CHECK: %[[R:.+]] = arith.truncf %[[SUM]] : tensor<4x8xf32> to tensor<4x8xbf16>
// CHECK: return %[[R]]
func.func @accumulate_bf16(%x: tensor<4x64xbf16>, %w: tensor<64x8xbf16> {mx.weight}, %c: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %y = linalg.matmul ins(%x, %w : tensor<4x64xbf16>, tensor<64x8xbf16>) outs(%c : tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return %y : tensor<4x8xbf16>
}

// -----

// Weights stored N x K (used transposed): a constant is transposed at
// compile time; an activation is quantized along its rows, then its codes
// and scales are transposed (mx.transpose), with no f32 transpose left.
// CHECK-LABEL: func.func @transposed
// CHECK-DAG: %[[WT:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: mx.quantize %[[WT]] : tensor<2x2xf32> -> !mx.tensor<2x2xf4E2M1FN, block = [32, 1]>
// CHECK-NOT: linalg.transpose
// CHECK: %[[Q:.+]] = mx.quantize %arg1 : tensor<2x2xf32> -> !mx.tensor<2x2xf8E4M3FN, block = [1, 32]>
// CHECK: %[[T:.+]] = mx.transpose %[[Q]] [1, 0] : !mx.tensor<2x2xf8E4M3FN, block = [1, 32]> -> !mx.tensor<2x2xf8E4M3FN, block = [32, 1]>
// CHECK: mx.matmul %{{.+}}, %[[T]]
func.func @transposed(%x: tensor<2x2xf32>, %y: tensor<2x2xf32>, %c: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %y : tensor<2x2xf32>, tensor<2x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r, %s : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// matvec and vecmat: the vector becomes a K x 1 (1 x K) matrix, the result
// a vector again.
// CHECK-LABEL: func.func @vectors
// CHECK: %[[XE:.+]] = tensor.expand_shape %arg1 {{\[\[}}0, 1]] output_shape [64, 1] : tensor<64xf32> into tensor<64x1xf32>
// CHECK: mx.quantize %[[XE]] : tensor<64x1xf32> -> !mx.tensor<64x1xf8E4M3FN, block = [32, 1]>
// CHECK: %[[MV:.+]] = mx.matmul {{.*}} -> tensor<8x1xf32>
// CHECK: tensor.collapse_shape %[[MV]] {{\[\[}}0, 1]] : tensor<8x1xf32> into tensor<8xf32>
// CHECK: tensor.expand_shape %arg1 {{\[\[}}0, 1]] output_shape [1, 64] : tensor<64xf32> into tensor<1x64xf32>
// CHECK: mx.matmul {{.*}} -> tensor<1x8xf32>
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x8xf32> into tensor<8xf32>
func.func @vectors(%a: tensor<8x64xf32>, %x: tensor<64xf32>, %y: tensor<8xf32>, %b: tensor<64x8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %r = linalg.matvec ins(%a, %x : tensor<8x64xf32>, tensor<64xf32>) outs(%y : tensor<8xf32>) -> tensor<8xf32>
  %s = linalg.vecmat ins(%x, %b : tensor<64xf32>, tensor<64x8xf32>) outs(%y : tensor<8xf32>) -> tensor<8xf32>
  return %r, %s : tensor<8xf32>, tensor<8xf32>
}

// -----

// batch_matmul: a loop of 2-D products over the batch.
// CHECK-LABEL: func.func @batch
// CHECK: scf.for %[[I:.+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.+]] = %arg2) -> (tensor<3x4x8xf32>)
// CHECK: %[[A:.+]] = tensor.extract_slice %arg0[%[[I]], 0, 0] [1, 4, 64] [1, 1, 1] : tensor<3x4x64xf32> to tensor<4x64xf32>
// CHECK: %[[B:.+]] = tensor.extract_slice %arg1[%[[I]], 0, 0] [1, 64, 8] [1, 1, 1] : tensor<3x64x8xf32> to tensor<64x8xf32>
// CHECK: mx.matmul
// CHECK: tensor.insert_slice {{.*}} into %[[ACC]][%[[I]], 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK: scf.yield
func.func @batch(%a: tensor<3x4x64xf32>, %b: tensor<3x64x8xf32>, %c: tensor<3x4x8xf32>) -> tensor<3x4x8xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x4x64xf32>, tensor<3x64x8xf32>) outs(%c : tensor<3x4x8xf32>) -> tensor<3x4x8xf32>
  return %r : tensor<3x4x8xf32>
}

// -----

// A contraction written as linalg.generic (with widening casts in the body).
// CHECK-LABEL: func.func @generic
// CHECK-NOT: linalg.generic
// CHECK: mx.matmul {{.*}} : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<4x8xf32>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @generic(%x: tensor<4x64xbf16>, %y: tensor<64x8xbf16>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %y : tensor<4x64xbf16>, tensor<64x8xbf16>) outs(%c : tensor<4x8xf32>) {
  ^bb0(%u: bf16, %v: bf16, %acc: f32):
    %uf = arith.extf %u : bf16 to f32
    %vf = arith.extf %v : bf16 to f32
    %p = arith.mulf %uf, %vf : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// keep= also matches a named location (an importer's layer name).
// CHECK-LABEL: func.func @named_location
// CHECK: linalg.matmul
// CHECK-NOT: mx.matmul
func.func @named_location(%x: tensor<4x64xf32>, %w: tensor<64x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32> loc("lm_head")
  return %r : tensor<4x8xf32>
}
